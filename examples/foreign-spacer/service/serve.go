// Package service is a spacer service: it creates namespaces for its
// client and hands them over as fds, and starts sub-services in new user
// and PID namespaces that serve the same protocol.
//
// Sub-services are the running binary re-executed under Arg0, which this
// package's init recognises: any binary importing it serves fd 3 when
// started so, and may use that for its own service processes too.
package service

import (
	"fmt"
	"net"
	"os"
	"time"

	"example.com/foreign-spacer/api"
	"example.com/foreign-spacer/internal/fdkind"
	"example.com/foreign-spacer/internal/msg"
)

// Bounds of Serve's waits: for the next request, and for each response to
// go out.
var (
	IdleTimeout  = 10 * time.Minute
	WriteTimeout = 10 * time.Second
)

// The reasons of the ErrorResponses for invalid Spaces.
const (
	ReasonNoSpace    = "no space requested"
	ReasonOutOfSpace = "out of space"
)

// Serve answers the requests on conn until the client disconnects, then
// closes conn: nil on a disconnect, else the error that ended the
// connection. Requests it cannot decode get an ErrorResponse while the gob
// stream stays in step. Sub-services outlive Serve: each ends when its
// Conn is closed.
func Serve(conn *net.UnixConn) error {
	c := msg.New(conn)
	defer c.Close()
	for {
		r, err := c.Receive(time.Now().Add(IdleTimeout))
		if msg.Disconnected(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("spacer service: receiving a request: %w", err)
		}
		fdkind.CloseAll(r.Fds) // no request carries any
		if r.Oversize {
			// the rest of that message is still on the stream: no next
			// request can be found in it
			_ = send(c, refusal("a message above %d bytes", msg.MaxSize))
			return fmt.Errorf("spacer service: a message above %d bytes", msg.MaxSize)
		}
		fdsCame := ""
		if len(r.Fds) > 0 || r.Truncated || r.LowFd != nil {
			fdsCame = fmt.Sprintf("a request came with fds (%d, closed), allowed none", len(r.Fds))
		}
		refused := false // one refusal for what this recvmsg brought amiss
		for c.More() {
			var req api.Request
			var resp api.Response
			switch err := c.Decode(&req); {
			case err != nil:
				resp, refused = refusal("undecodable request: %v", err), true
			case fdsCame != "":
				resp, fdsCame = refusal("%s", fdsCame), ""
			default:
				resp = handle(req)
			}
			if err := send(c, resp); err != nil {
				return sendFailed(err)
			}
		}
		if r.Tail > 0 && !refused {
			if err := send(c, refusal("%d bytes that are no whole gob message", r.Tail)); err != nil {
				return sendFailed(err)
			}
		}
	}
}

// ServeFd serves the connected unix socket at fd, as a service process
// does with fd 3.
func ServeFd(fd int) error {
	f := os.NewFile(uintptr(fd), "spacer socket")
	if f == nil {
		return fmt.Errorf("spacer service: fd %d is not open", fd)
	}
	conn, err := net.FileConn(f)
	f.Close() // FileConn holds a copy
	if err != nil {
		return fmt.Errorf("spacer service: fd %d: %w", fd, err)
	}
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		conn.Close()
		return fmt.Errorf("spacer service: fd %d is a %T, allowed a unix socket", fd, conn)
	}
	return Serve(uc)
}

func handle(req api.Request) api.Response {
	switch r := req.(type) {
	case *api.RoomsRequest:
		if bad := checkSpaces(r.Spaces, fdkind.RoomsSpaces); bad != nil {
			return bad
		}
		return rooms(r.Spaces)
	case *api.SubspaceRequest:
		if bad := checkSpaces(r.Spaces, fdkind.SubspaceSpaces); bad != nil {
			return bad
		}
		return subspace(r.Spaces)
	case nil:
		return refusal("a nil request")
	default:
		return refusal("unknown request %T", req)
	}
}

func checkSpaces(spaces, allowed uint64) *api.ErrorResponse {
	switch {
	case spaces == 0:
		return &api.ErrorResponse{Reason: ReasonNoSpace}
	case spaces&^allowed != 0:
		return &api.ErrorResponse{Reason: ReasonOutOfSpace}
	}
	return nil
}

func refusal(format string, args ...any) *api.ErrorResponse {
	return &api.ErrorResponse{Reason: fmt.Sprintf(format, args...)}
}

// send sends resp, its fds as SCM_RIGHTS, and closes them.
func send(c *msg.Conn, resp api.Response) error {
	var fds []int
	if e, ok := resp.(api.FdsEncoder); ok {
		fds = e.EncodeFds()
	}
	return c.Send(&resp, fds, time.Now().Add(WriteTimeout))
}

func sendFailed(err error) error {
	if msg.Disconnected(err) {
		return nil
	}
	return fmt.Errorf("spacer service: sending a response: %w", err)
}
