package hyperagent

import (
	"errors"
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// dialOrder tells which listener a connection arrived on first. Two goroutines
// parked in Accept cannot: when a proxy dials ctl and io back to back, both
// wake from the same netpoll round and race. An epoll set of its own does:
// epoll reports ready fds in the order they became ready, and each connect()
// makes its listener ready before it returns. Level-triggered, so a listener
// with several pending connections is reported again; only an extra dial on a
// listener already reported can be listed ahead of its true place, never the
// first ctl or the first io dial.
type dialOrder struct {
	epfd  int
	wake  int            // eventfd that ends wait on Close
	kinds map[int]string // listener fd -> "ctl" or "io"
}

func newDialOrder(listeners map[string]*net.UnixListener) (*dialOrder, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("hyperagent: epoll_create1: %w", err)
	}
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
	if err != nil {
		_ = unix.Close(epfd)
		return nil, fmt.Errorf("hyperagent: eventfd: %w", err)
	}
	d := &dialOrder{epfd: epfd, wake: wake, kinds: map[int]string{}}
	if err := d.add(wake); err != nil {
		d.close()
		return nil, err
	}
	for kind, ln := range listeners {
		rc, err := ln.SyscallConn()
		if err != nil {
			d.close()
			return nil, fmt.Errorf("hyperagent: %s listener: %w", kind, err)
		}
		var addErr error
		if err := rc.Control(func(fd uintptr) {
			d.kinds[int(fd)] = kind
			addErr = d.add(int(fd))
		}); err != nil || addErr != nil {
			d.close()
			return nil, fmt.Errorf("hyperagent: %s listener: %w", kind, errors.Join(err, addErr))
		}
	}
	return d, nil
}

func (d *dialOrder) add(fd int) error {
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}
	if err := unix.EpollCtl(d.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return fmt.Errorf("hyperagent: epoll_ctl add fd %d: %w", fd, err)
	}
	return nil
}

// next blocks until listeners have pending connections and returns their
// kinds in the order they became ready; ok is false once stop was called.
func (d *dialOrder) next() (kinds []string, ok bool, err error) {
	var events [3]unix.EpollEvent
	for {
		n, err := unix.EpollWait(d.epfd, events[:], -1)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return nil, false, fmt.Errorf("hyperagent: epoll_wait: %w", err)
		}
		for _, ev := range events[:n] {
			if int(ev.Fd) == d.wake {
				return nil, false, nil
			}
			kinds = append(kinds, d.kinds[int(ev.Fd)])
		}
		return kinds, true, nil
	}
}

// stop makes next return ok false, now or at its next call.
func (d *dialOrder) stop() {
	_, _ = unix.Write(d.wake, []byte{1, 0, 0, 0, 0, 0, 0, 0})
}

// close releases the epoll set; only after next has returned for good.
func (d *dialOrder) close() {
	_ = unix.Close(d.epfd)
	_ = unix.Close(d.wake)
}
