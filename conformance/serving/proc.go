package serving

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ErrNoProcess is returned for a process that does not exist (any more).
var ErrNoProcess = errors.New("no such process")

// procStat is what /proc/PID/stat says of a process.
type procStat struct {
	pid, ppid, pgrp, session int
	state                    byte   // R, S, D, Z, ...
	comm                     string // the executable's name, truncated
	start                    uint64 // clock ticks after boot
}

func (s procStat) zombie() bool { return s.state == 'Z' || s.state == 'X' }

// readStat parses /proc/PID/stat; comm may hold spaces and parentheses, so
// the fields after it are found after its last ')'.
func readStat(pid int) (procStat, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return procStat{}, fmt.Errorf("%w: %d", ErrNoProcess, pid)
		}
		return procStat{}, fmt.Errorf("stat of process %d: %w", pid, err)
	}
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return procStat{}, fmt.Errorf("stat of process %d: %q has no (comm)", pid, b)
	}
	f := strings.Fields(string(b[end+1:]))
	// state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt
	// cmajflt utime stime cutime cstime priority nice num_threads
	// itrealvalue starttime
	if len(f) < 20 || len(f[0]) != 1 {
		return procStat{}, fmt.Errorf("stat of process %d: %q has too few fields", pid, b)
	}
	s := procStat{pid: pid, state: f[0][0], comm: string(b[open+1 : end])}
	for i, dst := range []*int{&s.ppid, &s.pgrp, &s.session} {
		if *dst, err = strconv.Atoi(f[1+i]); err != nil {
			return procStat{}, fmt.Errorf("stat of process %d: field %d: %w", pid, 2+i, err)
		}
	}
	if s.start, err = strconv.ParseUint(f[19], 10, 64); err != nil {
		return procStat{}, fmt.Errorf("stat of process %d: starttime: %w", pid, err)
	}
	return s, nil
}

// allStats returns the stat of every process in /proc (those that ended
// while being read are left out).
func allStats() (map[int]procStat, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("listing /proc: %w", err)
	}
	stats := make(map[int]procStat, len(entries))
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if s, err := readStat(pid); err == nil {
			stats[pid] = s
		}
	}
	return stats, nil
}

// Running says whether process pid exists and is not a zombie.
func Running(pid int) bool {
	s, err := readStat(pid)
	return err == nil && !s.zombie()
}

// descendsFrom says whether pid has ancestor among its parents, in stats.
func descendsFrom(stats map[int]procStat, pid, ancestor int) bool {
	for seen := 0; seen < len(stats); seen++ {
		s, ok := stats[pid]
		if !ok || s.ppid == 0 {
			return false
		}
		if s.ppid == ancestor {
			return true
		}
		pid = s.ppid
	}
	return false
}

// Describe names a process for a report: its pid, state and command line
// (its comm when the command line is gone, as for a zombie).
func Describe(pid int) string {
	s, err := readStat(pid)
	if err != nil {
		return fmt.Sprintf("pid %d (gone)", pid)
	}
	cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	what := strings.TrimSpace(strings.ReplaceAll(string(cmdline), "\x00", " "))
	if what == "" {
		what = "[" + s.comm + "]"
	}
	return fmt.Sprintf("pid %d (%s, state %c)", pid, what, s.state)
}
