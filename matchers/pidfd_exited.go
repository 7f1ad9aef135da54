package matchers

import (
	"fmt"
	"os"

	"github.com/onsi/gomega/format"
	"github.com/onsi/gomega/types"
	"golang.org/x/sys/unix"
)

// HaveExited succeeds if the process behind the pidfd actual (int, uintptr
// or *os.File) has ended: a pidfd polls readable then. It does not wait;
// use it with Eventually.
func HaveExited() types.GomegaMatcher {
	return &haveExitedMatcher{}
}

type haveExitedMatcher struct{}

func (m *haveExitedMatcher) Match(actual any) (bool, error) {
	var fd int
	switch v := actual.(type) {
	case int:
		fd = v
	case uintptr:
		fd = int(v)
	case *os.File:
		fd = int(v.Fd())
	default:
		return false, fmt.Errorf("HaveExited expects a pidfd (int, uintptr or *os.File), got:\n%s", format.Object(actual, 1))
	}
	pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		_, err := unix.Poll(pfd, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("HaveExited: poll(pidfd %d): %w", fd, err)
		}
		break
	}
	if pfd[0].Revents&unix.POLLNVAL != 0 {
		return false, fmt.Errorf("HaveExited: fd %d is not open", fd)
	}
	return pfd[0].Revents&(unix.POLLIN|unix.POLLHUP) != 0, nil
}

func (m *haveExitedMatcher) FailureMessage(actual any) string {
	return format.Message(actual, "to be a pidfd of an exited process, but the process is still running")
}

func (m *haveExitedMatcher) NegatedFailureMessage(actual any) string {
	return format.Message(actual, "to be a pidfd of a running process, but the process has exited")
}
