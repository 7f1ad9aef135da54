package service

import (
	"fmt"
	"runtime"

	"golang.org/x/sys/unix"

	"example.com/foreign-spacer/api"
)

// rooms creates new namespaces of the types in spaces (valid already) and
// returns their fds.
func rooms(spaces uint64) api.Response {
	resp := &api.RoomsResponse{}
	fields := []struct {
		flag uint64
		name string
		fd   *int
	}{
		{unix.CLONE_NEWCGROUP, "cgroup", &resp.Cgroup},
		{unix.CLONE_NEWIPC, "ipc", &resp.IPC},
		{unix.CLONE_NEWNS, "mnt", &resp.Mnt},
		{unix.CLONE_NEWNET, "net", &resp.Net},
		// unshare(CLONE_NEWTIME) moves only the children of the thread
		// into the new time namespace: the thread's own stays the old one
		{unix.CLONE_NEWTIME, "time_for_children", &resp.Time},
		{unix.CLONE_NEWUTS, "uts", &resp.UTS},
	}
	err := onSpoilableThread(func() error {
		if err := unix.Unshare(int(spaces)); err != nil {
			return fmt.Errorf("unshare(%#x): %w", spaces, err)
		}
		for _, f := range fields {
			if spaces&f.flag == 0 {
				continue
			}
			fd, err := unix.Open("/proc/thread-self/ns/"+f.name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
			if err != nil {
				return fmt.Errorf("opening the new %s namespace: %w", f.name, err)
			}
			*f.fd = fd
		}
		return nil
	})
	if err != nil {
		closeFds(resp.EncodeFds())
		return refusal("creating namespaces: %v", err)
	}
	return resp
}

// onSpoilableThread runs fn on an OS thread of its own that ends with fn,
// so that fn may move it into other namespaces: the Go runtime ends a
// thread whose goroutine exits locked to it. The main thread is no such
// thread (Go cannot end it, and its namespaces are the ones /proc/PID/ns
// shows for the process): landed there, the goroutine keeps it locked,
// which makes the next goroutine start on another, and hands it back
// unchanged.
func onSpoilableThread(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if unix.Gettid() == unix.Getpid() {
			errc <- onSpoilableThread(fn)
			runtime.UnlockOSThread()
			return
		}
		errc <- fn() // and exit still locked: the thread goes with us
	}()
	return <-errc
}

func closeFds(fds []int) {
	for _, fd := range fds {
		_ = unix.Close(fd)
	}
}
