package ccproxy

import (
	"context"
	"io"
	"net"
	"os"
	"time"
)

// Defaults of a target's bounds: DefaultStepTimeout bounds each wait for
// the target, DefaultSpecTimeout a whole spec, DefaultStartTimeout each
// start of a target the suite starts itself (a command's until it accepts
// on its socket).
const (
	DefaultStepTimeout  = 5 * time.Second
	DefaultSpecTimeout  = 60 * time.Second
	DefaultStartTimeout = 10 * time.Second
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
	// spec), e.g. listening on dir/proxy.sock, and returns once it
	// accepts. ctx ends when StartTimeout has passed: a Start still
	// waiting then gives up, stops what it started and fails.
	Start func(ctx context.Context, dir string) (*ServerInstance, error)
	// StartTimeout bounds each Start (DefaultStartTimeout): set it above
	// the time the proxy needs to listen on a loaded machine.
	StartTimeout time.Duration
	// PerPod declares a per-pod proxy: it serves one VM and, after
	// UnregisterVM or when that VM's agent goes, closes its listener,
	// removes its socket and exits. Specs that need a second VM then start
	// a second proxy; specs that need the proxy after UnregisterVM check
	// that it went away instead, or report themselves not applicable. A
	// per-pod proxy needs Start: it cannot outlive the first spec's VM.
	PerPod bool
	// StepTimeout bounds each wait for the proxy (DefaultStepTimeout).
	// A wait for a command's response ends sooner only on evidence that
	// it is not coming: the response went out on another connection of
	// the spec's (CCP-S-11 broken), or it is far overdue (100 times the
	// proxy's median answer latency in this run, at least 250 ms) while a
	// fresh connection's command is answered at once.
	StepTimeout time.Duration
	// FixedSteps makes every wait for a response last up to StepTimeout,
	// overdue or not (the misrouting evidence still ends it).
	FixedSteps bool
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
	// PID, when set, gives the id of the process that serves the socket
	// (os.Getpid() for a proxy running inside the test process; not a
	// wrapper's or a daemon's parent, whose fds and memory are not the
	// proxy's), so CCP-S-39 can compare the process's open fds
	// (/proc/PID/fd) before and after a full lifecycle and CCP-S-08 can
	// watch its memory; 0 means it could not be found. Without it those
	// specs are limited: CCP-S-39 can only watch the proxy close the agent
	// channels and client connections it should, which misses fds it keeps
	// internally, and CCP-S-08 cannot see an allocation.
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
//
// A session either has a terminal or has none, as a runtime starts a
// shim for a container with or without one. Without one (Terminal false)
// the shim's stdin, stdout and stderr are three separate streams and
// Stdin ends with EOF. With one, the target gives the shim one terminal as
// its stdin, stdout and stderr, sized as WindowSize says; a terminal in raw
// mode passes bytes exactly but carries no EOF and does not keep stdout and
// stderr apart, so the suite never closes Stdin while the shim runs and
// gives it one writer as both Stdout and Stderr. Specs about SIGWINCH run
// with a terminal; specs about stdin's EOF or about stdout and stderr
// staying apart run without.
type ShimRun struct {
	// Socket is the fake proxy's unix socket, for the shim to dial.
	Socket string
	// Token is the session's token, for the shim's ConnectShim.
	Token string
	// Container is the id of the container the session's shim stands for
	// (64 hex digits, fresh per session), for a shim that takes one on its
	// command line; nothing on the wire carries it.
	Container string
	// Stdin is what the shim reads on its stdin: with a terminal, what is
	// typed on it.
	Stdin io.Reader
	// Stdout and Stderr get what the shim writes on its stdout and stderr:
	// with a terminal, both are the same writer and get what the shim
	// writes on the terminal.
	Stdout, Stderr io.Writer
	// Terminal says the session has a terminal: the target gives the shim
	// one terminal (a pseudo-terminal in raw mode) as its stdin, stdout and
	// stderr, as a runtime does, so a shim may read the window size from any
	// of them; and it resizes the terminal to WindowSize before it delivers
	// each SIGWINCH. A target that cannot (an in-process shim) hands the
	// shim WindowSize and the streams as they are.
	Terminal bool
	// Signals delivers the signals the suite sends the shim (SIGTERM,
	// SIGWINCH once WindowSize says the new size); closed at the end.
	Signals <-chan os.Signal
	// WindowSize is the size of the shim's terminal, which the shim
	// reports with SIGWINCH; it changes only before a SIGWINCH. The suite
	// sets it only with Terminal: without a terminal there is no size.
	WindowSize func() (rows, columns int)
}

func (t ServerTarget) stepTimeout() time.Duration {
	return orDefault(t.StepTimeout, DefaultStepTimeout)
}
func (t ServerTarget) specTimeout() time.Duration {
	return orDefault(t.SpecTimeout, DefaultSpecTimeout)
}
func (t ServerTarget) startTimeout() time.Duration {
	return orDefault(t.StartTimeout, DefaultStartTimeout)
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
