package hostile

import (
	"errors"
	"time"
)

// Defaults of a Config.
const (
	// DefaultInterval is the pause between trickled bytes.
	DefaultInterval = time.Second
	// DefaultIdleTimeout bounds every read and write of a hostile peer
	// that does not hang on purpose: its misbehaviour is deliberate, its
	// own reads still end.
	DefaultIdleTimeout = 2 * time.Minute
)

// ExitMidRequestCode is the exit status of a hostile process that exits
// mid-request.
const ExitMidRequestCode = 3

// ErrExitMidRequest is returned where an ExitMidRequest peer would exit and
// Config.Exit is nil (a peer run in-process).
var ErrExitMidRequest = errors.New("hostile peer exits mid-request")

// Config configures a hostile peer.
type Config struct {
	// Mode is how the peer misbehaves.
	Mode Mode
	// Interval is the pause between trickled bytes (DefaultInterval).
	Interval time.Duration
	// IdleTimeout bounds each read and write (DefaultIdleTimeout).
	IdleTimeout time.Duration
	// Exit, when set, ends the process where an ExitMidRequest peer
	// exits (Main passes os.Exit); nil returns ErrExitMidRequest instead.
	Exit func(code int)
}

func (c Config) withDefaults() Config {
	if c.Interval <= 0 {
		c.Interval = DefaultInterval
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	return c
}

// exitMidRequest ends the process if it can, else reports that it would.
func (c Config) exitMidRequest() error {
	if c.Exit != nil {
		c.Exit(ExitMidRequestCode)
	}
	return ErrExitMidRequest
}
