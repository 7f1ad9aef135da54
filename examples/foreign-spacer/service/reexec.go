package service

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Arg0 is the argv[0] that makes a binary importing this package serve the
// connected socket on fd 3 (Main) instead of running its main. The service
// starts its sub-services so; a test binary can start its service so too.
const Arg0 = "foreign-spacer-service"

// argAwaitMaps tells a service process in a new user namespace to wait on
// fd 4 for its uid and gid maps, then execute itself again.
const argAwaitMaps = "--await-id-maps"

const (
	serviceFd = 3
	mapsFd    = 4
	mapsWait  = 10 * time.Second
)

func init() {
	if len(os.Args) > 0 && os.Args[0] == Arg0 {
		os.Exit(Main(os.Args[1:]))
	}
}

// Main runs a service process on fd 3 and returns its exit code: 0 once
// the client disconnected, 1 on an error.
func Main(args []string) int {
	switch {
	case len(args) == 0:
		if err := ServeFd(serviceFd); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	case len(args) == 1 && args[0] == argAwaitMaps:
		if err := awaitMaps(); err != nil {
			fmt.Fprintln(os.Stderr, "spacer sub-service:", err)
			return 1
		}
		// The first execve ran unmapped, which cost the capabilities in
		// the new user namespace; one as its (now mapped) root gives them.
		err := syscall.Exec("/proc/self/exe", []string{Arg0}, os.Environ())
		fmt.Fprintln(os.Stderr, "spacer sub-service: execve:", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "%s: arguments %q, allowed none or %s\n", Arg0, args, argAwaitMaps)
	return 1
}

// awaitMaps waits, bounded, for the byte the parent writes to fd 4 once
// our maps are in place, and closes fd 4.
func awaitMaps() error {
	defer unix.Close(mapsFd)
	deadline := time.Now().Add(mapsWait)
	for {
		fds := []unix.PollFd{{Fd: mapsFd, Events: unix.POLLIN}}
		n, err := unix.Poll(fds, max(0, int(time.Until(deadline).Milliseconds())))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("waiting for uid/gid maps: %w", err)
		}
		if n == 0 {
			return fmt.Errorf("no uid/gid maps within %v", mapsWait)
		}
		break
	}
	var b [1]byte
	if n, err := unix.Read(mapsFd, b[:]); n != 1 {
		return errors.Join(errors.New("the parent gave up before writing the uid/gid maps"), err)
	}
	return nil
}
