package ccproxy_test

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

// fuzzSocketpair is a connected pair of unix stream sockets for one fuzz
// input: no path, nothing to clean up but the two conns.
func fuzzSocketpair(t testing.TB) (*net.UnixConn, *net.UnixConn) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	conns := make([]*net.UnixConn, 2)
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "fuzz socketpair")
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c.(*net.UnixConn)
	}
	return conns[0], conns[1]
}

// noLeaks snapshots the goroutines and fds now; the function it returns
// fails t unless every goroutine and fd started since is gone within a few
// seconds (a fuzz worker runs one input at a time, so nothing else comes
// and goes meanwhile).
func noLeaks(t *testing.T) func() {
	goroutines := gleak.Goroutines()
	fds := fdooze.Filedescriptors()
	return func() {
		t.Helper()
		g := gomega.NewWithT(t)
		g.Eventually(gleak.Goroutines).WithTimeout(5 * time.Second).ShouldNot(gleak.HaveLeaked(goroutines))
		g.Eventually(fdooze.Filedescriptors).WithTimeout(5 * time.Second).ShouldNot(fdooze.HaveLeakedFds(fds))
	}
}
