package spacer

import (
	"fmt"
	"os"
	"strconv"

	"github.com/wirecert/wirecert/reference/spacer/api"
	"golang.org/x/sys/unix"
)

// subspace answers a SubspaceRequest: it starts a sub-service in the new
// namespaces and returns [Conn, PIDFd, User, PID]. A goroutine parked in
// the poller (no OS thread) reaps the sub-service when it ends, which it
// does once the receiver closes Conn.
func subspace(req *api.SubspaceRequest) api.Response {
	if errResp := checkSpaces(req.Spaces, api.SubspaceSpaces); errResp != nil {
		return errResp
	}
	resp, err := startSubservice(req.Spaces)
	if err != nil {
		return &api.ErrorResponse{Reason: err.Error()}
	}
	return resp
}

func startSubservice(spaces uint64) (_ *api.SubspaceResponse, err error) {
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: socketpair: %w", ErrServiceStart, err)
	}
	if pair[0], err = aboveStdio(pair[0]); err != nil {
		_ = unix.Close(pair[1])
		return nil, fmt.Errorf("%w: sub-service socket: %w", ErrServiceStart, err)
	}
	resp := &api.SubspaceResponse{Conn: pair[0]}
	defer func() {
		if err != nil {
			_ = resp.Close()
		}
	}()
	childSocket := os.NewFile(uintptr(pair[1]), "spacer sub-service socket")
	defer childSocket.Close()

	pidfd := -1
	cmd := serviceCommand(childSocket, uintptr(spaces), &pidfd)
	user := spaces&unix.CLONE_NEWUSER != 0
	var idMapW *os.File
	if user {
		idMapR, w, err := os.Pipe()
		if err != nil {
			return nil, fmt.Errorf("%w: pipe: %w", ErrServiceStart, err)
		}
		defer idMapR.Close()
		defer w.Close() // an early close tells the child to give up
		idMapW = w
		cmd.Args = append(cmd.Args, argAwaitIDMap)
		cmd.ExtraFiles = append(cmd.ExtraFiles, idMapR)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%w: sub-service in %s namespaces: %w", ErrServiceStart, api.SpacesString(spaces), err)
	}
	if resp.PIDFd, err = aboveStdio(pidfd); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait() // SIGKILL ends it at once
		return nil, fmt.Errorf("%w: pidfd of sub-service: %w", ErrServiceStart, err)
	}
	pidfd = resp.PIDFd
	// cmd.Wait is never called: its stdio are *os.File or none, so it has
	// no copying to finish, and the reaper waits without a thread instead.
	sub, err := subservices.add(cmd.Process, pidfd)
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait() // SIGKILL ends it at once
		return nil, fmt.Errorf("%w: %w", ErrServiceStart, err)
	}
	defer func() {
		if err != nil {
			_ = sub.kill()
			<-sub.reaped
		}
	}()

	pid, err := procfsPid(pidfd)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrServiceStart, err)
	}
	if user {
		if err := writeIDMaps(pid); err != nil {
			return nil, fmt.Errorf("%w: uid/gid maps of sub-service: %w", ErrServiceStart, err)
		}
		if _, err := idMapW.Write([]byte{1}); err != nil {
			return nil, fmt.Errorf("%w: releasing sub-service: %w", ErrServiceStart, err)
		}
	}
	for _, ns := range []struct {
		flag  uint64
		field *int
	}{
		{unix.CLONE_NEWUSER, &resp.User},
		{unix.CLONE_NEWPID, &resp.PID},
	} {
		if spaces&ns.flag == 0 {
			continue
		}
		path := "/proc/" + strconv.Itoa(pid) + "/ns/" + api.NamespaceTypeName(ns.flag)
		fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil, fmt.Errorf("%w: open %s: %w", ErrServiceStart, path, err)
		}
		if fd, err = aboveStdio(fd); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrServiceStart, path, err)
		}
		*ns.field = fd
	}
	return resp, nil
}
