package spacer

import (
	"fmt"
	"runtime"

	"github.com/wirecert/wirecert/reference/spacer/api"
	"golang.org/x/sys/unix"
)

// ReasonNoSpace and ReasonOutOfSpace start the ErrorResponse reasons for an
// empty and an out-of-range Spaces.
const (
	ReasonNoSpace    = "no space requested"
	ReasonOutOfSpace = "out of space"
)

// checkSpaces returns the ErrorResponse for an invalid Spaces, or nil.
func checkSpaces(spaces, allowed uint64) *api.ErrorResponse {
	switch {
	case spaces == 0:
		return &api.ErrorResponse{Reason: fmt.Sprintf("%s: Spaces is 0, allowed a non-empty subset of %s",
			ReasonNoSpace, api.SpacesString(allowed))}
	case spaces&^allowed != 0:
		return &api.ErrorResponse{Reason: fmt.Sprintf("%s: Spaces is %#x (%s), allowed a non-empty subset of %s",
			ReasonOutOfSpace, spaces, api.SpacesString(spaces), api.SpacesString(allowed))}
	}
	return nil
}

// rooms answers a RoomsRequest.
func rooms(req *api.RoomsRequest) api.Response {
	if errResp := checkSpaces(req.Spaces, api.RoomsSpaces); errResp != nil {
		return errResp
	}
	type result struct {
		resp *api.RoomsResponse
		err  error
	}
	done := make(chan result, 1)
	inThrowawayThread(func() {
		resp, err := unshareRooms(req.Spaces)
		done <- result{resp, err}
	})
	r := <-done
	if r.err != nil {
		return &api.ErrorResponse{Reason: r.err.Error()}
	}
	return r.resp
}

// unshareRooms must run on a locked OS thread it may spoil.
func unshareRooms(spaces uint64) (*api.RoomsResponse, error) {
	if err := unix.Unshare(int(spaces)); err != nil {
		return nil, fmt.Errorf("unshare(%s): %w", api.SpacesString(spaces), err)
	}
	resp := &api.RoomsResponse{}
	for _, room := range []struct {
		flag  uint64
		field *int
	}{
		{unix.CLONE_NEWCGROUP, &resp.Cgroup},
		{unix.CLONE_NEWIPC, &resp.IPC},
		{unix.CLONE_NEWNS, &resp.Mnt},
		{unix.CLONE_NEWNET, &resp.Net},
		{unix.CLONE_NEWTIME, &resp.Time},
		{unix.CLONE_NEWUTS, &resp.UTS},
	} {
		if spaces&room.flag == 0 {
			continue
		}
		path := "/proc/thread-self/ns/" + api.NamespaceTypeName(room.flag)
		if room.flag == unix.CLONE_NEWTIME {
			// unshare(CLONE_NEWTIME) leaves this thread in its old time
			// namespace; the new one is for its children only.
			path += "_for_children"
		}
		fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			_ = resp.Close()
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
		if fd, err = aboveStdio(fd); err != nil {
			_ = resp.Close()
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		*room.field = fd
	}
	return resp, nil
}

// inThrowawayThread runs fn on a locked OS thread that ends with it, so fn
// may change the thread's namespaces. The main thread is never used: its
// namespaces are the ones /proc/PID/ns shows for the whole process, and Go
// cannot end it.
func inThrowawayThread(fn func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		// Never unlocked after fn: the Go runtime ends this OS thread
		// together with the goroutine.
		runtime.LockOSThread()
		if unix.Gettid() == unix.Getpid() {
			// Holding the main thread here makes sure the next goroutine
			// gets another one; the main thread is handed back unspoilt.
			inThrowawayThread(fn)
			runtime.UnlockOSThread()
			return
		}
		fn()
	}()
	<-done
}
