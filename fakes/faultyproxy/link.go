package faultyproxy

import (
	"encoding/json"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// frameTimeout bounds how long the rest of a frame may take once it began.
const frameTimeout = 10 * time.Second

// pipeLimit is the largest payload the relay reads whole; beyond it, or for
// a header the protocol forbids, the relay forwards the bytes as they come
// and lets the reference Server judge them.
const pipeLimit = 1 << 20

// Link is one client connection and its connection to the reference
// Server. Faults may keep per-connection state in State.
type Link struct {
	p      *Proxy
	client net.Conn
	server net.Conn

	cmu sync.Mutex // one writer to the client at a time
	smu sync.Mutex // one writer to the server at a time

	mu       sync.Mutex
	state    map[string]any
	commands map[uint8][]byte // the last payload forwarded per command opcode
	shim     bool             // a ConnectShim of this link succeeded
}

// LastCommand returns the payload of the last command with opcode that this
// link forwarded, and whether there was one.
func (l *Link) LastCommand(opcode uint8) ([]byte, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p, ok := l.commands[opcode]
	return p, ok
}

// IsShim says whether a ConnectShim on this link succeeded.
func (l *Link) IsShim() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.shim
}

// Proxy is the proxy this link belongs to.
func (l *Link) Proxy() *Proxy { return l.p }

// State returns the value a fault stored under key, creating it with
// init on first use.
func (l *Link) State(key string, init func() any) any {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.state == nil {
		l.state = map[string]any{}
	}
	v, ok := l.state[key]
	if !ok {
		v = init()
		l.state[key] = v
	}
	return v
}

// ToClient writes raw bytes to the client.
func (l *Link) ToClient(b []byte) error {
	l.cmu.Lock()
	defer l.cmu.Unlock()
	if err := l.client.SetWriteDeadline(time.Now().Add(frameTimeout)); err != nil {
		return err
	}
	_, err := l.client.Write(b)
	return err
}

// ToServer writes raw bytes to the reference Server.
func (l *Link) ToServer(b []byte) error {
	l.smu.Lock()
	defer l.smu.Unlock()
	_, err := l.server.Write(b)
	return err
}

// Close ends both sides of the link.
func (l *Link) Close() {
	l.client.Close()
	l.server.Close()
}

// fromClient relays the client's frames to the server, frame by frame.
func (l *Link) fromClient() {
	defer l.p.wg.Done()
	defer l.Close()
	if l.p.fault.OnClientClose != nil {
		defer l.p.fault.OnClientClose(l)
	}
	for {
		head, fragmented, err := readHeader(l.client)
		if err != nil {
			return
		}
		ch := ClientHeader{FrameHeader: api.ParseHeader(head), Fragmented: fragmented}
		act := Forward
		if l.p.fault.OnClientHeader != nil {
			act = l.p.fault.OnClientHeader(l, &ch)
			head = api.AppendHeader(head[:0], ch.FrameHeader)
		}
		h := ch.FrameHeader
		switch act {
		case Close:
			return
		case Crash:
			l.p.Crash()
			return
		case Hang:
			<-l.p.done
			return
		}
		if h.Validate() != nil || h.PayloadLength > pipeLimit {
			// Not ours to judge: pass the bytes on as they come.
			if act == Drop || l.ToServer(head) != nil {
				return
			}
			_, _ = io.Copy(l.server, l.client)
			return
		}
		rest := make([]byte, int(h.HeaderLength)*4-api.HeaderSize+int(h.PayloadLength))
		if err := l.client.SetReadDeadline(time.Now().Add(frameTimeout)); err != nil {
			return
		}
		if _, err := io.ReadFull(l.client, rest); err != nil {
			return
		}
		if act == Drop {
			continue
		}
		extra := rest[:len(rest)-int(h.PayloadLength)]
		f := api.Frame{Header: h, Payload: rest[len(extra):]}
		if h.Type == api.TypeCommand && h.Opcode == api.CmdRegisterVM {
			f.Payload = l.relayAgent(f.Payload)
		}
		frames := []api.Frame{f}
		if l.p.fault.OnClientFrame != nil {
			frames = l.p.fault.OnClientFrame(l, f)
		}
		for _, out := range frames {
			if out.Header.Type == api.TypeCommand {
				l.mu.Lock()
				if l.commands == nil {
					l.commands = map[uint8][]byte{}
				}
				l.commands[out.Header.Opcode] = append([]byte(nil), out.Payload...)
				l.mu.Unlock()
			}
			out.Header.PayloadLength = uint32(len(out.Payload))
			b := api.AppendHeader(nil, out.Header)
			if int(out.Header.HeaderLength)*4 == api.HeaderSize+len(extra) {
				b = append(b, extra...)
			}
			if l.ToServer(append(b, out.Payload...)) != nil {
				return
			}
		}
	}
}

// readHeader reads 12 header bytes with no deadline before the first and a
// deadline after it, and says whether they came in more than one read.
func readHeader(c net.Conn) ([]byte, bool, error) {
	head := make([]byte, api.HeaderSize)
	if err := c.SetReadDeadline(time.Time{}); err != nil {
		return nil, false, err
	}
	n, err := c.Read(head)
	if err != nil {
		return nil, false, err
	}
	if n == api.HeaderSize {
		return head, false, nil
	}
	if err := c.SetReadDeadline(time.Now().Add(frameTimeout)); err != nil {
		return nil, false, err
	}
	if _, err := io.ReadFull(c, head[n:]); err != nil {
		return nil, false, err
	}
	return head, true, nil
}

// fromServer relays the server's frames to the client.
func (l *Link) fromServer() {
	defer l.p.wg.Done()
	r := api.NewReader(l.server, api.WithMaxPayload(64<<20))
	for {
		f, err := r.ReadFrame()
		if err != nil {
			if l.p.fault.OnServerClose == nil || l.p.fault.OnServerClose(l) {
				l.Close()
			}
			return
		}
		if f.Header.Type == api.TypeResponse && f.Header.Opcode == api.CmdConnectShim && !f.Header.Error {
			l.mu.Lock()
			l.shim = true
			l.mu.Unlock()
		}
		b := api.AppendFrame(nil, f)
		if l.p.fault.OnServerFrame != nil {
			b = l.p.fault.OnServerFrame(l, api.Frame{Header: f.Header, Payload: append([]byte(nil), f.Payload...)})
		}
		if len(b) > 0 && l.ToClient(b) != nil {
			l.Close()
			return
		}
	}
}

// relayAgent points a RegisterVM's agent paths at relay sockets that lead
// to the real ones, so agent traffic passes the fault too. A payload it
// cannot read, or paths that do not exist, pass untouched: the reference
// Server must see those failures as they are.
func (l *Link) relayAgent(payload []byte) []byte {
	var top map[string]json.RawMessage
	var p api.RegisterVM
	if json.Unmarshal(payload, &top) != nil || json.Unmarshal(payload, &p) != nil {
		return payload
	}
	for _, path := range []string{p.CtlSerial, p.IoSerial} {
		if _, err := os.Stat(path); err != nil {
			return payload
		}
	}
	ctl, ioPath := l.p.vmSockets()
	_, err := listenVM(l.p, p.ContainerID, ctl, ioPath, p.CtlSerial, p.IoSerial)
	if err != nil {
		return payload
	}
	top["ctlSerial"], _ = json.Marshal(ctl)
	top["ioSerial"], _ = json.Marshal(ioPath)
	out, err := json.Marshal(top)
	if err != nil {
		return payload
	}
	return out
}
