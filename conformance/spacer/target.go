package spacer

import (
	"context"
	"net"
	"time"

	"github.com/wirecert/wirecert/reference/spacer/api"
)

// DefaultStepTimeout bounds each wait for the target when a target sets
// none; DefaultSpecTimeout bounds a whole spec.
const (
	DefaultStepTimeout = 5 * time.Second
	DefaultSpecTimeout = 60 * time.Second
)

// ServiceTarget says how to start the spacer service under test. Each spec
// starts a fresh service on its own socketpair, so a hostile spec cannot
// spoil the next one. Set Command, Serve or both: with both, every spec
// runs against each.
type ServiceTarget struct {
	// Name appears in reports.
	Name string
	// Command starts a service process that finds its end of a connected
	// AF_UNIX stream socketpair as fd 3 and serves it until the client
	// disconnects. Command[0] is the program (looked up in PATH unless it
	// holds a slash), unless Path is set.
	Command []string
	// Path, when set, is the program run with Command as its whole argv,
	// argv[0] included: for binaries that re-execute themselves under a
	// special argv[0] (spacer.ServiceArg0).
	Path string
	// Serve serves conn in this process until the client disconnects. The
	// process-level checks (the service's fds, children, exit status) then
	// look at this process.
	Serve func(conn *net.UnixConn) error
	// StepTimeout bounds each wait for the service (DefaultStepTimeout).
	StepTimeout time.Duration
	// SpecTimeout bounds each spec (DefaultSpecTimeout).
	SpecTimeout time.Duration
}

// ClientTarget says how to drive the spacer client under test. Each spec
// connects it to a fake service of its own over a socketpair.
type ClientTarget struct {
	// Name appears in reports.
	Name string
	// Connect hands the client under test its end of a connected socket,
	// which it owns from now on (ClientConn.Close closes it).
	Connect func(conn *net.UnixConn) (ClientConn, error)
	// StepTimeout bounds each wait for the client (DefaultStepTimeout).
	StepTimeout time.Duration
	// SpecTimeout bounds each spec (DefaultSpecTimeout).
	SpecTimeout time.Duration
}

// ClientConn is the client under test on one connection: it keeps its gob
// streams from call to call, as the protocol wants.
type ClientConn interface {
	// Do sends req and returns the response: the service's ErrorResponse
	// either as an *api.ErrorResponse value or as an error whose text
	// holds its Reason. The caller owns the fds in a returned response.
	// Do must return by ctx's deadline.
	Do(ctx context.Context, req api.Request) (api.Response, error)
	// Close closes the connection.
	Close() error
}

func (t ServiceTarget) stepTimeout() time.Duration {
	return orDefault(t.StepTimeout, DefaultStepTimeout)
}
func (t ServiceTarget) specTimeout() time.Duration {
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
