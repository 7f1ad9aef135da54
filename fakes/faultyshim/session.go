package faultyshim

import (
	"io"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/wirecert/wirecert/reference/ccproxy"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// FrameTimeout bounds the rest of a frame once its first byte arrived, and
// every write: the reference Client's DefaultTimeout.
const FrameTimeout = ccproxy.DefaultTimeout

// MaxPayload is the largest PayloadLength the relay reads from the proxy,
// the reference Client's limit; a larger one closes the session unless the
// fault wraps it.
const MaxPayload = api.DefaultMaxPayload

// Session is the relay of one shim connection: the shim's connection to
// the relay and the relay's connection to the proxy. Faults may keep state
// in State.
type Session struct {
	fault Fault
	shim  net.Conn
	proxy net.Conn

	smu sync.Mutex // one writer to the shim at a time
	pmu sync.Mutex // one writer to the proxy at a time

	mu      sync.Mutex
	pending []uint8 // opcodes of the commands awaiting their response
	state   map[string]any
}

// ToShim writes raw bytes to the shim.
func (s *Session) ToShim(b []byte) error { return writeBounded(&s.smu, s.shim, b) }

// ToProxy writes raw bytes to the proxy.
func (s *Session) ToProxy(b []byte) error { return writeBounded(&s.pmu, s.proxy, b) }

// Close ends both connections; the relay's goroutines then end too.
func (s *Session) Close() {
	_ = s.shim.Close()
	_ = s.proxy.Close()
}

// Pending returns the opcode of the oldest command the shim sent that got
// no response yet (DisconnectShim gets none, so it never counts).
func (s *Session) Pending() (uint8, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.pending) == 0 {
		return 0, false
	}
	return s.pending[0], true
}

// State returns the value a fault stored under key, creating it with init
// on first use.
func (s *Session) State(key string, init func() any) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == nil {
		s.state = map[string]any{}
	}
	v, ok := s.state[key]
	if !ok {
		v = init()
		s.state[key] = v
	}
	return v
}

// run relays until either side ends, then closes both and returns once
// both directions stopped.
func (s *Session) run() {
	if s.fault.OnConnect != nil {
		s.fault.OnConnect(s)
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		defer s.Close()
		s.fromShim()
	}()
	go func() {
		defer wg.Done()
		defer s.Close()
		s.fromProxy()
	}()
	wg.Wait()
}

// fromShim relays the shim's frames to the proxy. The reference shim only
// sends valid frames; the relay still reads them as strictly as any.
func (s *Session) fromShim() {
	in := &frameReader{conn: s.shim}
	r := api.NewReader(in)
	for {
		if in.next() != nil {
			return
		}
		f, err := r.ReadFrame()
		if err != nil {
			return
		}
		f.Payload = slices.Clone(f.Payload) // the Reader reuses its buffer
		if f.Header.Type == api.TypeCommand && f.Header.Opcode != api.CmdDisconnectShim {
			s.mu.Lock()
			s.pending = append(s.pending, f.Header.Opcode)
			s.mu.Unlock()
		}
		b := api.AppendFrame(nil, f)
		if s.fault.OnShimFrame != nil {
			b = s.fault.OnShimFrame(s, f)
		}
		if len(b) > 0 && s.ToProxy(b) != nil {
			return
		}
	}
}

// fromProxy reads the proxy's frames the way a client must (any
// fragmentation, extra header words skipped, a bad header or an oversized
// payload ends the session) unless the fault says otherwise, and hands them
// to the shim with a normalised header.
func (s *Session) fromProxy() {
	in := &frameReader{conn: s.proxy}
	head := make([]byte, api.HeaderSize)
	for {
		if in.next() != nil {
			return
		}
		if _, err := io.ReadFull(in, head); err != nil {
			return
		}
		h := api.ParseHeader(head)
		for h.Validate() != nil {
			if decide(s, s.fault.OnBadHeader, h) != Resync {
				return
			}
			// Slide the window by one byte.
			copy(head, head[1:])
			if _, err := io.ReadFull(in, head[api.HeaderSize-1:]); err != nil {
				return
			}
			h = api.ParseHeader(head)
		}
		size := h.PayloadLength
		if size > MaxPayload {
			if decide(s, s.fault.OnOversize, h) != Wrap || size+1 != 0 {
				return
			}
			size = 0 // a buffer of PayloadLength+1 bytes, less the terminator
		}
		if extra := int64(h.HeaderLength)*4 - api.HeaderSize; extra > 0 {
			if _, err := io.CopyN(io.Discard, in, extra); err != nil {
				return
			}
		}
		payload := make([]byte, size)
		if _, err := io.ReadFull(in, payload); err != nil {
			return
		}
		f := api.NewFrame(h.Type, h.Opcode, h.Error, payload)
		b := api.AppendFrame(nil, f)
		if s.fault.OnProxyFrame != nil {
			b = s.fault.OnProxyFrame(s, f)
		}
		if h.Type == api.TypeResponse {
			s.mu.Lock()
			if len(s.pending) > 0 {
				s.pending = s.pending[1:]
			}
			s.mu.Unlock()
		}
		if len(b) > 0 && s.ToShim(b) != nil {
			return
		}
	}
}

// decide asks hook about h; without a hook the answer is Close.
func decide(s *Session, hook func(*Session, api.FrameHeader) Action, h api.FrameHeader) Action {
	if hook == nil {
		return Close
	}
	return hook(s, h)
}

// writeBounded writes b to c under mu, within FrameTimeout.
func writeBounded(mu *sync.Mutex, c net.Conn, b []byte) error {
	mu.Lock()
	defer mu.Unlock()
	if err := c.SetWriteDeadline(time.Now().Add(FrameTimeout)); err != nil {
		return err
	}
	_, err := c.Write(b)
	return err
}

// frameReader lets a connection idle without a deadline between frames (a
// shim may wait hours for output) but bounds each frame once its first
// byte arrived, so a peer stalling mid-frame cannot wedge the relay.
type frameReader struct {
	conn    net.Conn
	started bool
}

// next lifts the deadline before the next frame's first byte.
func (r *frameReader) next() error {
	r.started = false
	return r.conn.SetReadDeadline(time.Time{})
}

func (r *frameReader) Read(p []byte) (int, error) {
	n, err := r.conn.Read(p)
	if n > 0 && !r.started {
		r.started = true
		if derr := r.conn.SetReadDeadline(time.Now().Add(FrameTimeout)); derr != nil && err == nil {
			err = derr
		}
	}
	return n, err
}
