package fakespacer

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"net"
	"time"

	"github.com/wirecert/wirecert/reference/spacer/api"
	"golang.org/x/sys/unix"
)

// ClientBreak names the one way a fake client departs from the protocol.
type ClientBreak string

// The breaks of a fake client, each violating one client requirement.
const (
	// ClientNone breaks nothing: the fake client must pass the client
	// suite.
	ClientNone ClientBreak = "none"
	// NoTypeDefs sends its first request without the gob type definitions
	// (SPC-C-01).
	NoTypeDefs ClientBreak = "no-type-defs"
	// SmallRoom receives with ancillary room for 3 fds and ignores
	// MSG_CTRUNC: the real spacer's defect, turned on its client (SPC-C-02).
	SmallRoom ClientBreak = "small-room"
	// KeepStrayFds does not close the fds it cannot place (SPC-C-03).
	KeepStrayFds ClientBreak = "keep-stray-fds"
	// DropReason reports a failed request without the service's reason
	// (SPC-C-04).
	DropReason ClientBreak = "drop-reason"
	// AcceptBadSubspace places a SubspaceResponse's fds however many
	// came, without an error (SPC-C-05).
	AcceptBadSubspace ClientBreak = "accept-bad-subspace"
	// ZeroFdAbsent leaves a received fd where it arrived, so that one
	// received as 0 is taken for absent and left open: the real spacer's
	// defect (SPC-C-06).
	ZeroFdAbsent ClientBreak = "zero-fd-absent"
)

// ClientBreakRequirement maps each client break to the requirement it
// violates.
var ClientBreakRequirement = map[ClientBreak]string{
	ClientNone:   "",
	NoTypeDefs:   "SPC-C-01",
	SmallRoom:    "SPC-C-02",
	KeepStrayFds: "SPC-C-03",
	DropReason:   "SPC-C-04",

	AcceptBadSubspace: "SPC-C-05",
	ZeroFdAbsent:      "SPC-C-06",
}

// clientRoom is the fds a Client has ancillary room for: more than any
// response carries, fewer than the kernel's limit, so a flood is seen;
// smallRoom is a SmallRoom client's.
const (
	clientRoom = 16
	smallRoom  = 3
)

// Errors of the fake client.
var (
	ErrTruncated          = errors.New("response fds truncated (MSG_CTRUNC)")
	ErrFailed             = errors.New("request failed")
	ErrUnknownClientBreak = errors.New("unknown client break")
	ErrFdCount            = errors.New("wrong number of fds")
	ErrLowFd              = errors.New("received fd below 3 not movable")
)

// moveLowFds moves every fd below 3 in fds (the kernel gives the lowest
// free numbers, 0 among them where it was free) above 2, in place, so that
// none is taken for absent. One that cannot be moved is closed, its place
// set to -1, and reported.
func moveLowFds(fds []int) error {
	var err error
	for i, fd := range fds {
		if fd >= 3 {
			continue
		}
		moved, dupErr := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 3)
		_ = unix.Close(fd)
		fds[i] = moved
		if dupErr != nil {
			fds[i] = -1
			err = fmt.Errorf("%w: fd %d: %w", ErrLowFd, fd, dupErr)
		}
	}
	return err
}

// Client is a spacer client that breaks at most one client requirement.
type Client struct {
	raw     *RawClient
	brk     ClientBreak
	timeout time.Duration
	sent    bool
	stray   []int // KeepStrayFds: never closed, on purpose
}

// NewClient returns a fake client with break b on uc, which it owns from
// now on; timeout bounds each send and receive (0: DefaultTimeout).
func NewClient(uc *net.UnixConn, b ClientBreak, timeout time.Duration) (*Client, error) {
	if _, ok := ClientBreakRequirement[b]; !ok {
		uc.Close()
		return nil, fmt.Errorf("%w: break is %q, allowed none, no-type-defs, small-room, keep-stray-fds, drop-reason, accept-bad-subspace, zero-fd-absent", ErrUnknownClientBreak, b)
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	room := clientRoom
	if b == SmallRoom {
		room = smallRoom
	}
	return &Client{raw: newRawClient(uc, timeout, room), brk: b, timeout: timeout}, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.raw.Close() }

// Do sends req and returns the response, an ErrorResponse as a value; the
// caller owns the fds in it.
func (c *Client) Do(ctx context.Context, req api.Request) (api.Response, error) {
	timeout := c.timeout
	if deadline, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(deadline))
	}
	c.raw.SetTimeout(timeout)
	if c.brk == NoTypeDefs && !c.sent {
		c.sent = true
		if err := c.sendWithoutTypeDefs(req); err != nil {
			return nil, err
		}
	}
	c.sent = true
	if err := c.raw.Send(req); err != nil {
		return nil, err
	}
	got, err := c.raw.Receive()
	if err != nil {
		return nil, err
	}
	if got.Flags&unix.MSG_CTRUNC != 0 && c.brk != SmallRoom {
		got.Close()
		return nil, ErrTruncated
	}
	if c.brk != ZeroFdAbsent {
		if err := moveLowFds(got.Fds); err != nil {
			got.Close()
			return nil, err
		}
	}
	if e, ok := got.Response.(api.FdsEncoder); ok {
		_ = e.EncodeFds() // the body's numbers are the sender's, not ours
	}
	switch resp := got.Response.(type) {
	case *api.RoomsResponse:
		if c.brk == KeepStrayFds {
			c.placeKeeping(resp, got.Fds)
		} else {
			resp.DecodeFds(got.Fds)
		}
		return resp, nil
	case *api.SubspaceResponse:
		if sreq, ok := req.(*api.SubspaceRequest); ok && c.brk != AcceptBadSubspace {
			if want := 2 + bits.OnesCount64(sreq.Spaces&api.SubspaceSpaces); len(got.Fds) != want {
				n := len(got.Fds)
				got.Close()
				return nil, fmt.Errorf("%w: SubspaceResponse fds is %d, allowed %d", ErrFdCount, n, want)
			}
		}
		resp.DecodeFds(got.Fds)
		return resp, nil
	case *api.ErrorResponse:
		if c.brk == KeepStrayFds {
			c.stray = append(c.stray, got.Fds...)
		} else {
			got.Close()
		}
		if c.brk == DropReason {
			return nil, ErrFailed
		}
		return resp, nil
	}
	got.Close()
	return nil, fmt.Errorf("response type is %T, allowed an api response", got.Response)
}

// sendWithoutTypeDefs sends req without its type definitions and drops
// the service's answer; then it starts its gob stream afresh, in step with
// a service that never learnt a type, so that only SPC-C-01 sees the break.
func (c *Client) sendWithoutTypeDefs(req api.Request) error {
	b, err := EncodeWithoutTypeDefs(req)
	if err != nil {
		return err
	}
	if err := c.raw.SendBytes(b); err != nil {
		return err
	}
	got, err := c.raw.Receive()
	if err != nil {
		return err
	}
	got.Close()
	c.raw.ResetEncoder()
	return nil
}

// placeKeeping sorts fds into resp by namespace type and leaves the rest
// open.
func (c *Client) placeKeeping(resp *api.RoomsResponse, fds []int) {
	fields := roomsFields(resp)
	for _, fd := range fds {
		placed := false
		if t, err := api.NamespaceType(fd); err == nil {
			for _, f := range fields {
				if f.flag == t && *f.field == 0 {
					*f.field, placed = fd, true
					break
				}
			}
		}
		if !placed {
			c.stray = append(c.stray, fd)
		}
	}
}
