package hyperstart_test

import (
	"net"
	"os"
	"time"

	"golang.org/x/sys/unix"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/thediveo/success"
)

// socketpair returns both ends of a real AF_UNIX stream socketpair, closed
// when the spec ends, the reading end with a deadline so no spec can hang.
func socketpair() (reader, writer *net.UnixConn) {
	GinkgoHelper()
	fds := Successful(unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0))
	conns := make([]*net.UnixConn, 2)
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "socketpair")
		c := Successful(net.FileConn(f))
		Expect(f.Close()).To(Succeed())
		conns[i] = c.(*net.UnixConn)
		DeferCleanup(conns[i].Close)
	}
	Expect(conns[0].SetReadDeadline(time.Now().Add(5 * time.Second))).To(Succeed())
	return conns[0], conns[1]
}

// writeBytewise writes b one byte per Write, then shuts down w's sending
// side so the reader sees the end of the stream.
func writeBytewise(w *net.UnixConn, b []byte) {
	defer GinkgoRecover()
	defer func() { _ = w.CloseWrite() }()
	for i := range b {
		if _, err := w.Write(b[i : i+1]); err != nil {
			return
		}
	}
}
