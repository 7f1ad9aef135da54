package faultyproxy

import (
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
)

// acceptTimeout bounds the wait for the reference Server to dial a relay
// socket after RegisterVM was forwarded.
const acceptTimeout = 30 * time.Second

// VMLink relays one VM's agent channels between the reference Server and
// the real agent.
type VMLink struct {
	p  *Proxy
	ID string // the RegisterVM containerId

	ctlServer, ctlAgent net.Conn
	ioServer, ioAgent   net.Conn

	ctlMu, ioMu sync.Mutex // writers toward the agent
	sioMu       sync.Mutex // writers toward the server's io

	// swallow counts agent replies to drop: those to commands the relay
	// injected, which the server never sent and must not see.
	swallow atomic.Int32

	// ctlByRelay and ioByRelay are set before the relay itself closes the
	// agent's side of a channel, so that close is not taken for the agent's.
	ctlByRelay, ioByRelay atomic.Bool
}

// listenVM creates the relay sockets and, in the background, accepts the
// reference Server's ctl then io dial, dialling the agent's for each.
func listenVM(p *Proxy, id, ctlPath, ioPath, agentCtl, agentIO string) (*VMLink, error) {
	ctlLn, err := net.Listen("unix", ctlPath)
	if err != nil {
		return nil, err
	}
	ioLn, err := net.Listen("unix", ioPath)
	if err != nil {
		ctlLn.Close()
		return nil, err
	}
	if !p.trackListener(ctlLn) {
		ioLn.Close()
		return nil, ErrClosing
	}
	if !p.trackListener(ioLn) {
		p.closeListener(ctlLn)
		return nil, ErrClosing
	}
	v := &VMLink{p: p, ID: id}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer p.closeListener(ctlLn)
		defer p.closeListener(ioLn)
		var ok bool
		if v.ctlServer, v.ctlAgent, ok = v.pair(ctlLn, agentCtl); !ok {
			return
		}
		if v.ioServer, v.ioAgent, ok = v.pair(ioLn, agentIO); !ok {
			v.ctlServer.Close()
			v.ctlAgent.Close()
			return
		}
		p.mu.Lock()
		p.vms = append(p.vms, v)
		p.mu.Unlock()
		if p.fault.OnAgentDial != nil {
			p.fault.OnAgentDial(v)
		}
		p.wg.Add(4)
		go v.ctlToAgent()
		go v.ctlToServer()
		go v.ioToAgent()
		go v.ioToServer()
	}()
	return v, nil
}

// pair accepts the server's dial on ln and dials the agent at path.
func (v *VMLink) pair(ln net.Listener, path string) (server, agent net.Conn, ok bool) {
	if ul, isUnix := ln.(*net.UnixListener); isUnix {
		_ = ul.SetDeadline(time.Now().Add(acceptTimeout))
	}
	server, err := ln.Accept()
	if err != nil {
		return nil, nil, false
	}
	agent, err = net.DialTimeout("unix", path, frameTimeout)
	if err != nil {
		server.Close()
		return nil, nil, false
	}
	if !v.p.track(server, agent) {
		return nil, nil, false
	}
	return server, agent, true
}

// Proxy is the proxy this VM's channels run through.
func (v *VMLink) Proxy() *Proxy { return v.p }

// InjectCtl sends the agent a ctl command the server did not send, and
// drops the agent's reply to it, so the server's ctl stream stays in step.
func (v *VMLink) InjectCtl(f hyperstart.CtlFrame) error {
	v.swallow.Add(1)
	return v.SendCtlToAgent(f)
}

// SendCtlToAgent injects a ctl frame toward the agent.
func (v *VMLink) SendCtlToAgent(f hyperstart.CtlFrame) error {
	v.ctlMu.Lock()
	defer v.ctlMu.Unlock()
	return hyperstart.WriteCtlFrame(v.ctlAgent, f)
}

// SendIOToAgent injects an io frame toward the agent.
func (v *VMLink) SendIOToAgent(f hyperstart.IOFrame) error {
	v.ioMu.Lock()
	defer v.ioMu.Unlock()
	return hyperstart.WriteIOFrame(v.ioAgent, f)
}

// SendIOToServer injects an io frame toward the reference Server.
func (v *VMLink) SendIOToServer(f hyperstart.IOFrame) error {
	v.sioMu.Lock()
	defer v.sioMu.Unlock()
	return hyperstart.WriteIOFrame(v.ioServer, f)
}

// WriteAgentIORaw writes raw bytes toward the agent's io channel, for
// frames the hyperstart writer refuses (oversize).
func (v *VMLink) WriteAgentIORaw(b []byte) error {
	v.ioMu.Lock()
	defer v.ioMu.Unlock()
	_, err := v.ioAgent.Write(b)
	return err
}

// CloseIO ends the io channel on both sides.
func (v *VMLink) CloseIO() {
	v.ioByRelay.Store(true)
	v.ioServer.Close()
	v.ioAgent.Close()
}

// conns returns the server's and the agent's side of ch, and the flag
// marking the relay's own close of the agent's side.
func (v *VMLink) conns(ch Channel) (server, agent net.Conn, byRelay *atomic.Bool) {
	if ch == ChannelCtl {
		return v.ctlServer, v.ctlAgent, &v.ctlByRelay
	}
	return v.ioServer, v.ioAgent, &v.ioByRelay
}

// serverGone runs once the server's side of ch ended: the agent's side is
// closed too, unless KeepAgent keeps it (its reader then drops what the
// agent sends until the agent closes).
func (v *VMLink) serverGone(ch Channel) {
	if v.p.fault.KeepAgent != nil && !v.p.isClosing() && v.p.fault.KeepAgent(v, ch) {
		return
	}
	_, agent, byRelay := v.conns(ch)
	byRelay.Store(true)
	agent.Close()
}

// agentGone runs once a read from the agent's side of ch failed: both
// sides are closed, and OnAgentClose runs if it was the agent's doing.
func (v *VMLink) agentGone(ch Channel) {
	server, agent, byRelay := v.conns(ch)
	// Before closing the server's side: its reader then marks the
	// agent's side as closed by the relay.
	byAgent := !byRelay.Load()
	server.Close()
	agent.Close()
	if v.p.fault.OnAgentClose != nil && byAgent && !v.p.isClosing() {
		v.p.fault.OnAgentClose(v, ch)
	}
}

// ctlToAgent passes the server's ctl frames to the agent. A failed write
// to the agent closes its side, which its reader then reports.
func (v *VMLink) ctlToAgent() {
	defer v.p.wg.Done()
	for {
		f, err := hyperstart.ReadCtlFrame(v.ctlServer)
		if err != nil {
			v.serverGone(ChannelCtl)
			return
		}
		out := []hyperstart.CtlFrame{f}
		if v.p.fault.OnAgentCtl != nil {
			out = v.p.fault.OnAgentCtl(v, f)
		}
		for _, o := range out {
			if v.SendCtlToAgent(o) != nil {
				v.ctlAgent.Close()
				return
			}
		}
	}
}

// ioToAgent passes the server's io frames (stdin) to the agent.
func (v *VMLink) ioToAgent() {
	defer v.p.wg.Done()
	for {
		f, err := hyperstart.ReadIOFrame(v.ioServer)
		if err != nil {
			v.serverGone(ChannelIO)
			return
		}
		out := []hyperstart.IOFrame{f}
		if v.p.fault.OnAgentIO != nil {
			out = v.p.fault.OnAgentIO(v, f)
		}
		for _, o := range out {
			if v.SendIOToAgent(o) != nil {
				v.ioAgent.Close()
				return
			}
		}
	}
}

// ioToServer passes the agent's io frames (output) to the server until the
// agent's side ends; once the server's side is gone it drops them.
func (v *VMLink) ioToServer() {
	defer v.p.wg.Done()
	defer v.agentGone(ChannelIO)
	serverUp := true
	for {
		f, err := hyperstart.ReadIOFrame(v.ioAgent)
		if err != nil {
			return
		}
		out := []hyperstart.IOFrame{f}
		if v.p.fault.OnServerIO != nil && serverUp {
			out = v.p.fault.OnServerIO(v, f)
		}
		for _, o := range out {
			if serverUp && v.SendIOToServer(o) != nil {
				serverUp = false
			}
		}
	}
}

// ctlToServer passes the agent's ctl frames to the server, less the
// replies to injected commands, until the agent's side ends; once the
// server's side is gone it drops them.
func (v *VMLink) ctlToServer() {
	defer v.p.wg.Done()
	defer v.agentGone(ChannelCtl)
	serverUp := true
	for {
		f, err := hyperstart.ReadCtlFrame(v.ctlAgent)
		if err != nil {
			return
		}
		if (f.Code == hyperstart.Ack || f.Code == hyperstart.Error) && v.swallow.Load() > 0 {
			v.swallow.Add(-1)
			continue
		}
		if serverUp && hyperstart.WriteCtlFrame(v.ctlServer, f) != nil {
			serverUp = false
		}
	}
}
