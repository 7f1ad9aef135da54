package spacer

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// aboveStdio returns fd, moved above 2 if it is 0, 1 or 2. Those are free
// only in a process running without stdio (a daemon that closed stdin, or
// a host that did), and the kernel hands out the lowest free number; but
// in a response 0 means "absent", and 1 and 2 would pass for stdio. It
// closes fd when it cannot move it.
func aboveStdio(fd int) (int, error) {
	if fd > 2 {
		return fd, nil
	}
	moved, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 3)
	_ = unix.Close(fd)
	if err != nil {
		return -1, fmt.Errorf("moving fd %d above 2: %w", fd, err)
	}
	return moved, nil
}
