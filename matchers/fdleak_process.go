package matchers

import (
	"fmt"
	"os"

	"github.com/onsi/gomega/format"
	"github.com/onsi/gomega/types"
	"github.com/thediveo/fdooze"
	"github.com/thediveo/fdooze/filedesc"
)

// ProcessFiledescriptors snapshots the open fds of the process pid by
// reading /proc/PID/fd, in the form fdooze's HaveLeakedFds compares.
func ProcessFiledescriptors(pid int) (fds []fdooze.FileDescriptor, err error) {
	defer func() {
		// fdooze v0.3.2 panics on an empty fd directory, as a process
		// that has just ended has
		if r := recover(); r != nil {
			fds, err = nil, fmt.Errorf("fds of process %d: none to be read, allowed a live process (%v)", pid, r)
		}
	}()
	if pid == os.Getpid() {
		// Listing /proc/PID/fd opens that directory, and for this process
		// the listing then holds the reader's own fd, whose number changes
		// between listings: a leak that is none. Through /proc/self it is
		// left out.
		return filedesc.Filedescriptors(), nil
	}
	fds, err = filedesc.ProcessFiledescriptors(pid)
	if err != nil {
		return nil, fmt.Errorf("fds of process %d: %w", pid, err)
	}
	return fds, nil
}

// HaveLeakedProcessFds succeeds if the process whose PID is actual (an int)
// now has fds that the snapshot before (from ProcessFiledescriptors) does
// not have. Use it as Eventually(pid).ShouldNot(HaveLeakedProcessFds(before))
// so that fds still closing get time to go.
func HaveLeakedProcessFds(before []fdooze.FileDescriptor, ignoring ...types.GomegaMatcher) types.GomegaMatcher {
	return &haveLeakedProcessFdsMatcher{leaked: fdooze.HaveLeakedFds(before, ignoring...)}
}

type haveLeakedProcessFdsMatcher struct {
	leaked types.GomegaMatcher
	now    []fdooze.FileDescriptor
}

func (m *haveLeakedProcessFdsMatcher) Match(actual any) (bool, error) {
	pid, ok := actual.(int)
	if !ok {
		return false, fmt.Errorf("HaveLeakedProcessFds expects a PID (int), got:\n%s", format.Object(actual, 1))
	}
	now, err := ProcessFiledescriptors(pid)
	if err != nil {
		return false, fmt.Errorf("HaveLeakedProcessFds: %w", err)
	}
	m.now = now
	return m.leaked.Match(now)
}

func (m *haveLeakedProcessFdsMatcher) FailureMessage(actual any) string {
	return fmt.Sprintf("process %v:\n%s", actual, m.leaked.FailureMessage(m.now))
}

func (m *haveLeakedProcessFdsMatcher) NegatedFailureMessage(actual any) string {
	return fmt.Sprintf("process %v:\n%s", actual, m.leaked.NegatedFailureMessage(m.now))
}
