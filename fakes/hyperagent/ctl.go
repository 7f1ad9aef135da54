package hyperagent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"time"

	"github.com/wirecert/wirecert/fakes/wiretap"
	"github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
)

// Command is one ctl frame the Agent received, and when.
type Command struct {
	// Code is the frame's command code.
	Code hyperstart.Code
	// Payload is the frame's payload, as received.
	Payload []byte
	// At is when the Agent received it.
	At time.Time
}

// ReplyFunc answers a command with a code (normally hyperstart.Ack or
// hyperstart.Error) and a payload, or with NoReply.
type ReplyFunc func(Command) (hyperstart.Code, []byte)

// NoReply, returned by a ReplyFunc, makes the Agent send nothing for that
// command (a hung agent, for proxy timeouts); later commands are still
// answered, so the dropped reply is never confused with theirs.
const NoReply hyperstart.Code = 0xffffffff

// Reply scripts the answer to every later command with code; a nil fn
// restores the default, ACK with an empty payload.
func (a *Agent) Reply(code hyperstart.Code, fn ReplyFunc) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if fn == nil {
		delete(a.replies, code)
		return
	}
	a.replies[code] = fn
}

// Commands lists the ctl frames received so far, in order.
func (a *Agent) Commands() []Command {
	a.mu.Lock()
	defer a.mu.Unlock()
	cmds := make([]Command, len(a.commands))
	for i, c := range a.commands {
		cmds[i] = Command{Code: c.Code, Payload: bytes.Clone(c.Payload), At: c.At}
	}
	return cmds
}

// WaitCommand waits for the first command with code (which may have arrived
// already) and returns it.
func (a *Agent) WaitCommand(ctx context.Context, code hyperstart.Code) (Command, error) {
	var found Command
	err := a.wait(ctx, func() bool {
		i := slices.IndexFunc(a.commands, func(c Command) bool { return c.Code == code })
		if i < 0 {
			return false
		}
		found = a.commands[i]
		return true
	})
	if err != nil {
		return Command{}, fmt.Errorf("hyperagent: waiting for %s: %w", code, err)
	}
	found.Payload = bytes.Clone(found.Payload)
	return found, nil
}

// SendCtl sends f on the ctl channel, for unsolicited or malformed-on-purpose
// frames (a late READY, a stray ACK). The size limits of WriteCtlFrame apply.
func (a *Agent) SendCtl(f hyperstart.CtlFrame) error {
	a.mu.Lock()
	conn, closed := a.ctl, a.closed
	a.mu.Unlock()
	if closed {
		return fmt.Errorf("hyperagent: sending %s on ctl: %w", f.Code, ErrClosed)
	}
	if conn == nil {
		return fmt.Errorf("hyperagent: sending %s on ctl: %w", f.Code, ErrNotConnected)
	}
	a.ctlWrite.Lock()
	defer a.ctlWrite.Unlock()
	return hyperstart.WriteCtlFrame(wiretap.Writer(conn, a.ctlTap), f)
}

// CloseCtl drops the ctl connection; the io channel stays.
func (a *Agent) CloseCtl() error { return a.closeChannel("ctl", &a.ctl, a.ctlTap) }

// closeChannel drops the connection in *slot (a.ctl or a.io) and wakes
// the waiters.
func (a *Agent) closeChannel(channel string, slot **net.UnixConn, tap *wiretap.Channel) error {
	a.mu.Lock()
	conn := *slot
	*slot = nil
	a.notifyLocked()
	a.mu.Unlock()
	if conn == nil {
		return fmt.Errorf("hyperagent: closing %s: %w", channel, ErrNotConnected)
	}
	if err := conn.Close(); err != nil {
		return err
	}
	tap.Closed(wiretap.Sent, "closed (the agent closed "+channel+")")
	return nil
}

// serveCtl records each ctl frame and answers it, until the connection ends.
func (a *Agent) serveCtl(conn *net.UnixConn) {
	defer a.wg.Done()
	defer a.dropCtl(conn)
	r, w := wiretap.Reader(conn, a.ctlTap), wiretap.Writer(conn, a.ctlTap)
	for {
		f, err := hyperstart.ReadCtlFrame(r)
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				a.recordError(fmt.Errorf("hyperagent: ctl: %w", err))
			}
			return
		}
		cmd := Command{Code: f.Code, Payload: f.Payload, At: time.Now()}
		a.mu.Lock()
		a.commands = append(a.commands, cmd)
		fn := a.replies[f.Code]
		a.notifyLocked()
		a.mu.Unlock()

		code, payload := hyperstart.Ack, []byte(nil)
		if fn != nil {
			code, payload = fn(Command{Code: cmd.Code, Payload: bytes.Clone(cmd.Payload), At: cmd.At})
		}
		if code == NoReply {
			continue
		}
		a.ctlWrite.Lock()
		err = hyperstart.WriteCtlFrame(w, hyperstart.CtlFrame{Code: code, Payload: payload})
		a.ctlWrite.Unlock()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				a.recordError(fmt.Errorf("hyperagent: ctl reply to %s: %w", f.Code, err))
			}
			return
		}
	}
}

// dropCtl closes conn and marks ctl disconnected if conn is still current.
func (a *Agent) dropCtl(conn *net.UnixConn) {
	a.mu.Lock()
	if a.ctl == conn {
		a.ctl = nil
	}
	a.notifyLocked()
	a.mu.Unlock()
	_ = conn.Close()
}
