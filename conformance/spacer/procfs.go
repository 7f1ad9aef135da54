package spacer

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/wirecert/wirecert/reference/spacer/api"
)

// fdTargets returns what every fd of process pid refers to, as its
// /proc/PID/fd link says ("net:[4026532...]", "socket:[123]", ...),
// counted. For a started service's pid it is the serving process's (not a
// wrapper's).
func fdTargets(pid int) (map[string]int, error) {
	pid = servingPID(pid)
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("fds of process %d: %w", pid, err)
	}
	targets := map[string]int{}
	for _, e := range entries {
		if link, err := os.Readlink(filepath.Join(dir, e.Name())); err == nil {
			targets[link]++
		}
	}
	return targets, nil
}

// fdTarget returns what our fd refers to, as /proc/self/fd says.
func fdTarget(fd int) string {
	link, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd))
	if err != nil {
		return fmt.Sprintf("fd %d: %v", fd, err)
	}
	return link
}

// describeFds names what each fd refers to, for failure messages.
func describeFds(fds []int) string {
	var parts []string
	for _, fd := range fds {
		parts = append(parts, fmt.Sprintf("fd %d: %s", fd, fdTarget(fd)))
	}
	if len(parts) == 0 {
		return "no fds"
	}
	return strings.Join(parts, ", ")
}

// children returns the PIDs of process pid's children (zombies included);
// for a started service's pid, the serving process's children.
func children(pid int) ([]int, error) {
	pid = servingPID(pid)
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue // the thread ended
		}
		for _, f := range strings.Fields(string(b)) {
			if p, err := strconv.Atoi(f); err == nil {
				pids = append(pids, p)
			}
		}
	}
	return pids, nil
}

// effectiveIDs returns the effective uid and gid of process pid as this
// process sees them.
func effectiveIDs(pid int) (uid, gid string, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "", "", err
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		switch f[0] {
		case "Uid:":
			uid = f[2]
		case "Gid:":
			gid = f[2]
		}
	}
	if uid == "" || gid == "" {
		return "", "", fmt.Errorf("/proc/%d/status: no Uid or Gid line", pid)
	}
	return uid, gid, nil
}

// pidfdPid returns the PID (in our procfs) of the process behind pidfd, 0
// when it has none there or has ended.
func pidfdPid(pidfd int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/self/fdinfo/%d", pidfd))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Pid:"); ok {
			pid, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return 0, fmt.Errorf("pidfd %d fdinfo: Pid is %q, allowed a number", pidfd, v)
			}
			return pid, nil
		}
	}
	return 0, fmt.Errorf("fd %d: fdinfo has no Pid line, allowed a pidfd", pidfd)
}

// nsPath is the /proc path of process pid's namespace of type flag.
func nsPath(pid int, flag uint64) string {
	return fmt.Sprintf("/proc/%d/ns/%s", pid, api.NamespaceTypeName(flag))
}

func isRoot() bool { return os.Geteuid() == 0 }

// samePidNamespace says whether processes a and b are in one PID namespace
// (as far as this process may look: unknown counts as the same).
func samePidNamespace(a, b int) bool {
	na, errA := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", a))
	nb, errB := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", b))
	return errA != nil || errB != nil || na == nb
}
