package wiretap_test

import (
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/onsi/gomega/gleak"
	. "github.com/thediveo/fdooze"
	. "github.com/thediveo/success"
)

func TestWiretap(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "fakes/wiretap")
}

var _ = BeforeSuite(func() {
	// The runtime opens its network poller's fds on first use; open them
	// now so the first spec's leak check does not count them.
	a, b := socketpair()
	Expect(a.Close()).To(Succeed())
	Expect(b.Close()).To(Succeed())
})

// leakChecked makes the current spec prove it leaves no fds and no
// goroutines behind.
func leakChecked() {
	goodfds := Filedescriptors()
	goodgos := Goroutines()
	DeferCleanup(func() {
		Eventually(Goroutines).WithTimeout(2 * time.Second).ShouldNot(HaveLeaked(goodgos))
		Expect(Filedescriptors()).NotTo(HaveLeakedFds(goodfds))
	})
}

// socketpair gives two connected AF_UNIX stream ends as *net.UnixConns.
func socketpair() (*net.UnixConn, *net.UnixConn) {
	GinkgoHelper()
	fds := Successful(syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0))
	conns := make([]*net.UnixConn, 2)
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "socketpair")
		conns[i] = Successful(net.FileConn(f)).(*net.UnixConn)
		Expect(f.Close()).To(Succeed())
	}
	return conns[0], conns[1]
}
