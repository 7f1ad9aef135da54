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
	// pending counts the commands forwarded whose response has not yet
	// been sent on through OnServerFrame to the client; answered is closed
	// when it drops to zero or the link ends.
	pending  int
	answered chan struct{}
	ended    bool // no more responses will be sent on
}

// AwaitResponses waits, at most timeout, until the server answered every
// command this link forwarded and each answer went through OnServerFrame
// and on to the client, so a hook can judge a frame in order, after the
// commands before it (the reference serves a connection in order). False
// when the time was up, or the link or the proxy ended first.
func (l *Link) AwaitResponses(timeout time.Duration) bool {
	l.mu.Lock()
	n, answered, ended := l.pending, l.answered, l.ended
	l.mu.Unlock()
	if ended {
		return false
	}
	if n == 0 {
		return true
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-answered:
		l.mu.Lock()
		defer l.mu.Unlock()
		return !l.ended
	case <-t.C:
	case <-l.p.done:
	}
	return false
}

// commandForwarded counts a command about to go to the server; before the
// write, so its response cannot come first.
func (l *Link) commandForwarded() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ended {
		return
	}
	if l.pending == 0 {
		l.answered = make(chan struct{})
	}
	l.pending++
}

// responseRelayed counts a response of the server as sent on. A response
// to no forwarded command (a fault's extra one) counts for nothing.
func (l *Link) responseRelayed() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pending == 0 {
		return
	}
	if l.pending--; l.pending == 0 {
		close(l.answered)
	}
}

// responsesEnded wakes every AwaitResponses: the server or the client is
// gone, so no response will be sent on.
func (l *Link) responsesEnded() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ended {
		return
	}
	l.ended = true
	if l.pending > 0 {
		l.pending = 0
		close(l.answered)
	}
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

// ToClientInPieces writes pieces to the client one after another, pausing
// gap between them, with no other write to the client in between: the
// client's reads then see its frames arrive in parts.
func (l *Link) ToClientInPieces(gap time.Duration, pieces ...[]byte) error {
	l.cmu.Lock()
	defer l.cmu.Unlock()
	for i, b := range pieces {
		if i > 0 {
			time.Sleep(gap)
		}
		if err := l.client.SetWriteDeadline(time.Now().Add(frameTimeout)); err != nil {
			return err
		}
		if _, err := l.client.Write(b); err != nil {
			return err
		}
	}
	return nil
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
		if l.p.fault.PayloadInOneRead && len(rest) > 0 {
			if n, err := l.client.Read(rest); err != nil || n < len(rest) {
				return
			}
		} else if _, err := io.ReadFull(l.client, rest); err != nil {
			return
		}
		if act == Drop {
			continue
		}
		extra := rest[:len(rest)-int(h.PayloadLength)]
		f := api.Frame{Header: h, Payload: rest[len(extra):]}
		frames := []api.Frame{f}
		if l.p.fault.OnClientFrame != nil {
			frames = l.p.fault.OnClientFrame(l, f)
		}
		for _, out := range frames {
			if out.Header.Type == api.TypeCommand {
				// Only a RegisterVM that goes on gets relay sockets: one a
				// hook answered or dropped leaves none waiting.
				if out.Header.Opcode == api.CmdRegisterVM {
					out.Payload = l.relayAgent(out.Payload)
				}
				l.mu.Lock()
				if l.commands == nil {
					l.commands = map[uint8][]byte{}
				}
				l.commands[out.Header.Opcode] = append([]byte(nil), out.Payload...)
				l.mu.Unlock()
				l.commandForwarded()
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
			l.responsesEnded()
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
			l.responsesEnded()
			l.Close()
			return
		}
		if f.Header.Type == api.TypeResponse {
			l.responseRelayed()
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
