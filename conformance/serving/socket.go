package serving

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Errors of the discovery.
var (
	ErrNotFound      = errors.New("no serving process found")
	ErrNoListener    = errors.New("no listening unix socket at the path")
	ErrNotUnixSocket = errors.New("not a unix socket")
)

// acceptConn is __SO_ACCEPTCON in /proc/net/unix's Flags: a listener.
const acceptConn = 0x10000

// Inode returns the inode of the socket behind fd, as /proc/PID/fd links
// name it (socket:[INODE]).
func Inode(fd int) (uint64, error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return 0, fmt.Errorf("fstat of fd %d: %w", fd, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFSOCK {
		return 0, fmt.Errorf("%w: fd %d", ErrNotUnixSocket, fd)
	}
	return st.Ino, nil
}

// listenerInode returns the inode of the listening unix socket bound to
// path, from /proc/net/unix (this network namespace's sockets).
func listenerInode(path string) (uint64, error) {
	f, err := os.Open("/proc/net/unix")
	if err != nil {
		return 0, fmt.Errorf("reading the unix sockets: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // the header: Num RefCount Protocol Flags Type St Inode Path
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 8 || fields[7] != path {
			continue
		}
		flags, err := strconv.ParseUint(fields[3], 16, 32)
		if err != nil || flags&acceptConn == 0 {
			continue
		}
		if ino, err := strconv.ParseUint(fields[6], 10, 64); err == nil {
			return ino, nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("reading the unix sockets: %w", err)
	}
	return 0, fmt.Errorf("%w: %s", ErrNoListener, path)
}

// Holders returns the processes (other than this one) with an fd open on
// socket inode ino.
func Holders(ino uint64) ([]int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("listing /proc: %w", err)
	}
	link := "socket:[" + strconv.FormatUint(ino, 10) + "]"
	self := os.Getpid()
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		if holds(pid, link) {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// holds says whether process pid has an fd whose link is link.
func holds(pid int, link string) bool {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, err := os.ReadDir(dir)
	if err != nil {
		return false // ended, or not ours to look into
	}
	for _, fd := range fds {
		if l, err := os.Readlink(filepath.Join(dir, fd.Name())); err == nil && l == link {
			return true
		}
	}
	return false
}

// PeerCredPID returns the pid SO_PEERCRED gives for a connected unix
// socket: for a connection to a listener, the process that called listen.
func PeerCredPID(conn *net.UnixConn) (int, error) {
	raw, err := conn.SyscallConn()
	if err != nil {
		return 0, fmt.Errorf("peer credentials: %w", err)
	}
	var cred *unix.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return 0, fmt.Errorf("peer credentials: %w", err)
	}
	if credErr != nil {
		return 0, fmt.Errorf("peer credentials: %w", credErr)
	}
	if cred.Pid <= 0 {
		return 0, fmt.Errorf("%w: SO_PEERCRED gives pid %d", ErrNotFound, cred.Pid)
	}
	return int(cred.Pid), nil
}
