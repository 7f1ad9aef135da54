package fakespacer

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/reference/spacer/api"
)

// serveVariant serves as serve does but closes the connection on whatever
// it cannot decode: after an ErrorResponse for a whole message it cannot
// decode, or for a recvmsg of which it answered nothing; silently after
// the requests a recvmsg began with were answered.
func (s *service) serveVariant() error {
	for {
		req, err := s.receive()
		switch {
		case err == nil:
		case Closed(err):
			return nil
		case errors.Is(err, os.ErrDeadlineExceeded):
			return err
		case errors.Is(err, errUndecodable) || s.answered == 0:
			// its last word; the client may be gone already
			_ = s.send([]api.Response{&api.ErrorResponse{Reason: err.Error()}}, nil)
			return nil
		default:
			return nil
		}
		resps, fds := s.answer(req)
		if err := s.send(resps, fds); err != nil {
			if Closed(err) {
				return nil
			}
			return err
		}
		s.afterAnswer()
	}
}

// nonblockingPidfd returns a pidfd of its own, opened with PIDFD_NONBLOCK,
// for the process of pidfd, and closes pidfd; it returns pidfd itself when
// it cannot be sure that the new one names the same process.
func nonblockingPidfd(pidfd int) int {
	pid, err := pidfdPid(pidfd)
	if err != nil {
		return pidfd
	}
	fd, err := unix.PidfdOpen(pid, unix.PIDFD_NONBLOCK)
	if err != nil {
		return pidfd
	}
	// the same process only if procfs names both alike, and the first
	// still lives (its number was not free for another one)
	if got, err := pidfdPid(fd); err != nil || got != pid {
		unix.Close(fd)
		return pidfd
	}
	if again, err := pidfdPid(pidfd); err != nil || again != pid {
		unix.Close(fd)
		return pidfd
	}
	unix.Close(pidfd)
	return fd
}

// pidfdPid returns the PID of the process behind pidfd as this process's
// procfs numbers it, from the pidfd's fdinfo.
func pidfdPid(pidfd int) (int, error) {
	b, err := os.ReadFile("/proc/self/fdinfo/" + strconv.Itoa(pidfd))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Pid:"); ok {
			pid, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || pid <= 0 {
				return 0, fmt.Errorf("pidfd %d fdinfo: Pid is %q, allowed a positive number", pidfd, strings.TrimSpace(v))
			}
			return pid, nil
		}
	}
	return 0, fmt.Errorf("fd %d fdinfo: no Pid line, allowed a pidfd", pidfd)
}
