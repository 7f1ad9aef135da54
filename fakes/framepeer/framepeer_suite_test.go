package framepeer_test

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

	"github.com/wirecert/wirecert/fakes/framepeer"
)

func TestFramepeer(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "fakes/framepeer")
}

var _ = BeforeSuite(func() {
	// The runtime opens its network poller's fds on first use; open them
	// now so the first spec's leak check does not count them.
	a, b := socketpair(syscall.SOCK_STREAM)
	Expect(a.Close()).To(Succeed())
	Expect(b.Close()).To(Succeed())
})

// leakChecked makes the current spec prove it leaves no fds and no
// goroutines behind; cleanups the spec registers later run before the check.
func leakChecked() {
	goodfds := Filedescriptors()
	goodgos := Goroutines()
	DeferCleanup(func() {
		Eventually(Goroutines).WithTimeout(2 * time.Second).ShouldNot(HaveLeaked(goodgos))
		Expect(Filedescriptors()).NotTo(HaveLeakedFds(goodfds))
	})
}

// socketpair gives two connected AF_UNIX ends of the given type as
// net.Conns. SOCK_SEQPACKET keeps every write a packet of its own, which
// shows where a sender split its bytes.
func socketpair(typ int) (net.Conn, net.Conn) {
	GinkgoHelper()
	fds := Successful(syscall.Socketpair(syscall.AF_UNIX, typ|syscall.SOCK_CLOEXEC, 0))
	conns := make([]net.Conn, 2)
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "socketpair")
		conns[i] = Successful(net.FileConn(f))
		Expect(f.Close()).To(Succeed())
	}
	return conns[0], conns[1]
}

// peers gives two Peers on a stream socketpair, closed when the spec ends.
func peers() (*framepeer.Peer, *framepeer.Peer) {
	GinkgoHelper()
	a, b := socketpair(syscall.SOCK_STREAM)
	pa, pb := framepeer.New(a), framepeer.New(b)
	DeferCleanup(pa.Close)
	DeferCleanup(pb.Close)
	return pa, pb
}

// packets reads SOCK_SEQPACKET packets until want bytes arrived, each read
// under a deadline, and returns them.
func packets(conn net.Conn, want int) [][]byte {
	GinkgoHelper()
	var got [][]byte
	buf := make([]byte, 64<<10)
	for total := 0; total < want; {
		Expect(conn.SetReadDeadline(time.Now().Add(2 * time.Second))).To(Succeed())
		n := Successful(conn.Read(buf))
		got = append(got, append([]byte(nil), buf[:n]...))
		total += n
	}
	return got
}
