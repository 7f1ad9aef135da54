package fakespacer

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/reference/spacer/api"
)

// ServiceArg0 is the argv[0] that makes a binary importing this package
// serve fd 3 as a fake service (flags as for Main) instead of running its
// main.
const ServiceArg0 = "wirecert-fakespacer-service"

// serviceFd is where a fake service process finds its connected socket.
const serviceFd = 3

func init() {
	if len(os.Args) > 0 && os.Args[0] == ServiceArg0 {
		os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
	}
}

// ServiceCommand returns the program and argv that start a fake service
// with break b by re-executing the running binary: give it its socket as
// fd 3.
func ServiceCommand(b Break) (path string, argv []string, err error) {
	path, err = os.Executable()
	if err != nil {
		return "", nil, fmt.Errorf("fakespacer: own executable: %w", err)
	}
	return path, []string{ServiceArg0, "--break", string(b)}, nil
}

// VariantCommand returns the program and argv that start a fake service
// serving as variant v, by re-executing the running binary: give it its
// socket as fd 3.
func VariantCommand(v Variant) (path string, argv []string, err error) {
	path, err = os.Executable()
	if err != nil {
		return "", nil, fmt.Errorf("fakespacer: own executable: %w", err)
	}
	return path, []string{ServiceArg0, "--variant", string(v)}, nil
}

// Main runs a fake service on the connected unix socket at fd 3, as told
// by args (--break NAME or --variant NAME, --own-namespaces, --list), and
// returns the exit code: 0 after the client disconnected, 1 on an error, 2
// on bad args (a CrashOnGarbage fake panics, which Go exits with 2 too).
func Main(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fakespacer", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("break", string(None), "the break to apply (--list shows all)")
	variant := fs.String("variant", string(NoVariant), "serve as a legitimate variant instead (--list shows all)")
	own := fs.Bool("own-namespaces", false, "hand out the fake's own namespaces (no root needed, no sub-services)")
	list := fs.Bool("list", false, "list the breaks and variants and exit")
	isolated := fs.Bool("isolated", false, "already moved into namespaces of its own (set by --break caller-namespaces when it re-executes itself)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *list {
		for _, info := range Breaks() {
			fmt.Fprintf(stdout, "--break %-22s %-9s %s\n", info.Break, info.Requirement, info.What)
		}
		for _, info := range Variants() {
			fmt.Fprintf(stdout, "--variant %s: %s\n", info.Variant, info.What)
			for _, a := range info.Allowances {
				fmt.Fprintf(stdout, "    %s\n        (%s)\n", a.What, a.Sentence)
			}
		}
		return 0
	}
	info, err := LookupBreak(*name)
	if err != nil {
		fmt.Fprintln(stderr, "fakespacer:", err)
		return 2
	}
	if *variant != string(NoVariant) {
		if _, err := LookupVariant(*variant); err != nil {
			fmt.Fprintln(stderr, "fakespacer:", err)
			return 2
		}
		if info.Break != None {
			fmt.Fprintf(stderr, "fakespacer: %v: --break %s and --variant %s, allowed one of them\n", ErrBreakAndVariant, info.Break, *variant)
			return 2
		}
	}
	if info.Break == CallerNamespaces && !*isolated {
		// returns only on failure: on success this process goes on as
		// the same program in new namespaces
		fmt.Fprintln(stderr, "fakespacer:", isolate(args))
		return 1
	}
	conn, err := fdConn(serviceFd)
	if err != nil {
		fmt.Fprintln(stderr, "fakespacer: socket on fd 3:", err)
		return 1
	}
	if err := Serve(conn, Config{Break: info.Break, Variant: Variant(*variant), OwnNamespaces: *own}); err != nil {
		fmt.Fprintln(stderr, "fakespacer:", err)
		return 1
	}
	return 0
}

// isolatedSpaces are the namespace types a CallerNamespaces fake moves
// into new ones of before serving: every type of a RoomsRequest.
const isolatedSpaces = unix.CLONE_NEWCGROUP | unix.CLONE_NEWIPC | unix.CLONE_NEWNS |
	unix.CLONE_NEWNET | unix.CLONE_NEWTIME | unix.CLONE_NEWUTS

// isolate moves this process into new namespaces of isolatedSpaces and
// re-executes it with --isolated, keeping its PID (the suite knows the
// service by it) and fd 3. unshare on a locked thread gives that thread
// new namespaces (a new time namespace only for its children, which
// execve makes it join), and execve from that thread makes it the whole
// process. It returns only on failure.
func isolate(args []string) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("isolating: own executable: %w", err)
	}
	runtime.LockOSThread() // never unlocked: the thread execs or the process exits
	if err := unix.Unshare(isolatedSpaces); err != nil {
		return fmt.Errorf("isolating: unshare(%s): %w", api.SpacesString(isolatedSpaces), err)
	}
	argv := append([]string{ServiceArg0, "--isolated"}, args...)
	if err := syscall.Exec(exe, argv, os.Environ()); err != nil {
		return fmt.Errorf("isolating: execve %s: %w", exe, err)
	}
	return nil
}
