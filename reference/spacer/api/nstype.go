package api

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// RoomsSpaces are the namespace types a RoomsRequest may ask for.
const RoomsSpaces = unix.CLONE_NEWCGROUP | unix.CLONE_NEWIPC | unix.CLONE_NEWNS |
	unix.CLONE_NEWNET | unix.CLONE_NEWTIME | unix.CLONE_NEWUTS

// SubspaceSpaces are the namespace types a SubspaceRequest may ask for.
const SubspaceSpaces = unix.CLONE_NEWUSER | unix.CLONE_NEWPID

// NamespaceType returns the CLONE_NEW* type of the namespace fd refers to,
// as told by ioctl NS_GET_NSTYPE.
func NamespaceType(fd int) (uint64, error) {
	t, err := unix.IoctlRetInt(fd, unix.NS_GET_NSTYPE)
	if err != nil {
		return 0, fmt.Errorf("ioctl(%d, NS_GET_NSTYPE): %w", fd, err)
	}
	return uint64(t), nil
}

var namespaceTypeNames = []struct {
	flag uint64
	name string
}{
	{unix.CLONE_NEWCGROUP, "cgroup"},
	{unix.CLONE_NEWIPC, "ipc"},
	{unix.CLONE_NEWNS, "mnt"},
	{unix.CLONE_NEWNET, "net"},
	{unix.CLONE_NEWPID, "pid"},
	{unix.CLONE_NEWTIME, "time"},
	{unix.CLONE_NEWUSER, "user"},
	{unix.CLONE_NEWUTS, "uts"},
}

// NamespaceTypeName returns the /proc/PID/ns/ name of a single CLONE_NEW*
// type ("net", "mnt", ...), or "CLONE_NEW?(0x...)" for anything else.
func NamespaceTypeName(nstype uint64) string {
	for _, n := range namespaceTypeNames {
		if n.flag == nstype {
			return n.name
		}
	}
	return fmt.Sprintf("CLONE_NEW?(%#x)", nstype)
}

// SpacesString names the namespace types in an OR'ed CLONE_NEW* set, e.g.
// "net|uts", with unknown bits in hex.
func SpacesString(spaces uint64) string {
	if spaces == 0 {
		return "none"
	}
	s := ""
	for _, n := range namespaceTypeNames {
		if spaces&n.flag != 0 {
			if s != "" {
				s += "|"
			}
			s += n.name
			spaces &^= n.flag
		}
	}
	if spaces != 0 {
		if s != "" {
			s += "|"
		}
		s += fmt.Sprintf("%#x", spaces)
	}
	return s
}
