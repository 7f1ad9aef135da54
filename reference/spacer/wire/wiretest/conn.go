package wiretest

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/reference/spacer/api"
	"github.com/wirecert/wirecert/reference/spacer/wire"
)

// ErrUnread is what Drained returns when the peer left bytes unread too
// long.
var ErrUnread = errors.New("wiretest: the peer left bytes unread")

// Socketpair returns both ends of a connected unix stream socketpair.
func Socketpair() (a, b *net.UnixConn, err error) {
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("wiretest: socketpair: %w", err)
	}
	if a, err = fileConn(pair[0]); err != nil {
		unix.Close(pair[1])
		return nil, nil, err
	}
	if b, err = fileConn(pair[1]); err != nil {
		a.Close()
		return nil, nil, err
	}
	return a, b, nil
}

// fileConn wraps the socket fd, which it takes over.
func fileConn(fd int) (*net.UnixConn, error) {
	f := os.NewFile(uintptr(fd), "spacer socket")
	defer f.Close()
	conn, err := net.FileConn(f)
	if err != nil {
		return nil, fmt.Errorf("wiretest: %w", err)
	}
	return conn.(*net.UnixConn), nil
}

// Drained waits until the peer reading conn has read everything sent so
// far (conn's receive queue is empty), so that each of its recvmsgs gets
// one sendmsg as the input decides, not what the scheduler let pile up. It
// returns false once the peer has ended (ended is closed, or conn is), and
// ErrUnread when bytes stay queued longer than within.
func Drained(conn *net.UnixConn, ended <-chan struct{}, within time.Duration) (bool, error) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return false, fmt.Errorf("wiretest: %w", err)
	}
	deadline := time.Now().Add(within)
	for {
		var queued int
		var ioctlErr error
		if err := rc.Control(func(fd uintptr) { queued, ioctlErr = unix.IoctlGetInt(int(fd), unix.SIOCINQ) }); err != nil {
			return false, nil // closed: the peer has ended
		}
		if ioctlErr != nil {
			return false, fmt.Errorf("wiretest: SIOCINQ of the peer's socket: %w", ioctlErr)
		}
		if queued == 0 {
			return true, nil
		}
		select {
		case <-ended:
			return false, nil
		case <-time.After(100 * time.Microsecond):
		}
		if time.Now().After(deadline) {
			return false, fmt.Errorf("%w: %d bytes for %v", ErrUnread, queued, within)
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
