package framepeer

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"
)

// DefaultAcceptTimeout bounds Accept when its context has no deadline of its
// own.
const DefaultAcceptTimeout = 10 * time.Second

// Listener listens on a unix socket for connections to play a fake server
// on; Close removes the socket file.
type Listener struct {
	path      string
	ln        *net.UnixListener
	closeOnce sync.Once
	closeErr  error
}

// Listen listens on the unix socket at path, which must not exist yet and
// must fit a unix socket address (108 bytes).
func Listen(path string) (*Listener, error) {
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("framepeer: listen on %s: %w", path, err)
	}
	return &Listener{path: path, ln: ln}, nil
}

// Path is the socket's path, for the client under test to dial.
func (l *Listener) Path() string { return l.path }

// Accept waits for the next connection until ctx ends, or at most
// DefaultAcceptTimeout when ctx has no deadline. A deadline that passes gives
// an error wrapping ErrTimeout, a cancelled ctx one wrapping its cause.
func (l *Listener) Accept(ctx context.Context) (*Peer, error) {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(DefaultAcceptTimeout)
	}
	if err := l.ln.SetDeadline(deadline); err != nil {
		return nil, fmt.Errorf("framepeer: accept on %s: set deadline: %w", l.path, err)
	}
	// A cancelled ctx moves the deadline to now, which wakes the Accept.
	woken := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(woken)
		_ = l.ln.SetDeadline(time.Unix(1, 0))
	})
	conn, err := l.ln.AcceptUnix()
	if !stop() {
		// The wake-up ran or is running: let it finish so that it cannot
		// move the deadline of a later Accept.
		<-woken
	}
	if err != nil {
		switch {
		case errors.Is(ctx.Err(), context.Canceled):
			return nil, fmt.Errorf("framepeer: accept on %s: %w", l.path, context.Cause(ctx))
		case errors.Is(err, os.ErrDeadlineExceeded):
			return nil, fmt.Errorf("framepeer: %w: accept on %s: nobody connected by %s: %w",
				ErrTimeout, l.path, deadline.Format(time.RFC3339Nano), err)
		}
		return nil, fmt.Errorf("framepeer: accept on %s: %w", l.path, err)
	}
	return New(conn), nil
}

// Close stops listening and removes the socket file; connections already
// accepted stay open. Closing again does nothing and returns the first
// Close's result.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() { l.closeErr = l.ln.Close() })
	return l.closeErr
}
