package spacer

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// reaper reaps the sub-services of this process without an OS thread
// waiting for them. exec.Cmd.Wait blocks one thread in waitid per child,
// and Go never ends a thread once started, so 50 sub-services left a
// service with 50 more threads for good. Here one goroutine watches an
// epoll fd of its own holding a pidfd per child; that epoll fd sits in Go's
// poller, so the goroutine is parked, not blocked in a syscall, between
// exits. One goroutine rather than one per child: 50 children ending at
// once then wake one goroutine, which reaps them in turn, instead of 50
// runnable goroutines whose syscalls make the runtime start more threads.
// The goroutine ends (and closes the epoll fd) when no child is left.
type reaper struct {
	mu       sync.Mutex
	epfd     int // -1 while no goroutine runs
	children map[int]*child
}

// child is a process handed to the reaper.
type child struct {
	r    *reaper
	proc *os.Process
	// pidfd is the reaper's own dup, closed once the child is reaped.
	pidfd int
	// reaped is closed once the child is reaped.
	reaped chan struct{}
}

// subservices reaps this process's sub-services.
var subservices = reaper{epfd: -1}

// reapBatch is how many events one epoll_wait takes at most; the next
// one takes more.
const reapBatch = 16

// add hands the reaper proc, a started child nobody else waits for, with
// pidfd, a pidfd of it (dup'ed: the caller keeps its own). Once reaped,
// proc is released. On error proc is left as it was.
func (r *reaper) add(proc *os.Process, pidfd int) (*child, error) {
	fd, err := unix.FcntlInt(uintptr(pidfd), unix.F_DUPFD_CLOEXEC, 3)
	if err != nil {
		return nil, fmt.Errorf("dup pidfd %d: %w", pidfd, err)
	}
	c := &child{r: r, proc: proc, pidfd: fd, reaped: make(chan struct{})}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.epfd < 0 {
		if err := r.start(); err != nil {
			_ = unix.Close(fd)
			return nil, err
		}
	}
	// Edge-triggered: one event on exit; a pidfd wakes its waiters once
	// more when the child is reaped, but by then it has left the set.
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLET, Fd: int32(fd)}
	if err := unix.EpollCtl(r.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		_ = unix.Close(fd)
		if len(r.children) == 0 {
			r.stop()
		}
		return nil, fmt.Errorf("epoll_ctl(ADD, pidfd %d): %w", fd, err)
	}
	if r.children == nil {
		r.children = make(map[int]*child)
	}
	r.children[fd] = c
	return c, nil
}

// start creates the epoll fd and the goroutine that watches it; r.mu held.
func (r *reaper) start() error {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return fmt.Errorf("epoll_create1: %w", err)
	}
	// Non-blocking, so that os.NewFile puts it in Go's poller.
	if err := unix.SetNonblock(epfd, true); err != nil {
		_ = unix.Close(epfd)
		return fmt.Errorf("epoll fd %d: O_NONBLOCK: %w", epfd, err)
	}
	// The File holds a dup: r.epfd stays valid for epoll_ctl until stop,
	// whatever the File does.
	dup, err := unix.FcntlInt(uintptr(epfd), unix.F_DUPFD_CLOEXEC, 3)
	if err != nil {
		_ = unix.Close(epfd)
		return fmt.Errorf("dup epoll fd %d: %w", epfd, err)
	}
	f := os.NewFile(uintptr(dup), "spacer sub-services epoll")
	rc, err := f.SyscallConn()
	if err != nil {
		_ = f.Close()
		_ = unix.Close(epfd)
		return fmt.Errorf("epoll fd %d: %w", epfd, err)
	}
	r.epfd = epfd
	go r.run(f, rc)
	return nil
}

// stop closes the epoll fd; r.mu held, no child left.
func (r *reaper) stop() {
	_ = unix.Close(r.epfd)
	r.epfd = -1
}

// run reaps children as they exit until none is left.
func (r *reaper) run(f *os.File, rc syscall.RawConn) {
	defer f.Close()
	events := make([]unix.EpollEvent, reapBatch)
	var done bool
	// Read parks this goroutine in the poller whenever the callback says
	// "not yet", and calls it again once the epoll fd polls readable,
	// which it does as soon as one of its pidfds does.
	err := rc.Read(func(fd uintptr) bool {
		for {
			n, err := unix.EpollWait(int(fd), events, 0)
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				fmt.Fprintf(os.Stderr, "spacer: watching sub-services: epoll_wait: %v\n", err)
				return true
			}
			for _, ev := range events[:n] {
				r.reap(int(ev.Fd))
			}
			if n < len(events) {
				break
			}
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if len(r.children) > 0 {
			return false
		}
		r.stop()
		done = true
		return true
	})
	if err != nil || !done {
		// Nothing is left to wait with; say so rather than hang or spin.
		fmt.Fprintf(os.Stderr, "spacer: watching sub-services: %v; %d left unreaped\n", err, r.abandon())
	}
}

// reap reaps the child behind pidfd if it has exited.
func (r *reaper) reap(pidfd int) {
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PIDFD, pidfd, &info, unix.WEXITED|unix.WNOHANG, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil && !errors.Is(err, unix.ECHILD) {
			fmt.Fprintf(os.Stderr, "spacer: reaping sub-service (pidfd %d): %v\n", pidfd, err)
			return // stays in the set; its next event tries again
		}
		if err == nil && info.Signo == 0 {
			return // WNOHANG and still running (si_signo left 0)
		}
		break // reaped; or ECHILD: somebody else did
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.children[pidfd]
	if !ok {
		return
	}
	delete(r.children, pidfd)
	_ = unix.EpollCtl(r.epfd, unix.EPOLL_CTL_DEL, pidfd, nil)
	_ = unix.Close(pidfd)
	_ = c.proc.Release() // closes os.Process's own pidfd; no wait
	close(c.reaped)
}

// abandon gives up on the children left, after the epoll fd failed, and
// returns how many there were.
func (r *reaper) abandon() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(r.children)
	for fd, c := range r.children {
		delete(r.children, fd)
		_ = unix.Close(fd)
		_ = c.proc.Release()
		close(c.reaped)
	}
	if r.epfd >= 0 {
		r.stop()
	}
	return n
}

// kill sends SIGKILL to the child unless it has been reaped already.
func (c *child) kill() error {
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	select {
	case <-c.reaped:
		return nil // its pidfd is closed, the number may be another file's
	default:
	}
	if err := unix.PidfdSendSignal(c.pidfd, unix.SIGKILL, nil, 0); err != nil && !errors.Is(err, unix.ESRCH) {
		return err
	}
	return nil
}
