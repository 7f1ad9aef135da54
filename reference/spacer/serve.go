package spacer

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/wirecert/wirecert/reference/spacer/api"
	"github.com/wirecert/wirecert/reference/spacer/wire"
)

// DefaultIdleTimeout is how long Serve waits for the next request before it
// gives up on a silent client.
const DefaultIdleTimeout = 10 * time.Minute

// ServeOption configures Serve.
type ServeOption func(*serveConfig)

type serveConfig struct {
	idleTimeout time.Duration
}

// WithIdleTimeout bounds the wait for each request (and each send).
func WithIdleTimeout(d time.Duration) ServeOption {
	return func(c *serveConfig) { c.idleTimeout = d }
}

// Serve answers the requests on conn until the client disconnects, then
// closes conn. It returns nil on a plain disconnect, and the error that made
// it give up on the connection otherwise. Requests it cannot decode, or does
// not know, get an ErrorResponse as long as the gob stream stays in step.
//
// Sub-services started for SubspaceRequests outlive Serve: each ends when
// its own Conn is closed, and a goroutine of this process reaps it then,
// parked in Go's poller on a pidfd: no OS thread waits per sub-service.
func Serve(conn *net.UnixConn, opts ...ServeOption) error {
	cfg := serveConfig{idleTimeout: DefaultIdleTimeout}
	for _, opt := range opts {
		opt(&cfg)
	}
	wc := wire.NewConn(conn, cfg.idleTimeout)
	defer wc.Close()
	for {
		req, err := wc.ReceiveRequest()
		if err != nil {
			if wire.Usable(err) {
				if err := wc.SendResponse(&api.ErrorResponse{Reason: err.Error()}); err != nil {
					return err
				}
				continue
			}
			if disconnected(err) {
				return nil
			}
			return err
		}
		if err := wc.SendResponse(handle(req)); err != nil {
			if disconnected(err) {
				return nil
			}
			return err
		}
	}
}

// ServeFd serves the connected unix socket at fd (3 for a service process).
func ServeFd(fd int) error {
	f := os.NewFile(uintptr(fd), "spacer socket")
	if f == nil {
		return fmt.Errorf("fd %d: not open", fd)
	}
	conn, err := net.FileConn(f)
	f.Close() // FileConn works on a dup
	if err != nil {
		return fmt.Errorf("fd %d: %w", fd, err)
	}
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		conn.Close()
		return fmt.Errorf("fd %d: is a %T, allowed a connected unix socket", fd, conn)
	}
	return Serve(uc)
}

func handle(req api.Request) api.Response {
	switch req := req.(type) {
	case *api.RoomsRequest:
		return rooms(req)
	case *api.SubspaceRequest:
		return subspace(req)
	default:
		return &api.ErrorResponse{Reason: fmt.Sprintf("unknown request: %T, allowed *api.RoomsRequest or *api.SubspaceRequest", req)}
	}
}

func disconnected(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed)
}
