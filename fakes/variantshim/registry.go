package variantshim

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// ErrUnknownVariant: Lookup got a name no variant has.
var ErrUnknownVariant = errors.New("unknown variant")

// stdinFrames are small, uneven stdin payload sizes: 1 byte among them,
// none that divides the suite's chunks evenly.
var stdinFrames = []int{1, 2, 3, 5, 8, 13, 7}

// variants holds every variant by name: one per allowance, and all of
// them at once.
var variants = map[string]Variant{
	"winsize-stdin": {
		What:           "reads its terminal's window size from stdin only, as cc-shim does",
		Allowed:        []string{allowStdinTerminal},
		WindowSizeFrom: []int{unix.Stdin},
	},
	"winsize-stderr": {
		What:           "reads its terminal's window size from stderr only",
		Allowed:        []string{allowAnyTerminal},
		WindowSizeFrom: []int{unix.Stderr},
	},
	"log-entries": {
		What:    "sends log stream entries {source: shim, level, msg} after ConnectShim, for each signal and at the process's exit",
		Allowed: []string{allowLogs},
		Logs:    true,
	},
	"small-stdin-frames": {
		What:        fmt.Sprintf("cuts stdin into frames of %v bytes, in turn", stdinFrames),
		Allowed:     []string{allowStdinFrames},
		StdinFrames: stdinFrames,
	},
	"winsize-at-start": {
		What:              "reports its terminal's size with a Signal for SIGWINCH right after ConnectShim, when it has a terminal",
		Allowed:           []string{allowWinchAtStart},
		WindowSizeAtStart: true,
	},
	"split-writes": {
		What:        fmt.Sprintf("writes every frame in three writes: %d header bytes, the other %d, the payload", splitAt, api.HeaderSize-splitAt),
		Allowed:     []string{allowSplitWrites},
		SplitWrites: true,
	},
	"combined": {
		What:              "all of them: window size from stdin only, log entries, small stdin frames, the size at start, split writes",
		Allowed:           []string{allowStdinTerminal, allowLogs, allowStdinFrames, allowWinchAtStart, allowSplitWrites},
		WindowSizeFrom:    []int{unix.Stdin},
		Logs:              true,
		StdinFrames:       stdinFrames,
		WindowSizeAtStart: true,
		SplitWrites:       true,
	},
}

// Lookup returns the variant called name.
func Lookup(name string) (Variant, error) {
	v, ok := variants[name]
	if !ok {
		return Variant{}, fmt.Errorf("%w: variant %q, allowed one of: %s", ErrUnknownVariant, name, strings.Join(Names(), ", "))
	}
	return v, nil
}

// Names lists every variant name, sorted.
func Names() []string { return slices.Sorted(maps.Keys(variants)) }
