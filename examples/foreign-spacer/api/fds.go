package api

import (
	"golang.org/x/sys/unix"

	"example.com/foreign-spacer/internal/fdkind"
)

// FdsEncoder is a response whose fds travel as SCM_RIGHTS beside its gob
// body.
type FdsEncoder interface{ EncodeFds() (fds []int) }

// FdsDecoder is a response that takes back the fds received with it.
type FdsDecoder interface{ DecodeFds(fds []int) }

// EncodeFds returns the namespace fds in field order and zeroes the fields,
// so that gob does not transfer numbers that mean nothing to the receiver.
func (s *RoomsResponse) EncodeFds() []int {
	return take(&s.Cgroup, &s.IPC, &s.Mnt, &s.Net, &s.Time, &s.UTS)
}

// DecodeFds puts each received fd into the field of its namespace type, as
// ioctl(NS_GET_NSTYPE) tells it. It closes what it cannot place: no
// namespace, a type without a field, a type already placed.
func (s *RoomsResponse) DecodeFds(fds []int) {
	fields := map[uint64]*int{
		unix.CLONE_NEWCGROUP: &s.Cgroup,
		unix.CLONE_NEWIPC:    &s.IPC,
		unix.CLONE_NEWNS:     &s.Mnt,
		unix.CLONE_NEWNET:    &s.Net,
		unix.CLONE_NEWTIME:   &s.Time,
		unix.CLONE_NEWUTS:    &s.UTS,
	}
	for _, fd := range fds {
		placeNamespace(fd, fields)
	}
}

// EncodeFds returns the fds in wire order [Conn, PIDFd, User, PID], absent
// ones left out, and zeroes the fields.
func (s *SubspaceResponse) EncodeFds() []int {
	return take(&s.Conn, &s.PIDFd, &s.User, &s.PID)
}

// DecodeFds takes the first fd as Conn if it is a socket, the second as
// PIDFd if it is a pidfd, and sorts the rest into User and PID by their
// NS_GET_NSTYPE. It closes everything else.
func (s *SubspaceResponse) DecodeFds(fds []int) {
	fields := map[uint64]*int{unix.CLONE_NEWUSER: &s.User, unix.CLONE_NEWPID: &s.PID}
	for i, fd := range fds {
		switch {
		case i == 0 && s.Conn == 0 && fdkind.IsSocket(fd):
			s.Conn = fd
		case i == 1 && s.Conn > 0 && s.PIDFd == 0 && fdkind.IsPidfd(fd):
			s.PIDFd = fd
		case i >= 2 && s.PIDFd > 0:
			placeNamespace(fd, fields)
		default:
			_ = unix.Close(fd)
		}
	}
}

func take(fields ...*int) []int {
	var fds []int
	for _, f := range fields {
		if *f > 0 {
			fds = append(fds, *f)
		}
		*f = 0
	}
	return fds
}

func placeNamespace(fd int, fields map[uint64]*int) {
	if t, err := fdkind.NamespaceType(fd); err == nil {
		if field, ok := fields[t]; ok && *field == 0 {
			*field = fd
			return
		}
	}
	_ = unix.Close(fd)
}
