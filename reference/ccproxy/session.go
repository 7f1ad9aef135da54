package ccproxy

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
	"github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
)

// ErrCommand is wrapped by every error a command answers with.
var ErrCommand = errors.New("command failed")

// commandError builds the message of an error response.
func commandError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCommand}, args...)...)
}

// session is one client connection, in the runtime role, the shim role, or
// neither yet.
type session struct {
	srv  *Server
	conn net.Conn
	w    *api.Writer

	vm   *vm    // attached VM (runtime role); only the serving goroutine touches it
	shim *token // claimed token (shim role)
}

// write sends one frame, bounded by FrameTimeout so a shim that stops
// reading cannot stall the VM's output.
func (ss *session) write(f api.Frame) error {
	if err := ss.conn.SetWriteDeadline(time.Now().Add(ss.srv.cfg.FrameTimeout)); err != nil {
		return err
	}
	return ss.w.WriteFrame(f)
}

// serve reads frames in order until the peer leaves or breaks the protocol;
// a hostile header ends this connection only (CCP-S-05, -06, -08).
func (ss *session) serve() {
	defer ss.end()
	fr := newFrameReader(ss.conn, ss.srv.cfg)
	for {
		f, err := fr.next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				ss.srv.cfg.Logger.Info("closing connection", "error", err)
			}
			return
		}
		if !ss.handle(f) {
			return
		}
	}
}

// end releases what the connection held: a claimed token becomes free again;
// VMs stay (CCP-S-37).
func (ss *session) end() {
	if ss.shim != nil {
		ss.shim.detach(ss)
	}
	ss.conn.Close()
	ss.srv.mu.Lock()
	delete(ss.srv.sessions, ss)
	ss.srv.mu.Unlock()
}

// handle serves one frame; false closes the connection.
func (ss *session) handle(f api.Frame) bool {
	switch f.Header.Type {
	case api.TypeCommand:
		return ss.command(f)
	case api.TypeStream:
		switch f.Header.Opcode {
		case api.StreamStdin:
			ss.stdin(f.Payload)
		case api.StreamLog:
			ss.log(f.Payload)
		}
		// stdout/stderr from a client get no answer (CCP-S-09).
	}
	// responses and notifications from a client get no answer (CCP-S-09).
	return true
}

// command answers exactly one response with the command's opcode
// (CCP-S-11), except DisconnectShim from a shim, which closes.
func (ss *session) command(f api.Frame) bool {
	op := f.Header.Opcode
	var resp any
	var err error
	switch op {
	case api.CmdRegisterVM:
		resp, err = ss.registerVM(f.Payload)
	case api.CmdUnregisterVM:
		err = ss.unregisterVM(f.Payload)
	case api.CmdAttachVM:
		resp, err = ss.attachVM(f.Payload)
	case api.CmdHyper:
		resp, err = ss.hyper(f.Payload)
	case api.CmdConnectShim:
		err = ss.connectShim(f.Payload)
	case api.CmdDisconnectShim:
		if ss.shim != nil {
			ss.shim.release(ss)
			ss.shim = nil
			return false // no response: the proxy closes the shim and releases the token (CCP-S-27)
		}
		err = commandError("DisconnectShim on a connection that is not a shim (no ConnectShim before)")
	case api.CmdSignal:
		err = ss.signal(f.Payload)
	}
	if err != nil {
		return ss.writeError(op, err) == nil
	}
	payload, err := api.MarshalPayload(resp)
	if err != nil {
		return ss.writeError(op, err) == nil
	}
	return ss.write(api.NewFrame(api.TypeResponse, op, false, payload)) == nil
}

// writeError answers an error response {"msg": ...} (CCP-S-12).
func (ss *session) writeError(op uint8, err error) error {
	payload, _ := api.MarshalPayload(api.ErrorResponse{Message: err.Error()})
	return ss.write(api.NewFrame(api.TypeResponse, op, true, payload))
}

func decode(payload []byte, v any) error {
	if err := api.UnmarshalPayload(payload, v); err != nil {
		return commandError("%v", err)
	}
	return nil
}

func (ss *session) registerVM(payload []byte) (any, error) {
	var p api.RegisterVM
	if err := decode(payload, &p); err != nil {
		return nil, err
	}
	switch {
	case p.ContainerID == "":
		return nil, commandError("RegisterVM: containerId is empty, allowed a non-empty id")
	case p.CtlSerial == "":
		return nil, commandError("RegisterVM: ctlSerial is empty, allowed the agent's ctl socket path")
	case p.IoSerial == "":
		return nil, commandError("RegisterVM: ioSerial is empty, allowed the agent's io socket path")
	case p.NumIOStreams < 0 || p.NumIOStreams > ss.srv.cfg.MaxIOStreams:
		return nil, commandError("RegisterVM: numIOStreams is %d, allowed 0..%d", p.NumIOStreams, ss.srv.cfg.MaxIOStreams)
	}
	srv := ss.srv
	srv.mu.Lock()
	if _, dup := srv.vms[p.ContainerID]; dup {
		srv.mu.Unlock()
		return nil, commandError("RegisterVM: containerId %q is already registered", p.ContainerID)
	}
	srv.vms[p.ContainerID] = nil // reserved while dialling
	srv.mu.Unlock()

	v, err := dialAgent(srv, p.ContainerID, p.CtlSerial, p.IoSerial)
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if err == nil && srv.closed {
		v.close()
		err = ErrServerClosed
	}
	if err != nil {
		delete(srv.vms, p.ContainerID)
		return nil, commandError("RegisterVM %q: %v", p.ContainerID, err)
	}
	tokens, err := v.allocateTokens(p.NumIOStreams)
	if err != nil {
		delete(srv.vms, p.ContainerID)
		v.close()
		return nil, commandError("RegisterVM %q: %v", p.ContainerID, err)
	}
	srv.vms[p.ContainerID] = v
	srv.wg.Add(1)
	go func() {
		defer srv.wg.Done()
		v.serveIO()
	}()
	ss.vm = v
	return api.RegisterVMResponse{IO: api.IOResponse{URL: srv.cfg.URL, Tokens: tokens}}, nil
}

// lookupVM finds a registered VM; called with srv.mu held.
func (ss *session) lookupVM(cmd, id string) (*vm, error) {
	v := ss.srv.vms[id]
	if v == nil {
		return nil, commandError("%s: containerId %q is not registered", cmd, id)
	}
	return v, nil
}

func (ss *session) attachVM(payload []byte) (any, error) {
	var p api.AttachVM
	if err := decode(payload, &p); err != nil {
		return nil, err
	}
	if p.NumIOStreams < 0 || p.NumIOStreams > ss.srv.cfg.MaxIOStreams {
		return nil, commandError("AttachVM: numIOStreams is %d, allowed 0..%d", p.NumIOStreams, ss.srv.cfg.MaxIOStreams)
	}
	ss.srv.mu.Lock()
	defer ss.srv.mu.Unlock()
	v, err := ss.lookupVM("AttachVM", p.ContainerID)
	if err != nil {
		return nil, err
	}
	tokens, err := v.allocateTokens(p.NumIOStreams)
	if err != nil {
		return nil, commandError("AttachVM %q: %v", p.ContainerID, err)
	}
	ss.vm = v
	return api.AttachVMResponse{IO: api.IOResponse{URL: ss.srv.cfg.URL, Tokens: tokens}}, nil
}

func (ss *session) unregisterVM(payload []byte) error {
	var p api.UnregisterVM
	if err := decode(payload, &p); err != nil {
		return err
	}
	srv := ss.srv
	srv.mu.Lock()
	v, err := ss.lookupVM("UnregisterVM", p.ContainerID)
	if err != nil {
		srv.mu.Unlock()
		return err
	}
	delete(srv.vms, p.ContainerID)
	for _, t := range v.tokens {
		delete(srv.tokens, t.value)
	}
	srv.mu.Unlock()
	if ss.vm == v {
		ss.vm = nil
	}
	v.close()
	return nil
}

func (ss *session) connectShim(payload []byte) error {
	var p api.ConnectShim
	if err := decode(payload, &p); err != nil {
		return err
	}
	if ss.shim != nil {
		return commandError("ConnectShim: this connection is already the shim of a token")
	}
	ss.srv.mu.Lock()
	t := ss.srv.tokens[p.Token]
	ss.srv.mu.Unlock()
	if t == nil {
		return commandError("ConnectShim: token %q is unknown", p.Token)
	}
	if !t.attach(ss) {
		return commandError("ConnectShim: token %q is claimed by another shim", p.Token)
	}
	ss.shim = t
	return nil
}

func (ss *session) stdin(data []byte) {
	if ss.shim == nil {
		ss.srv.cfg.Logger.Warn("stdin before ConnectShim dropped", "bytes", len(data))
		return
	}
	if err := ss.shim.vm.stdin(ss.shim.ioBase, data); err != nil {
		ss.srv.cfg.Logger.Warn("stdin to agent", "error", err)
	}
}

func (ss *session) log(payload []byte) {
	var e api.LogEntry
	if err := api.UnmarshalPayload(payload, &e); err != nil {
		ss.srv.cfg.Logger.Warn("bad log entry", "error", err)
		return
	}
	ss.srv.cfg.Logger.Info(e.Message, "source", e.Source, "containerId", e.ContainerID, "level", e.Level)
}

func (ss *session) signal(payload []byte) error {
	var p api.Signal
	if err := decode(payload, &p); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return commandError("Signal: %v", err)
	}
	t := ss.shim
	if t == nil {
		return commandError("Signal on a connection that is not a shim (no ConnectShim before)")
	}
	started, startedBy, container, stdio := t.startState()
	if !started {
		if p.SignalNumber == api.SIGKILL || p.SignalNumber == api.SIGTERM {
			t.exitBeforeStart()
			return nil
		}
		return commandError("Signal %d: the process of this token has not started", p.SignalNumber)
	}
	var code hyperstart.Code
	var msg any
	switch {
	case p.SignalNumber == api.SIGWINCH:
		code, msg = hyperstart.WinSize, hyperstart.WindowSizeMessage{Seq: stdio, Row: uint16(p.Rows), Column: uint16(p.Columns)}
	case startedBy == "execcmd":
		// hyperstart signals containers, not processes: killcontainer
		// would hit the container's init (CCP-S-30).
		return commandError("Signal %d: the process of this token was started by execcmd, and hyperstart can signal only a container (started by newcontainer)", p.SignalNumber)
	default:
		code, msg = hyperstart.KillContainer, hyperstart.KillCommand{Container: container, Signal: p.SignalNumber}
	}
	data, _ := json.Marshal(msg)
	if _, err := t.vm.command(code, data); err != nil {
		return commandError("Signal %d: %v", p.SignalNumber, err)
	}
	return nil
}
