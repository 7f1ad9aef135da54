package hostile_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// markerEnv carries a run's marker into the CLI's environment; every
// process it starts inherits it, so /proc finds them all.
const markerEnv = "WIRECERT_HOSTILE_MARKER"

// stray is a process still carrying a run's marker.
type stray struct {
	PID     int
	State   string
	Cmdline string
}

func (s stray) String() string { return fmt.Sprintf("pid %d (%s): %s", s.PID, s.State, s.Cmdline) }

// strays scans /proc for processes whose environment or command line holds
// marker. Zombies are skipped: their parent (or init) is reaping them and
// their environment is gone.
func strays(marker string) []stray {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return []stray{{PID: -1, Cmdline: "reading /proc: " + err.Error()}}
	}
	var found []stray
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		dir := filepath.Join("/proc", e.Name())
		env, _ := os.ReadFile(filepath.Join(dir, "environ"))
		cmdline, _ := os.ReadFile(filepath.Join(dir, "cmdline"))
		if !bytes.Contains(env, []byte(marker)) && !bytes.Contains(cmdline, []byte(marker)) {
			continue
		}
		state := processState(dir)
		if state == "Z" {
			continue
		}
		found = append(found, stray{PID: pid, State: state, Cmdline: strings.TrimSpace(string(bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '})))})
	}
	return found
}

// processState is the state letter of /proc/PID/stat (after the comm in
// parentheses).
func processState(dir string) string {
	stat, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return "?"
	}
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) {
		return "?"
	}
	return string(stat[i+2])
}

// killStrays SIGKILLs every process holding marker, so a failed entry does
// not spoil the next ones.
func killStrays(marker string) {
	for _, s := range strays(marker) {
		if s.PID > 0 {
			_ = unix.Kill(s.PID, unix.SIGKILL)
		}
	}
}
