package hyperagent

import (
	"time"

	"github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
)

// Option configures an Agent.
type Option func(*Agent)

// WithholdReady makes the Agent send nothing once both channels are
// connected, as an agent that never comes up; SendCtl can send READY later.
func WithholdReady() Option { return func(a *Agent) { a.withholdReady = true } }

// WithReadyCode makes the Agent send code (with an empty payload) instead of
// READY once both channels are connected, for testing that a proxy checks it.
func WithReadyCode(code hyperstart.Code) Option { return func(a *Agent) { a.readyCode = code } }

// WithReadyDelay makes the Agent wait d after both channels are connected
// before it sends READY.
func WithReadyDelay(d time.Duration) Option { return func(a *Agent) { a.readyDelay = d } }
