package faultyproxy

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
	"github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
)

// The server faults: each breaks one CCP-S requirement, the way a real
// proxy could (several are the real cc-proxy's known defects).
func init() {
	register("CCP-S-01", Fault{Requirement: "CCP-S-01", What: "responses carry a non-zero reserved byte 3",
		OnServerFrame: func(_ *Link, f api.Frame) []byte {
			if f.Header.Type == api.TypeResponse {
				f.Header.Reserved3 = 0x5a
			}
			return raw(f)
		}})
	register("CCP-S-02", Fault{Requirement: "CCP-S-02", What: "error responses lack the E flag",
		OnServerFrame: func(_ *Link, f api.Frame) []byte {
			f.Header.Error = false
			return raw(f)
		}})
	register("CCP-S-03", Fault{Requirement: "CCP-S-03", What: "a header that arrives in more than one read drops the connection (the real proxy reads it with one read())",
		OnClientHeader: func(_ *Link, h *ClientHeader) Action {
			if h.Fragmented {
				return Close
			}
			return Forward
		}})
	register("CCP-S-03-must-payload", Fault{Requirement: "CCP-S-03", What: "a payload that arrives in more than one read drops the connection (it is read with one read())",
		PayloadInOneRead: true})
	register("CCP-S-04", Fault{Requirement: "CCP-S-04", What: "HeaderLength > 3 closes the connection",
		OnClientHeader: func(_ *Link, h *ClientHeader) Action {
			if h.HeaderLength > api.MinHeaderLength {
				return Close
			}
			return Forward
		}})
	register("CCP-S-05", Fault{Requirement: "CCP-S-05", What: "HeaderLength < 3 crashes the whole proxy (the real proxy panics)",
		OnClientHeader: func(_ *Link, h *ClientHeader) Action {
			if h.HeaderLength < api.MinHeaderLength {
				return Crash
			}
			return Forward
		}})
	register("CCP-S-06", Fault{Requirement: "CCP-S-06", What: "a bad Version is served as if it were 2",
		OnClientHeader: func(_ *Link, h *ClientHeader) Action {
			h.Version = api.Version
			return Forward
		}})
	register("CCP-S-06-must-opcode", Fault{Requirement: "CCP-S-06", What: "an opcode out of range is served as a valid one: a command's as AttachVM, a stream's as stdin",
		OnClientHeader: func(_ *Link, h *ClientHeader) Action {
			switch {
			case h.Type == api.TypeCommand && h.Opcode > api.CmdSignal:
				h.Opcode = api.CmdAttachVM
			case h.Type == api.TypeStream && h.Opcode > api.StreamLog:
				h.Opcode = api.StreamStdin
			}
			return Forward
		}})
	register("CCP-S-06-must-type", Fault{Requirement: "CCP-S-06", What: "a frame of Type 4 or more, or a response or notification with an opcode out of range, is swallowed and the connection kept open",
		OnClientHeader: func(_ *Link, h *ClientHeader) Action {
			if h.Type > api.TypeNotification || (h.Type == api.TypeResponse && h.Opcode > api.CmdSignal) ||
				(h.Type == api.TypeNotification && h.Opcode > api.NotificationProcessExited) {
				// A header the relay can read past: its payload is taken
				// and dropped.
				h.Type, h.Opcode = api.TypeStream, api.StreamStdin
				return Drop
			}
			return Forward
		}})
	register("CCP-S-07-must", Fault{Requirement: "CCP-S-07", What: "reserved bits set close the connection",
		OnClientHeader: func(_ *Link, h *ClientHeader) Action {
			if h.CheckReserved() != nil {
				return Close
			}
			return Forward
		}})
	register("CCP-S-07-should", Fault{Requirement: "CCP-S-07", What: "E on a non-response is ignored and the frame served (as the real proxy does)",
		OnClientHeader: func(_ *Link, h *ClientHeader) Action {
			if h.Type != api.TypeResponse {
				h.Error = false
			}
			return Forward
		}})
	register("CCP-S-08-must", Fault{Requirement: "CCP-S-08", What: "PayloadLength 0xFFFFFFFF crashes the proxy (the real one allocates 4 GiB)",
		OnClientHeader: func(_ *Link, h *ClientHeader) Action {
			if h.PayloadLength == 0xFFFFFFFF {
				return Crash
			}
			return Forward
		}})
	register("CCP-S-08-should", Fault{Requirement: "CCP-S-08", What: "no maximum: a 4 GiB PayloadLength is waited for forever",
		OnClientHeader: func(_ *Link, h *ClientHeader) Action {
			if h.PayloadLength > 64<<20 {
				return Hang
			}
			return Forward
		}})
	register("CCP-S-09", Fault{Requirement: "CCP-S-09", What: "client responses, notifications (E-flagged too), stdout, stderr and a non-shim's stdin get an error response",
		OnClientHeader: func(_ *Link, h *ClientHeader) Action {
			if h.Type == api.TypeNotification {
				h.Error = false // served like any notification: answered
			}
			return Forward
		},
		OnClientFrame: func(l *Link, f api.Frame) []api.Frame {
			t, op := f.Header.Type, f.Header.Opcode
			stream := t == api.TypeStream && (op == api.StreamStdout || op == api.StreamStderr || (op == api.StreamStdin && !l.IsShim()))
			if t == api.TypeResponse || t == api.TypeNotification || stream {
				_ = l.ToClient(failure(op, "unexpected frame"))
				return nil
			}
			return []api.Frame{f}
		}})
	register("CCP-S-10", Fault{Requirement: "CCP-S-10", What: "a frame's payload is held back and the next frame written inside it",
		OnServerFrame: interleave()})
	register("CCP-S-11", Fault{Requirement: "CCP-S-11", What: "every response is sent twice",
		OnServerFrame: func(_ *Link, f api.Frame) []byte {
			b := raw(f)
			if f.Header.Type == api.TypeResponse {
				return append(b, b...)
			}
			return b
		}})
	register("CCP-S-11-must", Fault{Requirement: "CCP-S-11", What: "responses cross wires: each goes out on the connection opened before the one that sent the command, when that one is still open",
		OnAccept: func(l *Link) {
			links := l.Proxy().State("links", func() any { return &linkList{} }).(*linkList)
			links.add(l)
		},
		OnClientClose: func(l *Link) {
			l.Proxy().State("links", func() any { return &linkList{} }).(*linkList).remove(l)
		},
		OnServerFrame: func(l *Link, f api.Frame) []byte {
			if f.Header.Type != api.TypeResponse {
				return raw(f)
			}
			if other := l.Proxy().State("links", func() any { return &linkList{} }).(*linkList).before(l); other != nil && other.ToClient(raw(f)) == nil {
				return nil
			}
			return raw(f)
		}})
	register("CCP-S-12", Fault{Requirement: "CCP-S-12", What: `error responses carry {"error": ...} instead of {"msg": ...}`,
		OnServerFrame: func(_ *Link, f api.Frame) []byte {
			if f.Header.Type == api.TypeResponse && f.Header.Error {
				f.Payload = bytes.Replace(f.Payload, []byte(`"msg"`), []byte(`"error"`), 1)
				f.Header.PayloadLength = uint32(len(f.Payload))
			}
			return raw(f)
		}})
	register("CCP-S-13", Fault{Requirement: "CCP-S-13", What: "RegisterVM/AttachVM responses lack the proxy URL",
		OnServerFrame: func(_ *Link, f api.Frame) []byte {
			if isResponse(f, api.CmdRegisterVM, false) || isResponse(f, api.CmdAttachVM, false) {
				var r api.RegisterVMResponse
				if json.Unmarshal(f.Payload, &r) == nil {
					r.IO.URL = ""
					return success(f.Header.Opcode, r)
				}
			}
			return raw(f)
		}})
	register("CCP-S-14", Fault{Requirement: "CCP-S-14", What: "RegisterVM sends a version command to the agent before READY",
		OnAgentDial: func(v *VMLink) {
			_ = v.InjectCtl(hyperstart.CtlFrame{Code: hyperstart.Version})
		}})
	register("CCP-S-15", Fault{Requirement: "CCP-S-15", What: "a failed RegisterVM is reported as a success",
		OnServerFrame: func(_ *Link, f api.Frame) []byte {
			if isResponse(f, api.CmdRegisterVM, true) {
				return success(api.CmdRegisterVM, api.RegisterVMResponse{})
			}
			return raw(f)
		}})
	register("CCP-S-16", Fault{Requirement: "CCP-S-16", What: "RegisterVM waits for READY forever",
		OnServerFrame: func(_ *Link, f api.Frame) []byte {
			if isResponse(f, api.CmdRegisterVM, true) && bytes.Contains(f.Payload, []byte("READY")) {
				return nil
			}
			return raw(f)
		}})
	register("CCP-S-17", Fault{Requirement: "CCP-S-17", What: "an unregistered VM can still be attached (and unregistered again)",
		OnServerFrame: func(l *Link, f api.Frame) []byte {
			gone := l.Proxy().State("unregistered", func() any { return &sync.Map{} }).(*sync.Map)
			if isResponse(f, api.CmdUnregisterVM, false) {
				if p, ok := l.LastCommand(api.CmdUnregisterVM); ok {
					var u api.UnregisterVM
					if json.Unmarshal(p, &u) == nil {
						gone.Store(u.ContainerID, true)
					}
				}
			}
			for _, op := range []uint8{api.CmdAttachVM, api.CmdUnregisterVM} {
				if !isResponse(f, op, true) {
					continue
				}
				p, _ := l.LastCommand(op)
				var id struct {
					ContainerID string `json:"containerId"`
				}
				if json.Unmarshal(p, &id) == nil {
					if _, was := gone.Load(id.ContainerID); was {
						if op == api.CmdAttachVM {
							return success(op, api.AttachVMResponse{})
						}
						return success(op, nil)
					}
				}
			}
			return raw(f)
		}})
	register("CCP-S-18", Fault{Requirement: "CCP-S-18", What: "Hyper on an unattached connection still reaches the agent",
		OnServerFrame: func(l *Link, f api.Frame) []byte {
			if isResponse(f, api.CmdHyper, true) && bytes.Contains(f.Payload, []byte("not attached")) {
				if v := l.Proxy().LastVM(); v != nil {
					if p, ok := l.LastCommand(api.CmdHyper); ok {
						if h, ok := hyperOf(p); ok {
							if code, ok := hyperstart.CodeByName(h.HyperName); ok {
								_ = v.InjectCtl(hyperstart.CtlFrame{Code: code, Payload: h.Data})
							}
						}
					}
				}
			}
			return raw(f)
		}})
	register("CCP-S-19", Fault{Requirement: "CCP-S-19", What: "the agent's ACK payload is wrapped instead of returned verbatim",
		OnServerFrame: func(_ *Link, f api.Frame) []byte {
			if isResponse(f, api.CmdHyper, false) && len(f.Payload) > 0 {
				wrapped, _ := json.Marshal(map[string]string{"result": string(f.Payload)})
				return success(api.CmdHyper, json.RawMessage(wrapped))
			}
			return raw(f)
		}})
	register("CCP-S-20", Fault{Requirement: "CCP-S-20", What: "an unknown hyperName wedges the VM: later Hyper commands are never answered",
		OnServerFrame: func(l *Link, f api.Frame) []byte {
			if isResponse(f, api.CmdHyper, true) && bytes.Contains(f.Payload, []byte("unknown, allowed one of")) {
				l.Proxy().State("wedged", func() any { return &counter{} }).(*counter).n = 1
			}
			return raw(f)
		},
		OnClientFrame: func(l *Link, f api.Frame) []api.Frame {
			if isCommand(f, api.CmdHyper) && l.Proxy().State("wedged", func() any { return &counter{} }).(*counter).n == 1 {
				return nil
			}
			return []api.Frame{f}
		}})
	register("CCP-S-21", Fault{Requirement: "CCP-S-21", What: "bad token usage is served instead of rejected: tokens on a non-start command and a token's second start are dropped, a tokenless start's prefilled stdio/stderr cleared",
		OnClientFrame: func(l *Link, f api.Frame) []api.Frame {
			if !isCommand(f, api.CmdHyper) {
				return []api.Frame{f}
			}
			h, ok := hyperOf(f.Payload)
			if !ok {
				return []api.Frame{f}
			}
			started := l.Proxy().State("started tokens", func() any { return &sync.Map{} }).(*sync.Map)
			switch {
			case !isStart(h.HyperName) && len(h.Tokens) > 0:
				h.Tokens = nil
			case isStart(h.HyperName) && len(h.Tokens) == 1:
				if _, again := started.LoadOrStore(h.Tokens[0], true); again {
					h.Tokens = nil
				}
			case isStart(h.HyperName) && len(h.Tokens) == 0:
				if b, err := hyperstart.RelocateProcess(h.HyperName, h.Data, 0, 0); err == nil {
					h.Data = b
				}
			default:
				return []api.Frame{f}
			}
			f.Payload, _ = json.Marshal(h)
			return []api.Frame{f}
		}})
	register("CCP-S-22", Fault{Requirement: "CCP-S-22", What: "relocated sequence numbers, the null session's too, are shifted by 100 (io translated back, so only the numbering is wrong)",
		OnClientFrame: func(l *Link, f api.Frame) []api.Frame {
			if isCommand(f, api.CmdHyper) {
				if h, ok := hyperOf(f.Payload); ok && isStart(h.HyperName) && len(h.Tokens) <= 1 {
					l.Proxy().State("relocated", func() any { return &atomic.Int32{} }).(*atomic.Int32).Add(1)
				}
			}
			if isCommand(f, api.CmdSignal) {
				var sig api.Signal
				if json.Unmarshal(f.Payload, &sig) == nil && sig.SignalNumber == api.SIGWINCH {
					l.Proxy().State("resized", func() any { return &atomic.Int32{} }).(*atomic.Int32).Add(1)
				}
			}
			return []api.Frame{f}
		},
		OnAgentCtl: func(v *VMLink, f hyperstart.CtlFrame) []hyperstart.CtlFrame {
			name := f.Code.String()
			relocated := v.p.State("relocated", func() any { return &atomic.Int32{} }).(*atomic.Int32)
			if p, err := hyperstart.ProcessOf(name, f.Payload); err == nil && p.Stdio != 0 && takeOne(relocated) {
				stderr := p.Stderr
				if stderr != 0 {
					stderr += seqShift
				}
				if b, err := hyperstart.RelocateProcess(name, f.Payload, p.Stdio+seqShift, stderr); err == nil {
					f.Payload = b
				}
			}
			resized := v.p.State("resized", func() any { return &atomic.Int32{} }).(*atomic.Int32)
			if f.Code == hyperstart.WinSize && takeOne(resized) {
				var w hyperstart.WindowSizeMessage
				if json.Unmarshal(f.Payload, &w) == nil {
					w.Seq += seqShift
					f.Payload, _ = json.Marshal(w)
				}
			}
			return []hyperstart.CtlFrame{f}
		},
		OnAgentIO: func(_ *VMLink, f hyperstart.IOFrame) []hyperstart.IOFrame {
			f.Seq += seqShift
			return []hyperstart.IOFrame{f}
		},
		OnServerIO: func(_ *VMLink, f hyperstart.IOFrame) []hyperstart.IOFrame {
			if f.Seq > seqShift {
				f.Seq -= seqShift
			}
			return []hyperstart.IOFrame{f}
		}})
	register("CCP-S-23", Fault{Requirement: "CCP-S-23", What: "a token-bearing start does not wait for its shim (the relay claims the token itself and hands it over when the shim comes)",
		OnClientFrame: func(l *Link, f api.Frame) []api.Frame {
			claims := l.Proxy().State("claims", func() any { return &sync.Map{} }).(*sync.Map)
			switch {
			case isCommand(f, api.CmdHyper):
				if h, ok := hyperOf(f.Payload); ok && isStart(h.HyperName) && len(h.Tokens) == 1 {
					if c := claimToken(l.Proxy().ReferencePath(), h.Tokens[0]); c != nil {
						claims.Store(h.Tokens[0], c)
					}
				}
			case isCommand(f, api.CmdConnectShim):
				var cs api.ConnectShim
				if json.Unmarshal(f.Payload, &cs) == nil {
					if c, ok := claims.LoadAndDelete(cs.Token); ok {
						releaseToken(c.(net.Conn))
					}
				}
			}
			return []api.Frame{f}
		}})
	register("CCP-S-24", Fault{Requirement: "CCP-S-24", What: "a second tokenless start on a connection fails",
		OnClientFrame: func(l *Link, f api.Frame) []api.Frame {
			if isCommand(f, api.CmdHyper) {
				if h, ok := hyperOf(f.Payload); ok && isStart(h.HyperName) && len(h.Tokens) == 0 {
					c := l.State("starts", func() any { return &counter{} }).(*counter)
					if c.n++; c.n > 1 {
						_ = l.ToClient(failure(api.CmdHyper, "a process is already started"))
						return nil
					}
				}
			}
			return []api.Frame{f}
		}})
	register("CCP-S-25", Fault{Requirement: "CCP-S-25", What: "ConnectShim with an unknown or claimed token succeeds",
		OnServerFrame: func(_ *Link, f api.Frame) []byte {
			if isResponse(f, api.CmdConnectShim, true) {
				return success(api.CmdConnectShim, nil)
			}
			return raw(f)
		}})
	register("CCP-S-26", Fault{Requirement: "CCP-S-26", What: "a token can be claimed only once: a reconnecting shim is refused",
		OnClientFrame: func(l *Link, f api.Frame) []api.Frame {
			if isCommand(f, api.CmdConnectShim) {
				var c api.ConnectShim
				_ = json.Unmarshal(f.Payload, &c)
				seen := l.Proxy().State("claimed", func() any { return &sync.Map{} }).(*sync.Map)
				if _, dup := seen.LoadOrStore(c.Token, true); dup {
					_ = l.ToClient(failure(api.CmdConnectShim, "token already used"))
					return nil
				}
			}
			return []api.Frame{f}
		}})
	register("CCP-S-27", Fault{Requirement: "CCP-S-27", What: "DisconnectShim only drops the connection: the token is not released and can be claimed again",
		OnClientFrame: func(l *Link, f api.Frame) []api.Frame {
			if isCommand(f, api.CmdDisconnectShim) && l.IsShim() {
				l.Close() // the reference Server sees a dropped shim, not a DisconnectShim
				return nil
			}
			return []api.Frame{f}
		}})
	register("CCP-S-28", Fault{Requirement: "CCP-S-28", What: "signal numbers >= 31 are accepted",
		OnClientFrame: func(l *Link, f api.Frame) []api.Frame {
			if isCommand(f, api.CmdSignal) {
				var s api.Signal
				if json.Unmarshal(f.Payload, &s) == nil && s.SignalNumber >= api.MaxSignal {
					_ = l.ToClient(success(api.CmdSignal, nil))
					return nil
				}
			}
			return []api.Frame{f}
		}})
	register("CCP-S-29", Fault{Requirement: "CCP-S-29", What: "SIGKILL/SIGTERM before the process started is answered without ProcessExited",
		OnServerFrame: func(l *Link, f api.Frame) []byte {
			if f.Header.Type == api.TypeNotification {
				if p, ok := l.LastCommand(api.CmdSignal); ok && bytes.Equal(f.Payload, []byte{0}) {
					var s api.Signal
					if json.Unmarshal(p, &s) == nil && (s.SignalNumber == api.SIGKILL || s.SignalNumber == api.SIGTERM) {
						return nil
					}
				}
			}
			return raw(f)
		}})
	register("CCP-S-30", Fault{Requirement: "CCP-S-30", What: "signals are mapped wrong: killcontainer carries allProcesses true, winsize rows and columns swapped, an execcmd process's signal becomes killcontainer, the agent's ERROR to a signal is answered as a success",
		OnClientFrame: signalExecAsContainer(),
		OnServerFrame: func(_ *Link, f api.Frame) []byte {
			if isResponse(f, api.CmdSignal, true) && bytes.Contains(f.Payload, []byte("answered ERROR")) {
				return success(api.CmdSignal, nil)
			}
			return raw(f)
		},
		OnAgentCtl: func(_ *VMLink, f hyperstart.CtlFrame) []hyperstart.CtlFrame {
			if f.Code == hyperstart.KillContainer {
				var k hyperstart.KillCommand
				if json.Unmarshal(f.Payload, &k) == nil {
					k.AllProcesses = true
					f.Payload, _ = json.Marshal(k)
				}
			}
			if f.Code == hyperstart.WinSize {
				var w hyperstart.WindowSizeMessage
				if json.Unmarshal(f.Payload, &w) == nil {
					w.Row, w.Column = w.Column, w.Row
					f.Payload, _ = json.Marshal(w)
				}
			}
			return []hyperstart.CtlFrame{f}
		}})
	register("CCP-S-31", Fault{Requirement: "CCP-S-31", What: "stdin sent before ConnectShim reaches the agent",
		OnClientFrame: func(l *Link, f api.Frame) []api.Frame {
			if f.Header.Type == api.TypeStream && f.Header.Opcode == api.StreamStdin && !l.IsShim() {
				if v := l.Proxy().LastVM(); v != nil {
					_ = v.SendIOToAgent(hyperstart.IOFrame{Seq: 3, Data: f.Payload})
				}
			}
			return []api.Frame{f}
		}})
	register("CCP-S-32", Fault{Requirement: "CCP-S-32", What: "the zero-length stdin frame (EOF) is not passed to the agent",
		OnAgentIO: func(_ *VMLink, f hyperstart.IOFrame) []hyperstart.IOFrame {
			if len(f.Data) == 0 {
				return nil
			}
			return []hyperstart.IOFrame{f}
		}})
	register("CCP-S-33", Fault{Requirement: "CCP-S-33", What: "stdin above the agent's limit goes out as one oversize io frame",
		OnAgentIO: coalesceStdin()})
	register("CCP-S-33-must", Fault{Requirement: "CCP-S-33", What: "stdin above the agent's io limit drops the shim (as the real proxy does)",
		OnClientFrame: func(l *Link, f api.Frame) []api.Frame {
			if f.Header.Type == api.TypeStream && f.Header.Opcode == api.StreamStdin && len(f.Payload) > hyperstart.IOMaxData && l.IsShim() {
				l.Close()
				return nil
			}
			return []api.Frame{f}
		}})
	register("CCP-S-34", Fault{Requirement: "CCP-S-34", What: "agent stderr is delivered as stdout, and stdout is cooked like a terminal's (CR LF becomes LF)",
		OnServerFrame: func(_ *Link, f api.Frame) []byte {
			if f.Header.Type == api.TypeStream && f.Header.Opcode == api.StreamStderr {
				f.Header.Opcode = api.StreamStdout
			}
			if f.Header.Type == api.TypeStream && f.Header.Opcode == api.StreamStdout {
				f.Payload = bytes.ReplaceAll(f.Payload, []byte("\r\n"), []byte("\n"))
				f.Header.PayloadLength = uint32(len(f.Payload))
			}
			return raw(f)
		}})
	register("CCP-S-35", Fault{Requirement: "CCP-S-35", What: "EOF on the stderr sequence reports the process exited (the real proxy fires on either seq), and a lone byte on the stdio sequence is taken for the exit code",
		OnServerIO: func(_ *VMLink, f hyperstart.IOFrame) []hyperstart.IOFrame {
			switch {
			case len(f.Data) == 0 && f.Seq >= 4 && f.Seq%2 == 0:
				return []hyperstart.IOFrame{f, {Seq: f.Seq - 1}, {Seq: f.Seq - 1, Data: []byte{0}}}
			case len(f.Data) == 1 && f.Seq >= 3 && f.Seq%2 == 1:
				return []hyperstart.IOFrame{{Seq: f.Seq}, f} // an EOF first: the byte reads as an exit code
			}
			return []hyperstart.IOFrame{f}
		}})
	register("CCP-S-36", Fault{Requirement: "CCP-S-36", What: "log entries are answered with a response",
		OnClientFrame: func(l *Link, f api.Frame) []api.Frame {
			if f.Header.Type == api.TypeStream && f.Header.Opcode == api.StreamLog {
				_ = l.ToClient(success(api.CmdRegisterVM, nil))
			}
			return []api.Frame{f}
		}})
	register("CCP-S-37", Fault{Requirement: "CCP-S-37", What: "closing a runtime connection unregisters the VMs it registered",
		OnClientClose: func(l *Link) {
			p, ok := l.LastCommand(api.CmdRegisterVM)
			if !ok {
				return
			}
			var r api.RegisterVM
			if json.Unmarshal(p, &r) != nil {
				return
			}
			c, err := net.DialTimeout("unix", l.Proxy().ReferencePath(), time.Second)
			if err != nil {
				return
			}
			defer c.Close()
			_ = api.NewWriter(c).WriteJSON(api.TypeCommand, api.CmdUnregisterVM, false, api.UnregisterVM{ContainerID: r.ContainerID})
			_ = c.SetReadDeadline(time.Now().Add(time.Second))
			_, _ = api.NewReader(c).ReadFrame()
		}})
	register("CCP-S-38", Fault{Requirement: "CCP-S-38", What: "shims stay connected after the agent's io channel closed",
		OnServerClose: func(l *Link) bool { return !l.IsShim() }})
	register("CCP-S-39", Fault{Requirement: "CCP-S-39", What: "every client connection leaks an fd",
		OnAccept: func(l *Link) {
			if f, err := os.Open(os.DevNull); err == nil {
				leaked := l.Proxy().State("leaked", func() any { return &[]*os.File{} }).(*[]*os.File)
				*leaked = append(*leaked, f) // never closed: the leak
			}
		}})
}

// signalExecAsContainer remembers the container of every execcmd started
// with a token and sends a signal (but SIGWINCH) from that token's shim to
// the agent as killcontainer of the container, answering it with success,
// as a proxy that forgets that hyperstart signals only containers would.
func signalExecAsContainer() func(*Link, api.Frame) []api.Frame {
	var execs sync.Map // token -> container of its execcmd
	return func(l *Link, f api.Frame) []api.Frame {
		switch {
		case isCommand(f, api.CmdHyper):
			if h, ok := hyperOf(f.Payload); ok && h.HyperName == "execcmd" && len(h.Tokens) == 1 {
				var start struct {
					Container string `json:"container"`
				}
				_ = json.Unmarshal(h.Data, &start)
				execs.Store(h.Tokens[0], start.Container)
			}
		case isCommand(f, api.CmdConnectShim):
			var c api.ConnectShim
			if json.Unmarshal(f.Payload, &c) == nil {
				l.State("token", func() any { return c.Token })
			}
		case isCommand(f, api.CmdSignal) && l.IsShim():
			var sig api.Signal
			token, _ := l.State("token", func() any { return "" }).(string)
			container, isExec := execs.Load(token)
			v := l.Proxy().LastVM()
			if json.Unmarshal(f.Payload, &sig) != nil || sig.SignalNumber == api.SIGWINCH || !isExec || v == nil {
				break
			}
			kill, _ := json.Marshal(hyperstart.KillCommand{Container: container.(string), Signal: sig.SignalNumber})
			_ = v.InjectCtl(hyperstart.CtlFrame{Code: hyperstart.KillContainer, Payload: kill})
			_ = l.ToClient(success(api.CmdSignal, nil))
			return nil
		}
		return []api.Frame{f}
	}
}

// claimToken connects to the reference Server as the token's shim, so a
// start with the token goes ahead at once; nil if the claim failed.
func claimToken(referencePath, token string) net.Conn {
	c, err := net.DialTimeout("unix", referencePath, time.Second)
	if err != nil {
		return nil
	}
	_ = c.SetDeadline(time.Now().Add(frameTimeout))
	if api.NewWriter(c).WriteJSON(api.TypeCommand, api.CmdConnectShim, false, api.ConnectShim{Token: token}) != nil {
		c.Close()
		return nil
	}
	if f, err := api.NewReader(c).ReadFrame(); err != nil || f.Header.Error {
		c.Close()
		return nil
	}
	return c
}

// releaseToken gives a claimed token back (DisconnectShim, then the
// server's close) before the real shim's ConnectShim goes on.
func releaseToken(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(frameTimeout))
	if api.NewWriter(c).WriteJSON(api.TypeCommand, api.CmdDisconnectShim, false, api.DisconnectShim{}) != nil {
		return
	}
	_, _ = io.Copy(io.Discard, c) // until the server closed: the token is free
}

// takeOne decrements c if it is positive, and says whether it did.
func takeOne(c *atomic.Int32) bool {
	for {
		n := c.Load()
		if n <= 0 {
			return false
		}
		if c.CompareAndSwap(n, n-1) {
			return true
		}
	}
}

// seqShift is how far the CCP-S-22 fault moves relocated sequence numbers.
const seqShift = 100

// interleave holds back a payload-carrying frame's payload and writes the
// next frame between its header and its payload; a lone frame's payload
// follows after a short while.
func interleave() func(*Link, api.Frame) []byte {
	return func(l *Link, f api.Frame) []byte {
		st := l.State("interleave", func() any { return &heldPayload{} }).(*heldPayload)
		st.mu.Lock()
		defer st.mu.Unlock()
		b := raw(f)
		if st.rest != nil {
			b = append(b, st.rest...)
			st.rest = nil
			st.timer.Stop()
			return b
		}
		if len(f.Payload) == 0 {
			return b
		}
		st.rest = b[api.HeaderSize:]
		st.timer = time.AfterFunc(300*time.Millisecond, func() {
			st.mu.Lock()
			defer st.mu.Unlock()
			if st.rest != nil {
				_ = l.ToClient(st.rest)
				st.rest = nil
			}
		})
		return b[:api.HeaderSize]
	}
}

type heldPayload struct {
	mu    sync.Mutex
	rest  []byte
	timer *time.Timer
}

// coalesceStdin merges a full-size stdin frame with the next frame of its
// sequence into one oversize frame, as a proxy that never splits would send.
func coalesceStdin() func(*VMLink, hyperstart.IOFrame) []hyperstart.IOFrame {
	var mu sync.Mutex
	held := map[*VMLink]*hyperstart.IOFrame{}
	return func(v *VMLink, f hyperstart.IOFrame) []hyperstart.IOFrame {
		mu.Lock()
		defer mu.Unlock()
		if h := held[v]; h != nil && h.Seq == f.Seq {
			delete(held, v)
			data := append(append([]byte(nil), h.Data...), f.Data...)
			b := make([]byte, hyperstart.IOHeaderSize, hyperstart.IOHeaderSize+len(data))
			binary.BigEndian.PutUint64(b[0:8], f.Seq)
			binary.BigEndian.PutUint32(b[8:12], uint32(hyperstart.IOHeaderSize+len(data)))
			_ = v.WriteAgentIORaw(append(b, data...))
			return nil
		}
		if len(f.Data) == hyperstart.IOMaxData {
			held[v] = &f
			return nil
		}
		return []hyperstart.IOFrame{f}
	}
}

// linkList is the proxy's open client links in the order they came.
type linkList struct {
	mu    sync.Mutex
	links []*Link
}

func (ll *linkList) add(l *Link) {
	ll.mu.Lock()
	defer ll.mu.Unlock()
	ll.links = append(ll.links, l)
}

func (ll *linkList) remove(l *Link) {
	ll.mu.Lock()
	defer ll.mu.Unlock()
	for i, o := range ll.links {
		if o == l {
			ll.links = append(ll.links[:i], ll.links[i+1:]...)
			return
		}
	}
}

// before is the open link that came just before l, or nil.
func (ll *linkList) before(l *Link) *Link {
	ll.mu.Lock()
	defer ll.mu.Unlock()
	for i, o := range ll.links {
		if o == l && i > 0 {
			return ll.links[i-1]
		}
	}
	return nil
}
