package ccproxy

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
	"github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
)

// Errors the agent side of a VM reports; wrapped with what was seen.
var (
	ErrAgentNotReady = errors.New("agent did not send READY")
	ErrAgentError    = errors.New("agent answered ERROR")
	ErrAgentProtocol = errors.New("agent broke the hyperstart protocol")
	ErrVMClosed      = errors.New("VM is closed")
)

// firstIOBase is the io sequence number of a VM's first token; each token
// takes two (stdio, stderr).
const firstIOBase = 3

// vm is one registered VM: the agent's ctl and io channels and the tokens
// handed out for it.
type vm struct {
	srv *Server
	id  string

	ctl    net.Conn
	ctlMu  sync.Mutex // one ctl command in flight, replies in order
	ctlBuf *bufio.Reader
	io     net.Conn
	ioMu   sync.Mutex // io frames from several shims never interleave

	// under srv.mu
	nextIOBase uint64
	tokens     []*token
	routes     map[uint64]*token

	closeOnce sync.Once
	closed    chan struct{} // closed by close: ends waits for this VM's shims
}

// dialAgent dials the agent's ctl then io socket and waits for READY on ctl
// (CCP-S-14), bounded by ReadyTimeout (CCP-S-16). It sends no ctl command.
func dialAgent(srv *Server, id, ctlPath, ioPath string) (*vm, error) {
	cfg := srv.cfg
	ctl, err := net.DialTimeout("unix", ctlPath, cfg.DialTimeout)
	if err != nil {
		return nil, fmt.Errorf("dial ctlSerial %q: %w", ctlPath, err)
	}
	ioc, err := net.DialTimeout("unix", ioPath, cfg.DialTimeout)
	if err != nil {
		ctl.Close()
		return nil, fmt.Errorf("dial ioSerial %q: %w", ioPath, err)
	}
	v := &vm{srv: srv, id: id, ctl: ctl, ctlBuf: bufio.NewReader(ctl), io: ioc, nextIOBase: firstIOBase, routes: map[uint64]*token{}, closed: make(chan struct{})}
	if err := ctl.SetReadDeadline(time.Now().Add(cfg.ReadyTimeout)); err != nil {
		v.close()
		return nil, err
	}
	f, err := hyperstart.ReadCtlFrame(v.ctlBuf)
	if err != nil {
		v.close()
		return nil, fmt.Errorf("%w: waiting %s for READY: %w", ErrAgentNotReady, cfg.ReadyTimeout, err)
	}
	if f.Code != hyperstart.Ready {
		v.close()
		return nil, fmt.Errorf("%w: first ctl frame is %s, allowed READY", ErrAgentNotReady, f.Code)
	}
	return v, nil
}

// command sends one ctl command and returns the ACK payload; ERROR gives an
// error with the agent's text. A reply that does not come within AgentTimeout
// leaves the ctl stream out of step, so the VM's ctl channel is closed.
func (v *vm) command(code hyperstart.Code, data []byte) ([]byte, error) {
	v.ctlMu.Lock()
	defer v.ctlMu.Unlock()
	if err := hyperstart.WriteCtlFrame(v.ctl, hyperstart.CtlFrame{Code: code, Payload: data}); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrVMClosed, err)
	}
	if err := v.ctl.SetReadDeadline(time.Now().Add(v.srv.cfg.AgentTimeout)); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrVMClosed, err)
	}
	for {
		f, err := hyperstart.ReadCtlFrame(v.ctlBuf)
		if err != nil {
			v.ctl.Close()
			return nil, fmt.Errorf("%w: no reply to %s: %w", ErrAgentProtocol, code, err)
		}
		switch f.Code {
		case hyperstart.Next:
			continue
		case hyperstart.Ack:
			return f.Payload, nil
		case hyperstart.Error:
			msg := string(f.Payload)
			if msg == "" {
				msg = "(no text)"
			}
			return nil, fmt.Errorf("%w to %s: %s", ErrAgentError, code, msg)
		default:
			v.ctl.Close()
			return nil, fmt.Errorf("%w: reply to %s is %s, allowed ACK or ERROR", ErrAgentProtocol, code, f.Code)
		}
	}
}

// stdin forwards a shim's stdin to the agent on seq, split to the agent's
// frame limit (CCP-S-33); empty data is one empty frame, the EOF.
func (v *vm) stdin(seq uint64, data []byte) error {
	v.ioMu.Lock()
	defer v.ioMu.Unlock()
	if err := v.io.SetWriteDeadline(time.Now().Add(v.srv.cfg.FrameTimeout)); err != nil {
		return err
	}
	for {
		n := min(len(data), hyperstart.IOMaxData)
		if err := hyperstart.WriteIOFrame(v.io, hyperstart.IOFrame{Seq: seq, Data: data[:n]}); err != nil {
			return err
		}
		data = data[n:]
		if len(data) == 0 {
			return nil
		}
	}
}

// serveIO routes the agent's output to the tokens' shims until the io
// channel ends; then the VM's shims are closed (CCP-S-38).
func (v *vm) serveIO() {
	defer v.closeShims()
	r := bufio.NewReader(v.io)
	for {
		if err := v.io.SetReadDeadline(time.Time{}); err != nil {
			return
		}
		if _, err := r.Peek(1); err != nil {
			return
		}
		if err := v.io.SetReadDeadline(time.Now().Add(v.srv.cfg.FrameTimeout)); err != nil {
			return
		}
		f, err := hyperstart.ReadIOFrame(r)
		if err != nil {
			v.srv.cfg.Logger.Warn("agent io channel", "vm", v.id, "error", err)
			return
		}
		v.srv.mu.Lock()
		tok := v.routes[f.Seq]
		v.srv.mu.Unlock()
		if tok == nil {
			if f.Seq != nullStdio && f.Seq != nullStderr { // the null session's output is discarded
				v.srv.cfg.Logger.Warn("agent io frame for no process", "vm", v.id, "seq", f.Seq)
			}
			continue
		}
		tok.output(f)
	}
}

// closeShims closes the connection of every shim of this VM.
func (v *vm) closeShims() {
	v.srv.mu.Lock()
	tokens := append([]*token(nil), v.tokens...)
	v.srv.mu.Unlock()
	for _, t := range tokens {
		t.dropShim()
	}
}

// close ends both agent channels; serveIO then closes the shims.
func (v *vm) close() {
	v.closeOnce.Do(func() {
		close(v.closed)
		v.ctl.Close()
		v.io.Close()
	})
}

// allocateTokens hands out n new tokens, each with its own pair of io
// sequence numbers. Called with srv.mu held.
func (v *vm) allocateTokens(n int) ([]string, error) {
	if n == 0 {
		return nil, nil
	}
	values := make([]string, 0, n)
	for range n {
		t, err := newToken(v, v.nextIOBase)
		if err != nil {
			return nil, err
		}
		v.nextIOBase += 2
		v.tokens = append(v.tokens, t)
		v.routes[t.ioBase] = t
		v.routes[t.ioBase+1] = t
		v.srv.tokens[t.value] = t
		values = append(values, t.value)
	}
	return values, nil
}

// exitedFrame is the ProcessExited notification: one raw byte.
func exitedFrame(code byte) api.Frame {
	return api.NewFrame(api.TypeNotification, api.NotificationProcessExited, false, []byte{code})
}
