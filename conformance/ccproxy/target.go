package ccproxy

import (
	"context"
	"io"
	"net"
	"os"
	"time"
)

// DefaultStepTimeout bounds each wait for the target when a target sets
// none; DefaultSpecTimeout bounds a whole spec.
const (
	DefaultStepTimeout = 5 * time.Second
	DefaultSpecTimeout = 60 * time.Second
)

// ServerTarget says how to reach the proxy under test. Set Dial for a proxy
// that is already running, or Start to get a fresh proxy per spec (so a
// hostile case cannot spoil the next one).
type ServerTarget struct {
	// Name appears in reports.
	Name string
	// Dial connects to a running proxy.
	Dial func() (net.Conn, error)
	// Start starts a proxy whose files live in dir (a fresh temp dir per
	// spec), e.g. listening on dir/proxy.sock.
	Start func(dir string) (*ServerInstance, error)
	// PerPod declares a per-pod proxy: it serves one VM and, after
	// UnregisterVM or when that VM's agent goes, closes its listener,
	// removes its socket and exits. Specs that need a second VM then start
	// a second proxy; specs that need the proxy after UnregisterVM check
	// that it went away instead, or report themselves not applicable. A
	// per-pod proxy needs Start: it cannot outlive the first spec's VM.
	PerPod bool
	// StepTimeout bounds each wait for the proxy (DefaultStepTimeout).
	StepTimeout time.Duration
	// SpecTimeout bounds each spec (DefaultSpecTimeout).
	SpecTimeout time.Duration
}

// ServerInstance is one started proxy.
type ServerInstance struct {
	// Dial connects to this proxy.
	Dial func() (net.Conn, error)
	// Stop ends the proxy and releases what it holds; once ctx ends (the
	// spec's time is up) it must end it forcibly, so nothing outlives a run.
	Stop func(ctx context.Context) error
	// Alive returns nil while the proxy runs, an error once it died (used
	// for "does not crash"); nil Alive means "cannot tell".
	Alive func() error
	// PID, when set, gives the proxy's process id (os.Getpid() for a proxy
	// running inside the test process), so CCP-S-39 can compare the
	// process's open fds (/proc/PID/fd) before and after a full lifecycle.
	// Without it that spec can only watch the proxy close the agent
	// channels and client connections it should, which misses fds it
	// keeps internally.
	PID func() int
}

// ClientTarget says how to run the shim under test against the suite's
// fake proxy.
type ClientTarget struct {
	// Name appears in reports.
	Name string
	// Shim runs one shim session to its end and returns its exit code.
	Shim func(ctx context.Context, run ShimRun) (exitCode int, err error)
	// StepTimeout bounds each wait for the shim (DefaultStepTimeout).
	StepTimeout time.Duration
	// SpecTimeout bounds each spec (DefaultSpecTimeout).
	SpecTimeout time.Duration
}

// ShimRun is what a shim under test is given: the fake proxy's socket, its
// token, its stdio, and the signals the suite sends it.
type ShimRun struct {
	Socket string
	Token  string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Signals delivers the signals the suite sends the shim (SIGTERM,
	// SIGWINCH with the window size in WindowSize); closed at the end.
	Signals <-chan os.Signal
	// WindowSize is the terminal size the shim reports with SIGWINCH.
	WindowSize func() (rows, columns int)
}

func (t ServerTarget) stepTimeout() time.Duration {
	return orDefault(t.StepTimeout, DefaultStepTimeout)
}
func (t ServerTarget) specTimeout() time.Duration {
	return orDefault(t.SpecTimeout, DefaultSpecTimeout)
}
func (t ClientTarget) stepTimeout() time.Duration {
	return orDefault(t.StepTimeout, DefaultStepTimeout)
}
func (t ClientTarget) specTimeout() time.Duration {
	return orDefault(t.SpecTimeout, DefaultSpecTimeout)
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
