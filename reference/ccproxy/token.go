package ccproxy

import (
	"crypto/rand"
	"encoding/base64"
	"sync"
	"time"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
	"github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
)

// token is one io stream handed out by RegisterVM or AttachVM: the pair of
// agent sequence numbers (ioBase for stdio, ioBase+1 for stderr) and the
// shim that claims it.
type token struct {
	value  string
	vm     *vm
	ioBase uint64

	connected chan struct{} // closed when a shim first connects
	once      sync.Once

	mu        sync.Mutex // guards everything below and orders writes to the shim
	shim      *session
	pending   []api.Frame // output while no shim is connected
	pendingN  int
	started   bool
	startedBy string // the hyperName of the start: newcontainer or execcmd
	container string
	stdio     uint64
	stdioEOF  bool
	exited    bool
	released  bool // DisconnectShim ended the session: nobody may claim it
}

func newToken(v *vm, ioBase uint64) (*token, error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, err
	}
	return &token{value: base64.URLEncoding.EncodeToString(raw[:]), vm: v, ioBase: ioBase, connected: make(chan struct{})}, nil
}

// attach makes ss this token's shim and flushes output that waited for it.
func (t *token) attach(ss *session) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.shim != nil || t.released {
		return false
	}
	t.shim = ss
	t.once.Do(func() { close(t.connected) })
	for _, f := range t.pending {
		if ss.write(f) != nil {
			break
		}
	}
	t.pending, t.pendingN = nil, 0
	return true
}

// detach releases the token if ss is its shim; the token can be claimed again
// (CCP-S-26).
func (t *token) detach(ss *session) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.shim == ss {
		t.shim = nil
	}
}

// release ends the token's session after its shim's DisconnectShim: the
// token can never be claimed again and its output is dropped (CCP-S-27).
func (t *token) release(ss *session) {
	t.mu.Lock()
	if t.shim == ss {
		t.shim = nil
	}
	t.released = true
	t.pending, t.pendingN = nil, 0
	t.mu.Unlock()
	t.vm.srv.mu.Lock()
	delete(t.vm.srv.tokens, t.value)
	t.vm.srv.mu.Unlock()
}

// dropShim closes the connection of the token's shim, if any.
func (t *token) dropShim() {
	t.mu.Lock()
	ss := t.shim
	t.mu.Unlock()
	if ss != nil {
		ss.conn.Close()
	}
}

// waitShim waits for a shim to connect, bounded by ShimTimeout.
func (t *token) waitShim(timeout time.Duration) bool {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-t.connected:
		return true
	case <-timer.C:
	case <-t.vm.srv.done:
	case <-t.vm.closed: // UnregisterVM: no shim will come for this VM
	}
	return false
}

// output routes one agent io frame: stdio data is stdout, ioBase+1 data is
// stderr, an empty stdio packet is EOF and the one-byte stdio packet after it
// is the exit code (CCP-S-35). EOF on stderr ends nothing.
func (t *token) output(f hyperstart.IOFrame) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case f.Seq == t.ioBase+1:
		if len(f.Data) > 0 {
			t.deliver(api.NewFrame(api.TypeStream, api.StreamStderr, false, f.Data))
		}
	case t.stdioEOF:
		if len(f.Data) != 1 || t.exited {
			t.vm.srv.cfg.Logger.Warn("agent io after EOF is not one exit byte", "seq", f.Seq, "len", len(f.Data))
			return
		}
		t.exited = true
		t.deliver(exitedFrame(f.Data[0]))
	case len(f.Data) == 0:
		t.stdioEOF = true
	default:
		t.deliver(api.NewFrame(api.TypeStream, api.StreamStdout, false, f.Data))
	}
}

// exitBeforeStart reports a process killed before it started (CCP-S-29).
func (t *token) exitBeforeStart() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.exited {
		t.exited = true
		t.deliver(exitedFrame(0))
	}
}

// deliver writes f to the shim or keeps it until one connects. Called with
// t.mu held.
func (t *token) deliver(f api.Frame) {
	if t.released {
		return
	}
	if t.shim != nil {
		if err := t.shim.write(f); err == nil {
			return
		}
		t.shim.conn.Close()
		t.shim = nil
	}
	if t.pendingN+len(f.Payload) > t.vm.srv.cfg.MaxPendingOutput {
		t.vm.srv.cfg.Logger.Warn("output dropped: no shim connected", "bytes", len(f.Payload))
		return
	}
	f.Payload = append([]byte(nil), f.Payload...)
	t.pending = append(t.pending, f)
	t.pendingN += len(f.Payload)
}

// startState reads what Signal needs under the token's lock.
func (t *token) startState() (started bool, startedBy, container string, stdio uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.started, t.startedBy, t.container, t.stdio
}
