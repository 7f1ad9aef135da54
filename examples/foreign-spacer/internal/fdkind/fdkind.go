// Package fdkind tells what an fd is without opening another one (a
// client may run with fd 0 free, where any open would land).
package fdkind

import "golang.org/x/sys/unix"

// Room types, in the order of RoomsResponse's fields.
const (
	RoomsSpaces    = unix.CLONE_NEWCGROUP | unix.CLONE_NEWIPC | unix.CLONE_NEWNS | unix.CLONE_NEWNET | unix.CLONE_NEWTIME | unix.CLONE_NEWUTS
	SubspaceSpaces = unix.CLONE_NEWUSER | unix.CLONE_NEWPID
)

// NamespaceType returns the CLONE_NEW* type of the namespace fd refers to.
func NamespaceType(fd int) (uint64, error) {
	t, err := unix.IoctlRetInt(fd, unix.NS_GET_NSTYPE)
	return uint64(t), err
}

// IsNamespace tells whether fd refers to a namespace of type flag.
func IsNamespace(fd int, flag uint64) bool {
	t, err := NamespaceType(fd)
	return err == nil && t == flag
}

// IsSocket tells whether fd is a socket.
func IsSocket(fd int) bool {
	var st unix.Stat_t
	return unix.Fstat(fd, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFSOCK
}

// IsPidfd tells whether fd is a pidfd: signal 0 through anything else
// fails with EBADF. A pidfd of an ended process answers ESRCH, one of a
// process we may not signal EPERM.
func IsPidfd(fd int) bool {
	err := unix.PidfdSendSignal(fd, 0, nil, 0)
	return err == nil || err == unix.ESRCH || err == unix.EPERM
}

// CloseAll closes fds.
func CloseAll(fds []int) {
	for _, fd := range fds {
		_ = unix.Close(fd)
	}
}
