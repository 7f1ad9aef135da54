package api

import (
	"golang.org/x/sys/unix"
)

// FdsEncoder is implemented by responses carrying fds, which travel beside
// the gob body as SCM_RIGHTS.
type FdsEncoder interface {
	// EncodeFds returns the fds in wire order and zeroes their fields so
	// gob does not transfer them.
	EncodeFds() (fds []int)
}

// FdsDecoder is implemented by responses carrying fds, which travel beside
// the gob body as SCM_RIGHTS.
type FdsDecoder interface {
	// DecodeFds takes ownership of the received fds, puts them into the
	// fields and closes any it cannot place.
	DecodeFds(fds []int)
}

// EncodeFds returns the namespace fds of the response, replacing the fields
// with zero values so they don't get transferred by gob.
func (s *RoomsResponse) EncodeFds() []int {
	return takeFds(&s.Cgroup, &s.IPC, &s.Mnt, &s.Net, &s.Time, &s.UTS)
}

// DecodeFds sorts the received fds into the fields by their NS_GET_NSTYPE.
// It closes fds that are no namespaces, of a type a RoomsResponse has no
// field for, or a second fd of a type already placed.
func (s *RoomsResponse) DecodeFds(fds []int) {
	for _, fd := range fds {
		placeNamespaceFd(fd, map[uint64]*int{
			unix.CLONE_NEWCGROUP: &s.Cgroup,
			unix.CLONE_NEWIPC:    &s.IPC,
			unix.CLONE_NEWNS:     &s.Mnt,
			unix.CLONE_NEWNET:    &s.Net,
			unix.CLONE_NEWTIME:   &s.Time,
			unix.CLONE_NEWUTS:    &s.UTS,
		})
	}
}

// EncodeFds returns the fds in wire order [Conn, PIDFd, User, PID] (absent
// ones left out), replacing the fields with zero values.
func (s *SubspaceResponse) EncodeFds() []int {
	return takeFds(&s.Conn, &s.PIDFd, &s.User, &s.PID)
}

// DecodeFds takes the first fd as Conn (if it is a socket), the second as
// PIDFd (if it is a pidfd) and sorts the rest into User and PID by their
// NS_GET_NSTYPE. Everything else is closed.
func (s *SubspaceResponse) DecodeFds(fds []int) {
	for i, fd := range fds {
		switch {
		case i == 0 && isSocket(fd):
			s.Conn = fd
		case i == 1 && s.Conn != 0 && isPidfd(fd):
			s.PIDFd = fd
		case i >= 2 && s.PIDFd != 0:
			placeNamespaceFd(fd, map[uint64]*int{
				unix.CLONE_NEWUSER: &s.User,
				unix.CLONE_NEWPID:  &s.PID,
			})
		default:
			_ = unix.Close(fd)
		}
	}
}

func takeFds(fields ...*int) []int {
	var fds []int
	for _, f := range fields {
		if *f > 0 {
			fds = append(fds, *f)
		}
		*f = 0
	}
	return fds
}

// placeNamespaceFd stores fd in the field for its namespace type, or closes
// it when the type has no field or the field is already taken.
func placeNamespaceFd(fd int, fields map[uint64]*int) {
	t, err := NamespaceType(fd)
	if field, ok := fields[t]; err == nil && ok && *field == 0 {
		*field = fd
		return
	}
	_ = unix.Close(fd)
}

func isSocket(fd int) bool {
	var st unix.Stat_t
	return unix.Fstat(fd, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFSOCK
}

// isPidfd asks the kernel: signal 0 through a non-pidfd fails with EBADF,
// while a pidfd of an exited process still is a pidfd (ESRCH).
func isPidfd(fd int) bool {
	err := unix.PidfdSendSignal(fd, 0, nil, 0)
	return err != unix.EBADF && err != unix.EINVAL
}
