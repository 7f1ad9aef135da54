package spacer

import (
	"fmt"
	"math/bits"
	"net"
	"os"
	"sync"
	"time"

	"github.com/wirecert/wirecert/reference/spacer/api"
	"github.com/wirecert/wirecert/reference/spacer/wire"
	"golang.org/x/sys/unix"
)

// Client talks to a spacer service over a connected unix socket. Calls are
// serialised; each send and each receive has its own deadline.
type Client struct {
	mu   sync.Mutex
	conn *wire.Conn
}

// ClientOption configures a Client.
type ClientOption func(*clientConfig)

type clientConfig struct {
	timeout time.Duration
}

// WithTimeout bounds each send and each receive of a call
// (default wire.DefaultTimeout).
func WithTimeout(d time.Duration) ClientOption {
	return func(c *clientConfig) { c.timeout = d }
}

// NewClient returns a client on conn, which it owns from now on.
func NewClient(conn *net.UnixConn, opts ...ClientOption) *Client {
	cfg := clientConfig{timeout: wire.DefaultTimeout}
	for _, opt := range opts {
		opt(&cfg)
	}
	return &Client{conn: wire.NewConn(conn, cfg.timeout)}
}

// NewClientFromFd returns a client on the connected unix socket fd, such as
// a SubspaceResponse's Conn. The client owns fd from now on, also on error.
func NewClientFromFd(fd int, opts ...ClientOption) (*Client, error) {
	f := os.NewFile(uintptr(fd), "spacer client socket")
	if f == nil {
		return nil, fmt.Errorf("fd %d: not open", fd)
	}
	conn, err := net.FileConn(f)
	f.Close() // FileConn works on a dup
	if err != nil {
		return nil, fmt.Errorf("fd %d: %w", fd, err)
	}
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		conn.Close()
		return nil, fmt.Errorf("fd %d: is a %T, allowed a connected unix socket", fd, conn)
	}
	return NewClient(uc, opts...), nil
}

// Close closes the connection, which ends the service on the other end.
func (c *Client) Close() error { return c.conn.Close() }

// UnixConn returns the client's socket, to misuse it in tests.
func (c *Client) UnixConn() *net.UnixConn { return c.conn.UnixConn() }

// Do sends req and returns whatever response comes back, ErrorResponse
// included, as a value: for callers that judge responses themselves. A
// SubspaceResponse to a SubspaceRequest is placed by position and must
// bring exactly the fds the request implies (ErrFdCount), each of its
// kind (ErrMissingFd); otherwise every fd it brought is closed.
func (c *Client) Do(req api.Request) (api.Response, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.conn.SendRequest(req); err != nil {
		return nil, err
	}
	resp, fds, err := c.conn.ReceiveResponseFds()
	if err != nil {
		return nil, err
	}
	sreq, isSub := req.(*api.SubspaceRequest)
	sub, subResp := resp.(*api.SubspaceResponse)
	if !isSub || !subResp {
		wire.PlaceFds(resp, fds)
		return resp, nil
	}
	// by position [Conn, PIDFd, User?, PID?]: only with as many fds as
	// the request implies does each stand where it belongs
	spaces := sreq.Spaces & api.SubspaceSpaces
	if want := 2 + bits.OnesCount64(spaces); len(fds) != want {
		for _, fd := range fds {
			_ = unix.Close(fd)
		}
		return nil, &ResponseError{Field: "SubspaceResponse fds", Seen: fmt.Sprint(len(fds)),
			Allowed: fmt.Sprintf("%d: Conn, PIDFd and one per namespace of SubspaceRequest{Spaces: %s}", want, api.SpacesString(sreq.Spaces)),
			Err:     ErrFdCount}
	}
	sub.DecodeFds(fds)
	if err := checkSubspace(sub, spaces); err != nil {
		_ = sub.Close()
		return nil, err
	}
	return sub, nil
}

// Rooms requests new namespaces of the types in spaces. It returns the
// service's ErrorResponse as an *api.ErrorResponse error, and checks that
// exactly the requested fds arrived. The caller owns the response's fds.
func (c *Client) Rooms(spaces uint64) (*api.RoomsResponse, error) {
	resp, err := c.Do(&api.RoomsRequest{Spaces: spaces})
	if err != nil {
		return nil, err
	}
	rooms, ok := resp.(*api.RoomsResponse)
	if !ok {
		return nil, unexpected(resp, "*api.RoomsResponse")
	}
	err = checkFds("RoomsResponse", spaces, []namedFd{
		{unix.CLONE_NEWCGROUP, "Cgroup", rooms.Cgroup},
		{unix.CLONE_NEWIPC, "IPC", rooms.IPC},
		{unix.CLONE_NEWNS, "Mnt", rooms.Mnt},
		{unix.CLONE_NEWNET, "Net", rooms.Net},
		{unix.CLONE_NEWTIME, "Time", rooms.Time},
		{unix.CLONE_NEWUTS, "UTS", rooms.UTS},
	})
	if err != nil {
		_ = rooms.Close()
		return nil, err
	}
	return rooms, nil
}

// Subspace requests a sub-service in new namespaces of the types in spaces
// (CLONE_NEWUSER and/or CLONE_NEWPID). It returns the service's
// ErrorResponse as an *api.ErrorResponse error, and checks that Conn, PIDFd
// and exactly the requested namespace fds arrived. The caller owns the
// response's fds; NewClientFromFd turns Conn into a Client.
func (c *Client) Subspace(spaces uint64) (*api.SubspaceResponse, error) {
	resp, err := c.Do(&api.SubspaceRequest{Spaces: spaces})
	if err != nil {
		return nil, err
	}
	sub, ok := resp.(*api.SubspaceResponse)
	if !ok {
		return nil, unexpected(resp, "*api.SubspaceResponse")
	}
	if err := checkSubspace(sub, spaces); err != nil {
		_ = sub.Close()
		return nil, err
	}
	return sub, nil
}

// checkSubspace checks that sub holds Conn, PIDFd and exactly the
// namespace fds of spaces.
func checkSubspace(sub *api.SubspaceResponse, spaces uint64) error {
	return checkFds("SubspaceResponse", spaces|always, []namedFd{
		{always, "Conn", sub.Conn},
		{always, "PIDFd", sub.PIDFd},
		{unix.CLONE_NEWUSER, "User", sub.User},
		{unix.CLONE_NEWPID, "PID", sub.PID},
	})
}

// always marks the fds every SubspaceResponse carries; no CLONE_NEW* bit.
const always = 1 << 63

type namedFd struct {
	flag  uint64
	field string
	fd    int
}

func checkFds(response string, want uint64, fds []namedFd) error {
	for _, f := range fds {
		switch {
		case want&f.flag != 0 && f.fd <= 0:
			return &ResponseError{Field: response + "." + f.field, Seen: "no fd", Allowed: "an fd", Err: ErrMissingFd}
		case want&f.flag == 0 && f.fd > 0:
			return &ResponseError{Field: response + "." + f.field, Seen: fmt.Sprintf("fd %d", f.fd), Allowed: "none, not requested", Err: ErrUnrequestedFd}
		}
	}
	return nil
}

// unexpected turns an ErrorResponse into its error, and any other wrong
// response into a ResponseError, closing the fds it may hold.
func unexpected(resp api.Response, allowed string) error {
	if errResp, ok := resp.(*api.ErrorResponse); ok {
		return errResp
	}
	if closer, ok := resp.(interface{ Close() error }); ok {
		_ = closer.Close()
	}
	return &ResponseError{Field: "response type", Seen: fmt.Sprintf("%T", resp), Allowed: allowed, Err: ErrUnexpectedResponse}
}
