package ccproxy

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// Config tunes a Server. Zero values take the defaults below.
type Config struct {
	// URL is what RegisterVM and AttachVM responses carry; by default
	// "unix://" and the listener's path.
	URL string
	// FrameTimeout bounds how long a frame may take to arrive once its first
	// byte did, so a trickling or stalled peer cannot hold a connection.
	FrameTimeout time.Duration
	// ReadyTimeout bounds RegisterVM's wait for the agent's READY (CCP-S-16).
	ReadyTimeout time.Duration
	// AgentTimeout bounds the wait for the agent's reply to a ctl command.
	AgentTimeout time.Duration
	// ShimTimeout bounds how long a token-bearing start waits for its shim.
	ShimTimeout time.Duration
	// DialTimeout bounds dialling the agent's ctl and io sockets.
	DialTimeout time.Duration
	// MaxPayload caps a frame's payload (CCP-S-08).
	MaxPayload uint32
	// MaxPendingOutput caps output buffered for a token whose shim is not
	// connected; beyond it output is dropped.
	MaxPendingOutput int
	// MaxIOStreams caps the numIOStreams of one RegisterVM or AttachVM
	// (default DefaultMaxIOStreams): a larger one is refused, rather than
	// allocating tokens for as long as the number says with the Server
	// locked.
	MaxIOStreams int
	// MaxConnections caps the connections served at once (default 1024),
	// so the memory frames in progress can pin has a bound. A connection
	// beyond it is accepted and closed at once: its client reads end of
	// file rather than waiting unserved in the listen queue.
	MaxConnections int
	// Logger receives log streams and protocol errors; nil discards.
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	set := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	set(&c.FrameTimeout, 10*time.Second)
	set(&c.ReadyTimeout, 10*time.Second)
	set(&c.AgentTimeout, 30*time.Second)
	set(&c.ShimTimeout, 30*time.Second)
	set(&c.DialTimeout, 5*time.Second)
	if c.MaxPayload == 0 {
		c.MaxPayload = api.DefaultMaxPayload
	}
	if c.MaxPendingOutput <= 0 {
		c.MaxPendingOutput = 1 << 20
	}
	if c.MaxIOStreams <= 0 {
		c.MaxIOStreams = DefaultMaxIOStreams
	}
	if c.MaxConnections <= 0 {
		c.MaxConnections = DefaultMaxConnections
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// DefaultMaxConnections is Config.MaxConnections unless set.
const DefaultMaxConnections = 1024

// DefaultMaxIOStreams is Config.MaxIOStreams unless set: far more processes
// than a VM starts, and a response of its tokens (about 48 KiB) well within
// a client's payload limit.
const DefaultMaxIOStreams = 1024

// Server is the reference cc-proxy.
type Server struct {
	cfg Config

	mu       sync.Mutex
	closed   bool
	full     bool // refusing connections at MaxConnections; logged once per episode
	vms      map[string]*vm
	tokens   map[string]*token
	sessions map[*session]struct{}
	ln       net.Listener
	done     chan struct{} // closed by Close, ends waits for shims

	// Listen's Serve: served is closed when it returns, with serveErr.
	served   chan struct{}
	serveErr error

	wg sync.WaitGroup
}

// ErrServerClosed is returned by Serve after Close.
var ErrServerClosed = errors.New("ccproxy: server closed")

// NewServer returns a Server with cfg.
func NewServer(cfg Config) *Server {
	return &Server{
		cfg:      cfg.withDefaults(),
		vms:      map[string]*vm{},
		tokens:   map[string]*token{},
		sessions: map[*session]struct{}{},
		done:     make(chan struct{}),
	}
}

// Listen creates the unix socket at path and serves it in the background
// until Close; Wait tells why serving stopped.
func Listen(path string, cfg Config) (*Server, error) {
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("ccproxy: listen on %s: %w", path, err)
	}
	if cfg.URL == "" {
		cfg.URL = "unix://" + path
	}
	s := NewServer(cfg)
	s.served = make(chan struct{})
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.serveErr = s.Serve(ln)
		close(s.served)
	}()
	return s, nil
}

// Wait blocks until the Server that Listen made stops accepting and returns
// why: ErrServerClosed after Close, otherwise the accept error that ended
// it (the connections already served go on until Close). On a Server made
// by NewServer it returns nil at once: Serve's own result says it there.
func (s *Server) Wait() error {
	if s.served == nil {
		return nil
	}
	<-s.served
	return s.serveErr
}

// Accept errors that are temporary back off, from acceptBackoffMin doubling
// to acceptBackoffMax, until an accept succeeds: at the fd limit the loop
// neither spins nor gives up, and serves again once connections end.
const (
	acceptBackoffMin = 5 * time.Millisecond
	acceptBackoffMax = time.Second
)

// Serve accepts connections on ln until Close; it takes ownership of ln.
// Temporary accept errors (temporaryAccept) are logged and retried after a
// backoff; any other ends Serve with it, logged, ln closed.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.ln = ln
	s.mu.Unlock()
	var delay time.Duration
	for {
		conn, err := ln.Accept()
		if err == nil {
			delay = 0
			s.ServeConn(conn)
			continue
		}
		if s.isClosed() {
			return ErrServerClosed
		}
		if !temporaryAccept(err) {
			ln.Close()
			err = fmt.Errorf("ccproxy: accept: %w", err)
			s.cfg.Logger.Error("no longer accepting connections", "error", err)
			return err
		}
		delay = min(max(2*delay, acceptBackoffMin), acceptBackoffMax)
		s.cfg.Logger.Warn("accept failed; retrying", "error", err, "after", delay)
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-s.done:
			t.Stop()
			return ErrServerClosed
		}
	}
}

// temporaryAccept reports whether an accept error passes by itself: out of
// file descriptors (EMFILE, ENFILE) or kernel memory (ENOBUFS, ENOMEM), a
// connection aborted before it was accepted (ECONNABORTED), or a timeout.
func temporaryAccept(err error) bool {
	for _, errno := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ECONNABORTED, syscall.ENOBUFS, syscall.ENOMEM} {
		if errors.Is(err, errno) {
			return true
		}
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// ServeConn serves one connection in the background; the Server owns conn.
// At MaxConnections it closes conn at once instead.
func (s *Server) ServeConn(conn net.Conn) {
	ss := &session{srv: s, conn: conn, w: api.NewWriter(conn)}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		conn.Close()
		return
	}
	if len(s.sessions) >= s.cfg.MaxConnections {
		first := !s.full
		s.full = true
		s.mu.Unlock()
		if first {
			s.cfg.Logger.Warn("connection limit reached; closing new connections until one ends", "max", s.cfg.MaxConnections)
		}
		conn.Close()
		return
	}
	s.full = false
	s.sessions[ss] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		ss.serve()
	}()
}

// Close stops accepting, closes every connection and agent channel, and waits
// for every goroutine of the Server.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	if s.ln != nil {
		s.ln.Close()
	}
	for ss := range s.sessions {
		ss.conn.Close()
	}
	vms := make([]*vm, 0, len(s.vms))
	for _, v := range s.vms {
		if v != nil { // nil: reserved while RegisterVM dials
			vms = append(vms, v)
		}
	}
	s.mu.Unlock()
	for _, v := range vms {
		v.close()
	}
	s.wg.Wait()
	return nil
}

// frameReader reads frames with no deadline between frames (a shim may wait
// for output as long as it likes; Close unblocks it) and FrameTimeout from a
// frame's first byte to its last.
type frameReader struct {
	conn    net.Conn
	buf     *bufio.Reader
	r       *api.Reader
	timeout time.Duration
}

func newFrameReader(conn net.Conn, cfg Config) *frameReader {
	buf := bufio.NewReader(conn)
	return &frameReader{conn: conn, buf: buf, r: api.NewReader(buf, api.WithMaxPayload(cfg.MaxPayload)), timeout: cfg.FrameTimeout}
}

func (fr *frameReader) next() (api.Frame, error) {
	if err := fr.conn.SetReadDeadline(time.Time{}); err != nil {
		return api.Frame{}, err
	}
	if _, err := fr.buf.Peek(1); err != nil {
		if errors.Is(err, io.EOF) {
			return api.Frame{}, io.EOF
		}
		return api.Frame{}, err
	}
	if err := fr.conn.SetReadDeadline(time.Now().Add(fr.timeout)); err != nil {
		return api.Frame{}, err
	}
	return fr.r.ReadFrame()
}
