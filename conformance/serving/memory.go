package serving

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Memory is a process's virtual size and resident set, in bytes, as
// /proc/PID/status gives them.
type Memory struct {
	// VmSize is the virtual size, VmRSS the resident set.
	VmSize, VmRSS uint64
}

// ReadMemory reads process pid's VmSize and VmRSS.
func ReadMemory(pid int) (Memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Memory{}, fmt.Errorf("memory of process %d: %w", pid, err)
	}
	defer f.Close()
	var m Memory
	var seen int
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmSize" && key != "VmRSS") {
			continue
		}
		fields := strings.Fields(value) // "123456 kB"
		if len(fields) != 2 || fields[1] != "kB" {
			return Memory{}, fmt.Errorf("memory of process %d: %s is %q, allowed N kB", pid, key, value)
		}
		kb, err := strconv.ParseUint(fields[0], 10, 64)
		if err != nil {
			return Memory{}, fmt.Errorf("memory of process %d: %s: %w", pid, key, err)
		}
		if key == "VmSize" {
			m.VmSize = kb << 10
		} else {
			m.VmRSS = kb << 10
		}
		seen++
	}
	if err := sc.Err(); err != nil {
		return Memory{}, fmt.Errorf("memory of process %d: %w", pid, err)
	}
	if seen != 2 {
		// a zombie's status has no Vm lines
		return Memory{}, fmt.Errorf("%w: process %d has no VmSize and VmRSS (a zombie?)", ErrNoProcess, pid)
	}
	return m, nil
}
