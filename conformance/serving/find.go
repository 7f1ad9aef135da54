package serving

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"time"
)

// Listener returns the process serving the unix socket at path: the
// process that called listen on it (SO_PEERCRED on a fresh connection),
// when it still holds the listener; else the deepest process holding the
// listener (a daemon that listened and then forked hands it to its
// child). The connection is closed again; it is never written to.
func Listener(path string, timeout time.Duration) (int, error) {
	ino, err := listenerInode(path)
	if err != nil {
		return 0, err
	}
	holders, err := Holders(ino)
	if err != nil {
		return 0, err
	}
	if cred, err := credOf(path, timeout); err == nil && slices.Contains(holders, cred) {
		return cred, nil
	}
	pid, err := Deepest(holders)
	if err != nil {
		return 0, fmt.Errorf("the listener of %s (socket:[%d]): %w", path, ino, err)
	}
	return pid, nil
}

func credOf(path string, timeout time.Duration) (int, error) {
	c, err := net.DialTimeout("unix", path, timeout)
	if err != nil {
		return 0, fmt.Errorf("dialing %s: %w", path, err)
	}
	defer c.Close()
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return 0, fmt.Errorf("%w: %s", ErrNotUnixSocket, path)
	}
	return PeerCredPID(uc)
}

// Peer returns the process holding socket inode ino (the other end of a
// socketpair this process handed out): of its holders, the deepest in the
// process tree, since a wrapper keeps the inherited fd while its child
// serves.
func Peer(ino uint64) (int, error) {
	holders, err := Holders(ino)
	if err != nil {
		return 0, err
	}
	pid, err := Deepest(holders)
	if err != nil {
		return 0, fmt.Errorf("socket:[%d]: %w", ino, err)
	}
	return pid, nil
}

// Deepest returns the live process of pids no other live one of them
// descends from; among several such (workers sharing a socket), the latest
// started.
func Deepest(holders []int) (int, error) {
	if len(holders) == 0 {
		return 0, fmt.Errorf("%w: no process holds it", ErrNotFound)
	}
	stats, err := allStats()
	if err != nil {
		return 0, err
	}
	best, found := procStat{}, false
	for _, h := range holders {
		s, ok := stats[h]
		if !ok || s.zombie() {
			continue
		}
		leaf := true
		for _, other := range holders {
			if o, ok := stats[other]; other != h && ok && !o.zombie() && descendsFrom(stats, other, h) {
				leaf = false
				break
			}
		}
		if leaf && (!found || s.start > best.start || (s.start == best.start && s.pid > best.pid)) {
			best, found = s, true
		}
	}
	if !found {
		return 0, fmt.Errorf("%w: its holders %v ended", ErrNotFound, holders)
	}
	return best.pid, nil
}

// IsNotFound says whether err means no serving process could be found.
func IsNotFound(err error) bool {
	return errors.Is(err, ErrNotFound) || errors.Is(err, ErrNoListener) || errors.Is(err, ErrNoProcess)
}
