// Package client is a spacer client: it sends requests one sendmsg each
// and hands back responses with their fds in place, closing every fd it
// cannot place.
package client

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"net"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"example.com/foreign-spacer/api"
	"example.com/foreign-spacer/internal/fdkind"
	"example.com/foreign-spacer/internal/msg"
)

// DefaultTimeout bounds each send and each receive of a call.
const DefaultTimeout = 10 * time.Second

// Errors that Do's errors wrap.
var (
	// ErrResponse: the response breaks the protocol; its fds were closed.
	ErrResponse = errors.New("spacer response")
	// ErrClosed: the service closed the connection.
	ErrClosed = errors.New("spacer service closed the connection")
)

// Client talks to a spacer service on one connection, keeping one gob
// stream each way. Calls are serialised.
type Client struct {
	mu      sync.Mutex
	c       *msg.Conn
	timeout time.Duration
}

// New returns a client on conn, which it owns from now on.
func New(conn *net.UnixConn) *Client {
	return &Client{c: msg.New(conn), timeout: DefaultTimeout}
}

// SetTimeout changes the bound of each send and receive.
func (cl *Client) SetTimeout(d time.Duration) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	cl.timeout = d
}

// Close closes the connection, which ends the service on the other end.
func (cl *Client) Close() error { return cl.c.Close() }

// Do sends req and returns the response: an *api.ErrorResponse as a value,
// a RoomsResponse or SubspaceResponse with exactly the fds req asked for.
// The caller owns the fds of the response. Any other answer is an error,
// with every fd that came closed.
func (cl *Client) Do(req api.Request) (api.Response, error) {
	return cl.DoContext(context.Background(), req)
}

// DoContext is Do, also bounded by ctx. A call cut short leaves the
// connection unusable: its response would be taken for the next one's.
func (cl *Client) DoContext(ctx context.Context, req api.Request) (api.Response, error) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	// ctx ending cuts the wait short; a late cut must not reach the next
	// call, so a started one is waited for
	cut := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(cut)
		_ = cl.c.UnixConn().SetDeadline(time.Now())
	})
	defer func() {
		if !stop() {
			<-cut
		}
	}()
	deadline := func() time.Time {
		d := time.Now().Add(cl.timeout)
		if cd, ok := ctx.Deadline(); ok && cd.Before(d) {
			return cd
		}
		return d
	}
	if err := cl.c.Send(&req, nil, deadline()); err != nil {
		return nil, fmt.Errorf("sending %T: %w", req, err)
	}
	r, err := cl.c.Receive(deadline())
	if err != nil {
		cl.c.Break(err)
		if msg.Disconnected(err) {
			return nil, ErrClosed
		}
		return nil, fmt.Errorf("receiving the response to %T: %w", req, err)
	}
	resp, err := cl.decode(r)
	if err != nil {
		fdkind.CloseAll(r.Fds)
		return nil, err
	}
	return place(req, resp, r.Fds)
}

// decode decodes the one response of r, and whatever else came with it to
// keep the gob stream in step; more than one response is an error.
func (cl *Client) decode(r msg.Received) (api.Response, error) {
	if r.Oversize {
		cl.c.Break(errors.New("a response above 8192 bytes"))
		return nil, fmt.Errorf("%w: above %d bytes", ErrResponse, msg.MaxSize)
	}
	var resp api.Response
	if !cl.c.More() {
		cl.c.Break(errors.New("a response that is no whole gob message"))
		return nil, fmt.Errorf("%w: %d bytes that are no whole gob message", ErrResponse, r.Tail)
	}
	if err := cl.c.Decode(&resp); err != nil {
		return nil, fmt.Errorf("%w: undecodable: %w", ErrResponse, err)
	}
	extra := 0
	for cl.c.More() {
		var more api.Response // its fields hold the sender's numbers: dropped
		_ = cl.c.Decode(&more)
		extra++
	}
	switch {
	case r.Truncated:
		return nil, fmt.Errorf("%w: MSG_CTRUNC, more fds than room for %d", ErrResponse, msg.FdRoom)
	case r.LowFd != nil:
		return nil, fmt.Errorf("%w: %w", ErrResponse, r.LowFd)
	case extra > 0 || r.Tail > 0:
		return nil, fmt.Errorf("%w: %d more messages and %d bytes past the end of the response", ErrResponse, extra, r.Tail)
	case resp == nil:
		return nil, fmt.Errorf("%w: a nil response", ErrResponse)
	}
	return resp, nil
}

// place puts fds into resp as the response to req says, or closes them all
// with an error.
func place(req api.Request, resp api.Response, fds []int) (api.Response, error) {
	// whatever numbers the gob body holds are the sender's, not ours
	if e, ok := resp.(api.FdsEncoder); ok {
		_ = e.EncodeFds()
	}
	switch resp := resp.(type) {
	case *api.ErrorResponse:
		fdkind.CloseAll(fds) // an ErrorResponse carries none
		return resp, nil
	case *api.RoomsResponse:
		rr, ok := req.(*api.RoomsRequest)
		if !ok {
			break
		}
		resp.DecodeFds(fds)
		if err := checkRooms(resp, rr.Spaces); err != nil {
			closeResponse(resp)
			return nil, err
		}
		return resp, nil
	case *api.SubspaceResponse:
		sr, ok := req.(*api.SubspaceRequest)
		if !ok {
			break
		}
		// by position [Conn, PIDFd, User?, PID?]: only with as many fds as
		// the request implies does each stand in its place
		want := 2 + bits.OnesCount64(sr.Spaces&fdkind.SubspaceSpaces)
		if len(fds) != want {
			fdkind.CloseAll(fds)
			return nil, fmt.Errorf("%w: a SubspaceResponse with %d fds, allowed %d (Conn, PIDFd, one per namespace of Spaces %#x)",
				ErrResponse, len(fds), want, sr.Spaces)
		}
		resp.DecodeFds(fds)
		if err := checkSubspace(resp, sr.Spaces); err != nil {
			closeResponse(resp)
			return nil, err
		}
		return resp, nil
	}
	fdkind.CloseAll(fds)
	return nil, fmt.Errorf("%w: a %T in answer to a %T", ErrResponse, resp, req)
}

// checkRooms closes the fds of types not requested and fails a response
// lacking a requested one.
func checkRooms(r *api.RoomsResponse, spaces uint64) error {
	for _, f := range []struct {
		flag uint64
		name string
		fd   *int
	}{
		{unix.CLONE_NEWCGROUP, "Cgroup", &r.Cgroup}, {unix.CLONE_NEWIPC, "IPC", &r.IPC},
		{unix.CLONE_NEWNS, "Mnt", &r.Mnt}, {unix.CLONE_NEWNET, "Net", &r.Net},
		{unix.CLONE_NEWTIME, "Time", &r.Time}, {unix.CLONE_NEWUTS, "UTS", &r.UTS},
	} {
		switch {
		case spaces&f.flag == 0 && *f.fd > 0:
			_ = unix.Close(*f.fd)
			*f.fd = 0
		case spaces&f.flag != 0 && *f.fd == 0:
			return fmt.Errorf("%w: RoomsResponse.%s missing", ErrResponse, f.name)
		}
	}
	return nil
}

// checkSubspace fails a response whose fds did not each fit their place.
func checkSubspace(s *api.SubspaceResponse, spaces uint64) error {
	for _, f := range []struct {
		want bool
		name string
		fd   int
	}{
		{true, "Conn", s.Conn}, {true, "PIDFd", s.PIDFd},
		{spaces&unix.CLONE_NEWUSER != 0, "User", s.User}, {spaces&unix.CLONE_NEWPID != 0, "PID", s.PID},
	} {
		if f.want != (f.fd > 0) {
			return fmt.Errorf("%w: SubspaceResponse.%s: the fd in its place is missing or of another kind", ErrResponse, f.name)
		}
	}
	return nil
}

// closeResponse closes the fds a response holds and zeroes its fields.
func closeResponse(resp api.Response) {
	if e, ok := resp.(api.FdsEncoder); ok {
		fdkind.CloseAll(e.EncodeFds())
	}
}
