package fakeproxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/wirecert/wirecert/fakes/framepeer"
	"github.com/wirecert/wirecert/fakes/sockdir"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// SocketName is the name of the fake's socket in its temp dir.
const SocketName = "proxy.sock"

// DefaultIdleTimeout bounds the wait for the client to connect and for each
// frame it sends, unless WithIdleTimeout says otherwise.
const DefaultIdleTimeout = time.Minute

// Option configures a Proxy.
type Option func(*Proxy)

// WithIdleTimeout bounds the wait for the client to connect and for each of
// its frames; a client silent for longer ends the recording with an error.
func WithIdleTimeout(d time.Duration) Option {
	return func(p *Proxy) {
		if d > 0 {
			p.idle = d
		}
	}
}

// Proxy is a fake cc-proxy serving one client connection.
type Proxy struct {
	dir  string
	ln   *framepeer.Listener
	idle time.Duration

	ctx    context.Context // ends on Close
	cancel context.CancelFunc
	served chan struct{} // closed when the serving goroutine ended

	wmu sync.Mutex // one sender at a time, so frames never interleave

	mu          sync.Mutex
	peer        *framepeer.Peer
	connected   chan struct{} // closed once the client connected
	readingDone chan struct{} // closed once nothing more will be recorded
	clientGone  chan struct{} // closed once the client closed the connection
	changed     chan struct{} // closed and replaced on every record
	received    []Received
	sendErrs    []error
	script      map[uint8][]Response
	closeOnce   sync.Once
}

// Start listens on a fresh temp dir's proxy.sock and serves the first
// client that connects.
func Start(opts ...Option) (*Proxy, error) {
	dir, err := sockdir.MkdirTemp("fakeproxy")
	if err != nil {
		return nil, fmt.Errorf("fakeproxy: temp dir: %w", err)
	}
	ln, err := framepeer.Listen(filepath.Join(dir, SocketName))
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("fakeproxy: %w", err)
	}
	p := &Proxy{
		dir:         dir,
		ln:          ln,
		idle:        DefaultIdleTimeout,
		served:      make(chan struct{}),
		connected:   make(chan struct{}),
		readingDone: make(chan struct{}),
		clientGone:  make(chan struct{}),
		changed:     make(chan struct{}),
		script:      map[uint8][]Response{},
	}
	for _, o := range opts {
		o(p)
	}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	go p.serve()
	return p, nil
}

// Path is the socket the client under test dials.
func (p *Proxy) Path() string { return filepath.Join(p.dir, SocketName) }

// Close closes the listener and the client's connection, waits for the
// serving goroutine and removes the temp dir. Closing again does nothing.
func (p *Proxy) Close() error {
	var err error
	p.closeOnce.Do(func() {
		p.cancel()
		err = p.ln.Close()
		p.mu.Lock()
		peer := p.peer
		p.mu.Unlock()
		if peer != nil {
			if cerr := peer.Close(); err == nil {
				err = cerr
			}
		}
		<-p.served
		if rerr := os.RemoveAll(p.dir); err == nil {
			err = rerr
		}
	})
	return err
}

// WaitConnected waits until the client connected.
func (p *Proxy) WaitConnected(ctx context.Context) error {
	select {
	case <-p.connected:
		return nil
	case <-p.readingDone:
		return fmt.Errorf("fakeproxy: %w: no client connected: %s", ErrReadingEnded, p.why())
	case <-ctx.Done():
		return fmt.Errorf("fakeproxy: %w: no client connected to %s: %w", ErrWait, p.Path(), context.Cause(ctx))
	}
}

// ClientClosed says whether the client closed its connection.
func (p *Proxy) ClientClosed() bool {
	select {
	case <-p.clientGone:
		return true
	default:
		return false
	}
}

// WaitClientClosed waits until the client closed its connection; it fails
// at once when reading ended otherwise (the fake's own Close, idle timeout).
func (p *Proxy) WaitClientClosed(ctx context.Context) error {
	select {
	case <-p.clientGone:
		return nil
	case <-ctx.Done():
		select {
		case <-p.clientGone:
			return nil
		default:
		}
		return fmt.Errorf("fakeproxy: %w: the client kept its connection open: %w; received %s",
			ErrWait, context.Cause(ctx), Summary(p.Received()))
	case <-p.readingDone:
		select {
		case <-p.clientGone:
			return nil
		default:
		}
		return fmt.Errorf("fakeproxy: %w: the client did not close the connection: %s", ErrReadingEnded, p.why())
	}
}

// SendErrors are the errors of sending scripted responses (the client may
// have closed the connection already; a spec decides whether that matters).
func (p *Proxy) SendErrors() []error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]error(nil), p.sendErrs...)
}

// why says how reading ended, for error messages.
func (p *Proxy) why() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.received); n > 0 && p.received[n-1].Err != nil {
		return p.received[n-1].Err.Error()
	}
	if p.peer == nil {
		return "no connection"
	}
	return fmt.Sprintf("connection ended after %d frames", len(p.received))
}

// serve accepts the one client, then reads and answers its frames until the
// connection ends.
func (p *Proxy) serve() {
	defer close(p.served)
	defer close(p.readingDone)
	actx, cancel := context.WithTimeout(p.ctx, p.idle)
	peer, err := p.ln.Accept(actx)
	cancel()
	// One client per fake: a reconnect attempt must fail, not be served.
	_ = p.ln.Close()
	if err != nil {
		if p.ctx.Err() == nil {
			p.record(Received{Err: fmt.Errorf("fakeproxy: %w", err)})
		}
		return
	}
	p.mu.Lock()
	if p.ctx.Err() != nil { // Close ran meanwhile and saw no peer
		p.mu.Unlock()
		_ = peer.Close()
		return
	}
	peer.SetChannel("shim") // in the wire transcript: what the shim sent and got
	p.peer = peer
	p.mu.Unlock()
	close(p.connected)
	p.read(peer)
}

// read records frames until the connection ends; commands get their
// scripted answers. It reads strictly (reserved fields must be zero) and
// counts the bytes of each frame, so that a close between frames is told
// from one inside a frame.
func (p *Proxy) read(peer *framepeer.Peer) {
	conn := peer.Conn()
	in := &frameBytes{r: conn}
	r := api.NewReader(in, api.WithStrictReserved())
	for {
		if err := conn.SetReadDeadline(time.Now().Add(p.idle)); err != nil {
			p.record(Received{Err: fmt.Errorf("fakeproxy: set read deadline: %w", err)})
			return
		}
		in.n = 0
		f, err := r.ReadFrame()
		if err == nil {
			f.Payload = slices.Clone(f.Payload) // the Reader reuses its buffer
			p.record(Received{Frame: f, Header: f.Header.Bytes()})
			if f.Header.Type == api.TypeCommand {
				p.answer(peer, f)
			}
			continue
		}
		switch {
		case p.ctx.Err() != nil || errors.Is(err, net.ErrClosed):
			return // our own Close
		case isClose(err):
			if in.n > 0 {
				p.record(Received{Err: fmt.Errorf("fakeproxy: the client closed inside a frame, after %d of its bytes: %w", in.n, err)})
			}
			p.clientClosed()
			return
		case errors.Is(err, os.ErrDeadlineExceeded):
			p.record(Received{Err: fmt.Errorf("fakeproxy: client idle for %v (%d bytes of a frame read): %w", p.idle, in.n, err)})
			return
		}
		rec := Received{Err: err}
		var he *api.HeaderError
		if errors.As(err, &he) {
			rec.Header = he.Header.Bytes()
		}
		p.record(rec)
		// The stream is no longer at a frame boundary: only watch for the
		// close now.
		p.drain(conn)
		return
	}
}

// frameBytes counts the bytes read since the count was reset.
type frameBytes struct {
	r io.Reader
	n int
}

func (c *frameBytes) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += n
	return n, err
}

// drain discards what arrives until the client closes, the idle timeout
// passes or the fake is closed.
func (p *Proxy) drain(conn net.Conn) {
	buf := make([]byte, 4096)
	for {
		if err := conn.SetReadDeadline(time.Now().Add(p.idle)); err != nil {
			return
		}
		_, err := conn.Read(buf)
		switch {
		case err == nil:
		case p.ctx.Err() == nil && isClose(err):
			p.clientClosed()
			return
		default:
			return
		}
	}
}

func isClose(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)
}

func (p *Proxy) clientClosed() {
	close(p.clientGone)
	p.notify()
}

// notify wakes every waiter; the caller must not hold mu.
func (p *Proxy) notify() {
	p.mu.Lock()
	close(p.changed)
	p.changed = make(chan struct{})
	p.mu.Unlock()
}

// connectedPeer returns the client's connection, or ErrNotConnected.
func (p *Proxy) connectedPeer() (*framepeer.Peer, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.peer == nil || p.ctx.Err() != nil {
		return nil, fmt.Errorf("fakeproxy: %w", ErrNotConnected)
	}
	return p.peer, nil
}
