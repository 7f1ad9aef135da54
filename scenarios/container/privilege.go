package container

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/moby/moby/api/types/container"
)

// privileged is docker run --privileged.
func privileged(hc *container.HostConfig) { hc.Privileged = true }

// allCapabilities is --privileged as far as an engine lacking capabilities
// can grant it: every capability of the bounding set, no seccomp, AppArmor
// or SELinux confinement, /proc and /sys paths unmasked. What it lacks:
// the host's devices, which no scenario uses.
func allCapabilities(hc *container.HostConfig) {
	hc.CapAdd = []string{"ALL"}
	hc.CapDrop = missingCapabilities()
	hc.SecurityOpt = []string{"seccomp=unconfined", "apparmor=unconfined", "label=disable"}
	// --security-opt systempaths=unconfined is the CLI's: on the wire it is
	// empty (not absent) path lists.
	hc.MaskedPaths, hc.ReadonlyPaths = []string{}, []string{}
}

func allCapabilitiesDescription() string {
	drop := missingCapabilities()
	if len(drop) == 0 {
		return "all capabilities, unconfined (--privileged refused)"
	}
	return fmt.Sprintf("all capabilities but %s (not in the bounding set), unconfined (--privileged refused)", strings.Join(drop, ","))
}

// isCapsRefused tells runc's "unable to apply caps" apart from any other
// start failure.
func isCapsRefused(err error) bool {
	return strings.Contains(err.Error(), "apply caps")
}

// capabilityNames are the kernel's capabilities by number, as docker names
// them.
var capabilityNames = []string{
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
	"SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
	"IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
	"SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD",
	"LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
	"WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
}

// missingCapabilities are the known capabilities not in this process's
// bounding set: a local engine started alike cannot grant them either.
func missingCapabilities() []string {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return nil
	}
	for _, line := range strings.Split(string(status), "\n") {
		hexmask, ok := strings.CutPrefix(line, "CapBnd:")
		if !ok {
			continue
		}
		mask, err := strconv.ParseUint(strings.TrimSpace(hexmask), 16, 64)
		if err != nil {
			return nil
		}
		var missing []string
		for i, name := range capabilityNames {
			if mask&(1<<i) == 0 {
				missing = append(missing, name)
			}
		}
		return missing
	}
	return nil
}
