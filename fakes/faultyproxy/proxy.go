package faultyproxy

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"

	"github.com/wirecert/wirecert/reference/ccproxy"
)

// Errors of the relay: ErrCrashed is what Alive reports once a fault
// crashed the proxy; ErrClosing what relaying a new VM gives once the proxy
// is ending.
var (
	ErrCrashed = errors.New("faulty proxy crashed")
	ErrClosing = errors.New("faulty proxy is closing")
)

// Proxy is a relay in front of a private reference Server, breaking one
// requirement.
type Proxy struct {
	fault Fault
	dir   string
	ref   *ccproxy.Server
	refAt string
	ln    net.Listener

	mu      sync.Mutex
	closing bool
	crashed bool
	conns   map[net.Conn]struct{}
	lns     map[net.Listener]struct{} // relay sockets waiting for the server's dial
	nextVM  int
	vms     []*VMLink
	state   map[string]any
	done    chan struct{}

	wg sync.WaitGroup
}

// Option tunes Start.
type Option func(*options)

type options struct{ dir string }

// InDir puts the proxy's private files (the reference Server's socket, the
// agent relay sockets) in a fresh directory under dir instead of the
// system's temp dir, e.g. beside the proxy's socket, so a proxy killed
// before Close leaves nothing outside the directory its caller owns.
func InDir(dir string) Option { return func(o *options) { o.dir = dir } }

// Start listens on path and relays to a fresh reference Server (configured
// by cfg) with fault applied.
func Start(path string, fault Fault, cfg ccproxy.Config, opts ...Option) (*Proxy, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	dir, err := os.MkdirTemp(o.dir, "faultyproxy-")
	if err != nil {
		return nil, err
	}
	p := &Proxy{fault: fault, dir: dir, refAt: filepath.Join(dir, "reference.sock"), conns: map[net.Conn]struct{}{}, lns: map[net.Listener]struct{}{}, done: make(chan struct{})}
	cfg.URL = "unix://" + path
	if p.ref, err = ccproxy.Listen(p.refAt, cfg); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if p.ln, err = net.Listen("unix", path); err != nil {
		p.ref.Close()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("faultyproxy: listen on %s: %w", path, err)
	}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Done is closed when the proxy closes or crashes.
func (p *Proxy) Done() <-chan struct{} { return p.done }

// Alive is nil until the proxy crashed.
func (p *Proxy) Alive() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.crashed {
		return fmt.Errorf("%w (fault %s: %s)", ErrCrashed, p.fault.Requirement, p.fault.What)
	}
	return nil
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("unix", p.refAt)
		if err != nil {
			c.Close()
			continue
		}
		if !p.track(c, s) {
			return
		}
		l := &Link{p: p, client: c, server: s}
		if p.fault.OnAccept != nil {
			p.fault.OnAccept(l)
		}
		p.wg.Add(2)
		go l.fromClient()
		go l.fromServer()
	}
}

// track records conns so Close and Crash can end them; false once closing.
func (p *Proxy) track(conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closing {
		for _, c := range conns {
			c.Close()
		}
		return false
	}
	for _, c := range conns {
		p.conns[c] = struct{}{}
	}
	return true
}

// trackListener records a relay listener so the proxy's end closes it
// (ending its accept at once); false, and ln closed, once closing.
func (p *Proxy) trackListener(ln net.Listener) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closing {
		ln.Close()
		return false
	}
	p.lns[ln] = struct{}{}
	return true
}

// closeListener closes a relay listener and forgets it.
func (p *Proxy) closeListener(ln net.Listener) {
	p.mu.Lock()
	delete(p.lns, ln)
	p.mu.Unlock()
	ln.Close()
}

// isClosing says whether the proxy is ending (End, Crash or Close).
func (p *Proxy) isClosing() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closing
}

// End ends the proxy the way one that exits on purpose does: it closes the
// listener (which removes its socket), then every connection, agent
// channels included; Done closes and Alive stays nil. Safe to call from a
// hook; Close still has to be called to wait and clean up.
func (p *Proxy) End() { p.shut() }

// Crash ends every connection and the listener at once, as a proxy that
// panicked would.
func (p *Proxy) Crash() {
	p.mu.Lock()
	p.crashed = true
	p.mu.Unlock()
	p.shut()
}

func (p *Proxy) shut() {
	p.mu.Lock()
	if p.closing {
		p.mu.Unlock()
		return
	}
	p.closing = true
	close(p.done)
	p.ln.Close()
	for ln := range p.lns {
		ln.Close()
	}
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
}

// Close ends the relay and the reference Server and waits for every
// goroutine.
func (p *Proxy) Close() error {
	p.shut()
	p.wg.Wait()
	p.ref.Close()
	return os.RemoveAll(p.dir)
}

// vmSockets returns fresh relay socket paths for one VM's agent channels.
func (p *Proxy) vmSockets() (ctl, io string) {
	p.mu.Lock()
	p.nextVM++
	n := p.nextVM
	p.mu.Unlock()
	return filepath.Join(p.dir, fmt.Sprintf("vm%d-ctl.sock", n)), filepath.Join(p.dir, fmt.Sprintf("vm%d-io.sock", n))
}

// State returns the proxy-wide value a fault stored under key, creating it
// with init on first use.
func (p *Proxy) State(key string, init func() any) any {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state == nil {
		p.state = map[string]any{}
	}
	v, ok := p.state[key]
	if !ok {
		v = init()
		p.state[key] = v
	}
	return v
}

// LastVM returns the most recently relayed VM whose agent channels are
// both connected, or nil.
func (p *Proxy) LastVM() *VMLink {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.vms) == 0 {
		return nil
	}
	return p.vms[len(p.vms)-1]
}

// VMs returns every relayed VM whose agent channels both got connected, in
// the order they did, including those whose channels have closed since.
func (p *Proxy) VMs() []*VMLink {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*VMLink(nil), p.vms...)
}

// ReferencePath is the private reference Server's socket, for faults that
// need a connection of their own.
func (p *Proxy) ReferencePath() string { return p.refAt }
