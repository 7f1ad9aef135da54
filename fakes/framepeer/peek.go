package framepeer

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// AwaitReadable waits at most timeout until a read would not block: bytes
// arrived, or the other side closed. It takes nothing from the connection,
// so a later ReadFrame sees every byte; it returns false when timeout
// passed first. A connection without a file descriptor (not a socket) is
// reported readable at once, so the caller's read does the waiting.
func (p *Peer) AwaitReadable(timeout time.Duration) (bool, error) {
	rc, ok := p.rawConn()
	if !ok {
		return true, nil
	}
	if err := p.setReadDeadline(timeout); err != nil {
		return false, err
	}
	var one [1]byte
	err := rc.Read(func(fd uintptr) bool {
		_, _, err := unix.Recvfrom(int(fd), one[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
		return !errors.Is(err, unix.EAGAIN) // anything else, EOF and errors too, ends the wait
	})
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("framepeer: waiting for bytes: %w", err)
	}
	return true, nil
}

// Pending returns up to n of the bytes waiting on the connection without
// taking them (nil when none are waiting), so a spec can see what a peer
// sent on a connection it is not reading right now. A connection without a
// file descriptor has none to show.
func (p *Peer) Pending(n int) ([]byte, error) {
	if n <= 0 {
		return nil, fmt.Errorf("framepeer: %w: peek length is %d, allowed > 0", ErrBadArgument, n)
	}
	rc, ok := p.rawConn()
	if !ok {
		return nil, nil
	}
	b := make([]byte, n)
	var (
		got  int
		rerr error
	)
	if err := rc.Control(func(fd uintptr) {
		got, _, rerr = unix.Recvfrom(int(fd), b, unix.MSG_PEEK|unix.MSG_DONTWAIT)
	}); err != nil {
		return nil, fmt.Errorf("framepeer: peeking: %w", err)
	}
	switch {
	case errors.Is(rerr, unix.EAGAIN):
		return nil, nil
	case rerr != nil:
		return nil, fmt.Errorf("framepeer: peeking: %w", rerr)
	case got == 0:
		return nil, nil
	}
	return b[:got], nil
}

// rawConn is the connection's file descriptor access, when it has one.
func (p *Peer) rawConn() (syscall.RawConn, bool) {
	sc, ok := p.conn.(syscall.Conn)
	if !ok {
		return nil, false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil, false
	}
	return rc, true
}
