package spacer

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// ServiceArg0 is the argv[0] that makes a binary importing this package
// serve the connected socket on fd 3 instead of running its main.
const ServiceArg0 = "wirecert-spacer-service"

// argAwaitIDMap tells a sub-service started in a new user namespace to wait
// on fd 4 until its parent has written its uid/gid maps.
const argAwaitIDMap = "--await-idmap"

// serviceFd is where a service process finds its connected socket.
const serviceFd = 3

// idMapFd is where a sub-service in a new user namespace waits for its maps.
const idMapFd = 4

// idMapTimeout bounds the wait for the parent's uid/gid maps, in ms.
const idMapTimeout = 10_000

func init() {
	if len(os.Args) == 0 || os.Args[0] != ServiceArg0 {
		return
	}
	os.Exit(serviceMain(os.Args[1:]))
}

// serviceMain runs the re-executed service; its result is the exit code.
func serviceMain(args []string) int {
	if len(args) > 0 && args[0] == argAwaitIDMap {
		if err := awaitIDMap(); err != nil {
			fmt.Fprintf(os.Stderr, "spacer sub-service: %v\n", err)
			return 1
		}
		// Only an execve as (now mapped) root grants the capabilities in
		// the new user namespace, which the first execve lacked.
		err := syscall.Exec("/proc/self/exe", []string{ServiceArg0}, os.Environ())
		fmt.Fprintf(os.Stderr, "spacer sub-service: re-exec: %v\n", err)
		return 1
	}
	if err := ServeFd(serviceFd); err != nil {
		fmt.Fprintf(os.Stderr, "spacer service: %v\n", err)
		return 1
	}
	return 0
}

// awaitIDMap waits (bounded) for the one byte the parent writes to fd 4
// once the maps are in place.
func awaitIDMap() error {
	defer unix.Close(idMapFd)
	pfd := []unix.PollFd{{Fd: idMapFd, Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(pfd, idMapTimeout)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("waiting for uid/gid maps: %w", err)
		}
		if n == 0 {
			return fmt.Errorf("waiting for uid/gid maps: no word from the parent within %d ms", idMapTimeout)
		}
		break
	}
	var b [1]byte
	if n, err := unix.Read(idMapFd, b[:]); n != 1 {
		return fmt.Errorf("waiting for uid/gid maps: parent gave up (read %d bytes, err %v)", n, err)
	}
	return nil
}

// serviceCommand returns the command that re-executes this binary as a
// service on socket (fd 3 in the child), in the namespaces of cloneflags.
func serviceCommand(socket *os.File, cloneflags uintptr, pidfd *int) *exec.Cmd {
	cmd := &exec.Cmd{
		Path:       "/proc/self/exe",
		Args:       []string{ServiceArg0},
		Env:        os.Environ(),
		Stderr:     os.Stderr, // an *os.File: passed on as is, no copying goroutine
		ExtraFiles: []*os.File{socket},
		SysProcAttr: &syscall.SysProcAttr{
			Cloneflags: cloneflags,
			PidFD:      pidfd,
		},
	}
	return cmd
}

// procfsPid returns the PID of the process behind pidfd as this process's
// procfs numbers it. exec.Cmd's Pid is the PID in our own PID namespace,
// which differs from procfs's when we run in a PID namespace of our own
// under an inherited /proc.
func procfsPid(pidfd int) (int, error) {
	b, err := os.ReadFile("/proc/self/fdinfo/" + strconv.Itoa(pidfd))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Pid:"); ok {
			pid, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || pid <= 0 {
				return 0, fmt.Errorf("pidfd %d fdinfo: Pid is %q, allowed a positive number", pidfd, v)
			}
			return pid, nil
		}
	}
	return 0, fmt.Errorf("pidfd %d fdinfo: no Pid line", pidfd)
}

// writeIDMaps maps our effective uid and gid to root in the user
// namespace of the process procfs knows as pid.
func writeIDMaps(pid int) error {
	base := "/proc/" + strconv.Itoa(pid) + "/"
	for _, m := range []struct{ file, content string }{
		{"uid_map", fmt.Sprintf("0 %d 1\n", os.Geteuid())},
		{"setgroups", "deny"}, // required before an unprivileged gid_map
		{"gid_map", fmt.Sprintf("0 %d 1\n", os.Getegid())},
	} {
		if err := os.WriteFile(base+m.file, []byte(m.content), 0); err != nil {
			return fmt.Errorf("writing %q: %w", m.content, err)
		}
	}
	return nil
}
