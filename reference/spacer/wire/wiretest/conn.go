package wiretest

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/reference/spacer/api"
	"github.com/wirecert/wirecert/reference/spacer/wire"
)

// Socketpair returns both ends of a connected unix stream socketpair, or
// fails tb.
func Socketpair(tb testing.TB) (a, b *net.UnixConn) {
	tb.Helper()
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		tb.Fatalf("wiretest: socketpair: %v", err)
	}
	return fileConn(tb, pair[0]), fileConn(tb, pair[1])
}

// fileConn wraps the socket fd, which it takes over.
func fileConn(tb testing.TB, fd int) *net.UnixConn {
	tb.Helper()
	f := os.NewFile(uintptr(fd), "spacer socket")
	defer f.Close()
	conn, err := net.FileConn(f)
	if err != nil {
		tb.Fatalf("wiretest: %v", err)
	}
	return conn.(*net.UnixConn)
}

// Drained waits until the peer reading conn has read everything sent so
// far (conn's receive queue is empty), so that each of its recvmsgs gets
// one sendmsg as the input decides, not what the scheduler let pile up. It
// returns false once the peer has ended (ended is closed, or conn is), and
// fails tb when bytes stay queued longer than within.
func Drained(tb testing.TB, conn *net.UnixConn, ended <-chan struct{}, within time.Duration) bool {
	tb.Helper()
	rc, err := conn.SyscallConn()
	if err != nil {
		tb.Fatalf("wiretest: %v", err)
	}
	deadline := time.Now().Add(within)
	for {
		var queued int
		var ioctlErr error
		if err := rc.Control(func(fd uintptr) { queued, ioctlErr = unix.IoctlGetInt(int(fd), unix.SIOCINQ) }); err != nil {
			return false // closed: the peer has ended
		}
		if ioctlErr != nil {
			tb.Fatalf("wiretest: SIOCINQ of the peer's socket: %v", ioctlErr)
		}
		if queued == 0 {
			return true
		}
		select {
		case <-ended:
			return false
		case <-time.After(100 * time.Microsecond):
		}
		if time.Now().After(deadline) {
			tb.Fatalf("wiretest: the peer left %d bytes unread for %v", queued, within)
		}
	}
}

// Responses receives responses on conn as the reference client does, each
// within step, until the peer closes the connection (EOF, or a reset when
// it closed with requests unread), closing the fds they bring (a
// sub-service ends with its Conn). Anything but a spacer response is an
// error.
func Responses(conn *net.UnixConn, step time.Duration) error {
	wc := wire.NewConn(conn, step)
	for {
		resp, err := wc.ReceiveResponse()
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) {
				return nil
			}
			return err
		}
		switch resp := resp.(type) {
		case *api.ErrorResponse:
		case *api.RoomsResponse:
			_ = resp.Close()
		case *api.SubspaceResponse:
			_ = resp.Close()
		default:
			return fmt.Errorf("wiretest: response is a %T, allowed a spacer response", resp)
		}
	}
}
