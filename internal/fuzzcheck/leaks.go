package fuzzcheck

import (
	"net"
	"os"
	"testing"
	"time"

	"github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
	"github.com/thediveo/fdooze"
	"golang.org/x/sys/unix"
)

// NoLeaks snapshots the goroutines and fds now; the function it returns
// fails tb unless every goroutine and fd started since is gone within the
// bound. It polls every millisecond: the goroutines of an input are mostly
// just returning, and a fuzzer's time is execs.
func NoLeaks(tb testing.TB, within time.Duration) func() {
	goroutines := gleak.Goroutines()
	fds := fdooze.Filedescriptors()
	return func() {
		tb.Helper()
		g := gomega.NewWithT(tb)
		g.Eventually(gleak.Goroutines).WithTimeout(within).WithPolling(time.Millisecond).ShouldNot(gleak.HaveLeaked(goroutines))
		g.Eventually(fdooze.Filedescriptors).WithTimeout(within).WithPolling(time.Millisecond).ShouldNot(fdooze.HaveLeakedFds(fds))
	}
}

// WarmPoller opens the runtime's network poller (its epoll fd and eventfd
// stay open for good) by putting a socket in it, so the first input's fd
// snapshot already has them.
func WarmPoller(tb testing.TB) {
	tb.Helper()
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		tb.Fatalf("fuzzcheck: socketpair: %v", err)
	}
	unix.Close(pair[1])
	f := os.NewFile(uintptr(pair[0]), "fuzzcheck poller warm-up")
	defer f.Close()
	conn, err := net.FileConn(f) // a dup, in the poller
	if err != nil {
		tb.Fatalf("fuzzcheck: %v", err)
	}
	conn.Close()
}
