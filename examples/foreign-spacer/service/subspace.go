package service

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"example.com/foreign-spacer/api"
)

// subspace starts a sub-service in new namespaces of the types in spaces
// (valid already) and returns [Conn, PIDFd, User?, PID?].
func subspace(spaces uint64) api.Response {
	resp, err := startSubservice(spaces)
	if err != nil {
		return refusal("starting a sub-service: %v", err)
	}
	return resp
}

func startSubservice(spaces uint64) (_ *api.SubspaceResponse, err error) {
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("socketpair: %w", err)
	}
	resp := &api.SubspaceResponse{Conn: pair[0]}
	defer func() {
		if err != nil {
			closeFds(resp.EncodeFds())
		}
	}()
	theirs := os.NewFile(uintptr(pair[1]), "sub-service socket")
	defer theirs.Close() // the sub-service has its copy as fd 3

	newUser := spaces&unix.CLONE_NEWUSER != 0
	pidfd := -1
	cmd := &exec.Cmd{
		Path:       "/proc/self/exe", // this very binary, whoever names it how
		Args:       []string{Arg0},
		Env:        os.Environ(),
		Stderr:     os.Stderr, // a file: no copying goroutine to outlive Serve
		ExtraFiles: []*os.File{theirs},
		SysProcAttr: &syscall.SysProcAttr{
			Cloneflags: uintptr(spaces),
			PidFD:      &pidfd,
		},
	}
	var release *os.File
	if newUser {
		// it waits on fd 4 until its uid and gid maps are written
		r, w, err := os.Pipe()
		if err != nil {
			return nil, fmt.Errorf("pipe: %w", err)
		}
		defer r.Close()
		defer w.Close() // closed unwritten, it tells the sub-service to give up
		release = w
		cmd.Args = append(cmd.Args, argAwaitMaps)
		cmd.ExtraFiles = append(cmd.ExtraFiles, r)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("re-executing %s: %w", Arg0, err)
	}
	resp.PIDFd = pidfd
	// the reaper: it ends once the sub-service does, when its Conn closes
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	defer func() {
		if err != nil {
			_ = cmd.Process.Kill()
			<-exited
		}
	}()

	// cmd.Process.Pid counts in our PID namespace, which need not be that
	// of the /proc we see (a sub-service in a PID namespace of its own
	// shares its parent's /proc); the pidfd's fdinfo counts in ours.
	pid, err := procfsPid(pidfd)
	if err != nil {
		return nil, err
	}
	if newUser {
		if err := writeIDMaps(pid); err != nil {
			return nil, err
		}
		if _, err := release.Write([]byte{1}); err != nil {
			return nil, fmt.Errorf("releasing the sub-service: %w", err)
		}
	}
	for _, ns := range []struct {
		flag uint64
		name string
		fd   *int
	}{{unix.CLONE_NEWUSER, "user", &resp.User}, {unix.CLONE_NEWPID, "pid", &resp.PID}} {
		if spaces&ns.flag == 0 {
			continue
		}
		path := "/proc/" + strconv.Itoa(pid) + "/ns/" + ns.name
		fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil, fmt.Errorf("opening %s: %w", path, err)
		}
		*ns.fd = fd
	}
	return resp, nil
}

// writeIDMaps maps our effective uid and gid to root in the user namespace
// of process pid (in our /proc).
func writeIDMaps(pid int) error {
	dir := "/proc/" + strconv.Itoa(pid) + "/"
	for _, m := range []struct{ file, content string }{
		{"uid_map", fmt.Sprintf("0 %d 1\n", os.Geteuid())},
		{"setgroups", "deny"}, // before gid_map, as an unprivileged writer must
		{"gid_map", fmt.Sprintf("0 %d 1\n", os.Getegid())},
	} {
		if err := os.WriteFile(dir+m.file, []byte(m.content), 0); err != nil {
			return fmt.Errorf("the sub-service's %s: %w", m.file, err)
		}
	}
	return nil
}

// procfsPid returns the PID that our /proc gives the process of pidfd.
func procfsPid(pidfd int) (int, error) {
	b, err := os.ReadFile("/proc/self/fdinfo/" + strconv.Itoa(pidfd))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Pid:"); ok {
			pid, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || pid <= 0 {
				return 0, fmt.Errorf("pidfd %d: Pid %q in its fdinfo, allowed a positive number", pidfd, v)
			}
			return pid, nil
		}
	}
	return 0, errors.New("pidfd without a Pid line in its fdinfo")
}
