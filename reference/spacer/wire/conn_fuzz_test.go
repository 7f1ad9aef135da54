package wire_test

import (
	"net"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/reference/spacer/api"
	"github.com/wirecert/wirecert/reference/spacer/wire"
)

// fuzzPair is a connected pair of unix stream sockets for one fuzz input.
func fuzzPair(t testing.TB) (*net.UnixConn, *net.UnixConn) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	conns := make([]*net.UnixConn, 2)
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "fuzz")
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c.(*net.UnixConn)
	}
	return conns[0], conns[1]
}

// openFds counts this process's open fds.
func openFds(t testing.TB) int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// encoded is what a real sender puts on the wire for resp: the seed corpus.
func encoded(t testing.TB, resp api.Response) []byte {
	a, b := fuzzPair(t)
	defer a.Close()
	defer b.Close()
	if err := wire.NewConn(a, time.Second).SendResponse(resp); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, wire.MaxMessageSize)
	_ = b.SetReadDeadline(time.Now().Add(time.Second))
	n, _, _, _, err := b.ReadMsgUnix(buf, make([]byte, 256))
	if err != nil {
		t.Fatal(err)
	}
	return buf[:n]
}

// FuzzReceiveResponse sends one arbitrary message, with or without an fd, to
// a receiving Conn: no panic, a typed outcome, and every fd that arrived is
// either owned by the response or closed.
func FuzzReceiveResponse(f *testing.F) {
	f.Add(encoded(f, &api.ErrorResponse{Reason: "no space requested"}), false)
	f.Add(encoded(f, &api.RoomsResponse{}), true)
	f.Add(encoded(f, &api.SubspaceResponse{}), true)
	f.Add([]byte{3, 4, 5}, true)
	f.Fuzz(func(t *testing.T, msg []byte, withFd bool) {
		if len(msg) == 0 || len(msg) > wire.MaxMessageSize {
			return // nothing to send in one message, or not one message
		}
		before := openFds(t)
		a, b := fuzzPair(t)
		var oob []byte
		if withFd {
			null, err := os.Open(os.DevNull)
			if err != nil {
				t.Fatal(err)
			}
			oob = unix.UnixRights(int(null.Fd()))
			defer null.Close()
		}
		if _, _, err := a.WriteMsgUnix(msg, oob, nil); err != nil {
			t.Fatal(err)
		}
		resp, err := wire.NewConn(b, 200*time.Millisecond).ReceiveResponse()
		if closer, ok := resp.(interface{ Close() error }); ok && err == nil {
			_ = closer.Close()
		}
		a.Close()
		b.Close()
		if err != nil && os.IsTimeout(err) {
			t.Fatalf("one whole message timed out: %v", err)
		}
		if withFd {
			before++ // the /dev/null fd, closed by the deferred Close
		}
		if after := openFds(t); after > before {
			t.Fatalf("%d fds before, %d after: a received fd leaked (err %v)", before, after, err)
		}
	})
}
