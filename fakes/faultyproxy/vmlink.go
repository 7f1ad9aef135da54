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
	v := &VMLink{p: p, ID: id}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer ctlLn.Close()
		defer ioLn.Close()
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
	v.ioServer.Close()
	v.ioAgent.Close()
}

func (v *VMLink) ctlToAgent() {
	defer v.p.wg.Done()
	defer v.ctlAgent.Close()
	for {
		f, err := hyperstart.ReadCtlFrame(v.ctlServer)
		if err != nil {
			return
		}
		out := []hyperstart.CtlFrame{f}
		if v.p.fault.OnAgentCtl != nil {
			out = v.p.fault.OnAgentCtl(v, f)
		}
		for _, o := range out {
			if v.SendCtlToAgent(o) != nil {
				return
			}
		}
	}
}

func (v *VMLink) ioToAgent() {
	defer v.p.wg.Done()
	defer v.ioAgent.Close()
	for {
		f, err := hyperstart.ReadIOFrame(v.ioServer)
		if err != nil {
			return
		}
		out := []hyperstart.IOFrame{f}
		if v.p.fault.OnAgentIO != nil {
			out = v.p.fault.OnAgentIO(v, f)
		}
		for _, o := range out {
			if v.SendIOToAgent(o) != nil {
				return
			}
		}
	}
}

func (v *VMLink) ioToServer() {
	defer v.p.wg.Done()
	defer v.ioServer.Close()
	for {
		f, err := hyperstart.ReadIOFrame(v.ioAgent)
		if err != nil {
			return
		}
		out := []hyperstart.IOFrame{f}
		if v.p.fault.OnServerIO != nil {
			out = v.p.fault.OnServerIO(v, f)
		}
		for _, o := range out {
			if v.SendIOToServer(o) != nil {
				return
			}
		}
	}
}

// ctlToServer passes the agent's ctl frames to the server, less the
// replies to injected commands.
func (v *VMLink) ctlToServer() {
	defer v.p.wg.Done()
	defer v.ctlServer.Close()
	for {
		f, err := hyperstart.ReadCtlFrame(v.ctlAgent)
		if err != nil {
			return
		}
		if (f.Code == hyperstart.Ack || f.Code == hyperstart.Error) && v.swallow.Load() > 0 {
			v.swallow.Add(-1)
			continue
		}
		if hyperstart.WriteCtlFrame(v.ctlServer, f) != nil {
			return
		}
	}
}
