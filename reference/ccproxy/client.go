package ccproxy

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// DefaultTimeout bounds each command's wait for its response, each write and
// each incoming frame once its first byte has arrived.
const DefaultTimeout = 10 * time.Second

// Client is one connection to a cc-proxy, in the runtime role (RegisterVM,
// AttachVM, UnregisterVM, Hyper) or the shim role (ConnectShim, stdin,
// Signal, DisconnectShim). Commands are serialised: one in flight per
// connection, as the proxy answers each connection in order. A single reader
// goroutine demultiplexes what the proxy sends: the response goes to the
// command waiting for it, stdout/stderr go to the configured writers and
// ProcessExited to Exited, in the order they arrive.
//
// Anything the protocol forbids (a bad header, a response nobody asked for,
// a response with another opcode, a frame type a proxy never sends) closes
// the connection; Err says why. A Client never resyncs inside a stream.
type Client struct {
	conn       net.Conn
	w          *api.Writer
	timeout    time.Duration
	stdout     io.Writer
	stderr     io.Writer
	readerOpts []api.ReaderOption

	cmdMu sync.Mutex // one command in flight

	mu       sync.Mutex
	pending  *pendingCommand
	err      error
	shimUp   bool // ConnectShim succeeded
	stdinEOF bool // the zero-length stdin frame was sent

	exited    chan uint8
	done      chan struct{}
	closeOnce sync.Once
}

// pendingCommand is the command waiting for its response.
type pendingCommand struct {
	opcode uint8
	ch     chan commandResult
}

type commandResult struct {
	isError bool
	payload []byte
}

// ClientOption configures a Client.
type ClientOption func(*Client)

// WithTimeout sets the per-command response timeout, which also bounds each
// write and each incoming frame after its first byte.
func WithTimeout(d time.Duration) ClientOption { return func(c *Client) { c.timeout = d } }

// WithStdout sets where stdout stream payloads go (default: discarded).
func WithStdout(w io.Writer) ClientOption { return func(c *Client) { c.stdout = w } }

// WithStderr sets where stderr stream payloads go (default: discarded).
func WithStderr(w io.Writer) ClientOption { return func(c *Client) { c.stderr = w } }

// WithMaxPayload sets the largest PayloadLength accepted from the proxy
// (default api.DefaultMaxPayload); a larger one closes the connection before
// anything is allocated for it.
func WithMaxPayload(n uint32) ClientOption {
	return func(c *Client) { c.readerOpts = append(c.readerOpts, api.WithMaxPayload(n)) }
}

// Dial connects to the proxy's unix socket at path.
func Dial(path string, opts ...ClientOption) (*Client, error) {
	conn, err := net.Dial("unix", path)
	if err != nil {
		return nil, fmt.Errorf("dialing cc-proxy at %q: %w", path, err)
	}
	return NewClient(conn, opts...), nil
}

// NewClient runs a Client on conn, which it owns from now on: Close closes
// it.
func NewClient(conn net.Conn, opts ...ClientOption) *Client {
	c := &Client{
		conn:    conn,
		timeout: DefaultTimeout,
		stdout:  io.Discard,
		stderr:  io.Discard,
		exited:  make(chan uint8, 1),
		done:    make(chan struct{}),
	}
	for _, o := range opts {
		o(c)
	}
	c.w = api.NewWriter(&writeDeadlineConn{conn: conn, timeout: c.timeout})
	go c.readLoop(&frameDeadlineReader{conn: conn, timeout: c.timeout})
	return c
}

// Exited delivers the exit code of the first ProcessExited notification; it
// is closed once the connection ends, so a receive that gets ok == false
// means the connection ended without one.
func (c *Client) Exited() <-chan uint8 { return c.exited }

// Done is closed once the connection has ended and the reader goroutine has
// finished; Err then says why.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err is why the connection ended (nil while it is up): ErrClientClosed after
// Close, ErrProxyClosed on EOF, a wrapped api or *ProtocolError otherwise.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close ends the connection and waits for the reader goroutine. It is
// idempotent and safe to call concurrently with every other method.
func (c *Client) Close() error {
	c.fail(ErrClientClosed)
	<-c.done
	return nil
}

// fail records the first reason the connection ends and closes it, which
// also unblocks the reader goroutine.
func (c *Client) fail(err error) {
	c.mu.Lock()
	if c.err == nil {
		c.err = err
	}
	c.mu.Unlock()
	c.closeOnce.Do(func() { _ = c.conn.Close() })
}

// readLoop is the only reader of the connection.
func (c *Client) readLoop(fr *frameDeadlineReader) {
	defer close(c.done)
	defer close(c.exited)
	r := api.NewReader(fr, c.readerOpts...)
	exitSeen := false
	for {
		fr.nextFrame()
		f, err := r.ReadFrame()
		if err != nil {
			switch {
			case errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET):
				// A reset is a close with our data still unread by the proxy.
				err = fmt.Errorf("%w: %w", ErrProxyClosed, err)
			case isDeadlineExceeded(err):
				err = fmt.Errorf("%w: frame incomplete %s after its first byte: %w", ErrClientTimeout, c.timeout, err)
			default:
				err = fmt.Errorf("reading a frame from the proxy: %w", err)
			}
			c.fail(err)
			return
		}
		if err := c.dispatch(f, &exitSeen); err != nil {
			c.fail(err)
			return
		}
	}
}

// dispatch routes one frame; an error ends the connection.
func (c *Client) dispatch(f api.Frame, exitSeen *bool) error {
	h := f.Header
	switch h.Type {
	case api.TypeResponse:
		c.mu.Lock()
		w := c.pending
		c.pending = nil
		c.mu.Unlock()
		if w == nil {
			return &ProtocolError{Field: "response " + api.OpcodeName(h.Type, h.Opcode),
				Seen: "with no command outstanding", Allowed: "exactly one response per command"}
		}
		if h.Opcode != w.opcode {
			return &ProtocolError{Field: "response opcode",
				Seen:    fmt.Sprintf("%d (%s)", h.Opcode, api.OpcodeName(h.Type, h.Opcode)),
				Allowed: fmt.Sprintf("%d (%s, the command's opcode)", w.opcode, api.OpcodeName(h.Type, w.opcode))}
		}
		// The payload aliases the Reader's buffer: hand over a copy.
		w.ch <- commandResult{isError: h.Error, payload: append([]byte(nil), f.Payload...)}
		return nil
	case api.TypeStream:
		var out io.Writer
		switch h.Opcode {
		case api.StreamStdout:
			out = c.stdout
		case api.StreamStderr:
			out = c.stderr
		default:
			return &ProtocolError{Field: "stream opcode", Seen: api.OpcodeName(h.Type, h.Opcode),
				Allowed: "stdout or stderr (a proxy sends no stdin or log stream)"}
		}
		if _, err := out.Write(f.Payload); err != nil {
			return fmt.Errorf("writing %s: %w", api.OpcodeName(h.Type, h.Opcode), err)
		}
		return nil
	case api.TypeNotification: // only ProcessExited passes the Reader
		if len(f.Payload) != 1 {
			return &ProtocolError{Field: "ProcessExited payload length", Seen: fmt.Sprint(len(f.Payload)), Allowed: "1 (the exit code byte)"}
		}
		if *exitSeen {
			return &ProtocolError{Field: "ProcessExited", Seen: "a second one", Allowed: "exactly one per connection"}
		}
		*exitSeen = true
		c.exited <- f.Payload[0]
		return nil
	}
	return &ProtocolError{Field: "frame type", Seen: h.Type.String(), Allowed: "response, stream or notification (a proxy sends no commands)"}
}

// call sends one command and waits for its response; an E response gives a
// *ProxyError. On a timeout the connection is closed: a late response could
// otherwise be taken for the next command's.
func (c *Client) call(opcode uint8, v any) ([]byte, error) {
	payload, err := api.MarshalPayload(v)
	if err != nil {
		return nil, err
	}
	c.cmdMu.Lock()
	defer c.cmdMu.Unlock()
	ch := make(chan commandResult, 1)
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return nil, err
	}
	c.pending = &pendingCommand{opcode: opcode, ch: ch}
	c.mu.Unlock()
	if err := c.send(api.TypeCommand, opcode, payload); err != nil {
		return nil, err
	}
	timer := time.NewTimer(c.timeout)
	defer timer.Stop()
	var resp commandResult
	select {
	case resp = <-ch:
	case <-c.done:
		// The reader may have delivered the response just before the end.
		select {
		case resp = <-ch:
		default:
			return nil, c.Err()
		}
	case <-timer.C:
		err := fmt.Errorf("%w: no %s response within %s", ErrClientTimeout, api.OpcodeName(api.TypeResponse, opcode), c.timeout)
		c.fail(err)
		return nil, err
	}
	if resp.isError {
		var e api.ErrorResponse
		if api.UnmarshalPayload(resp.payload, &e) != nil || e.Message == "" {
			// Keep what the proxy said even when it is not {"msg": ...}.
			e.Message = fmt.Sprintf("(error payload not {\"msg\":non-empty}) %q", resp.payload)
		}
		return nil, &ProxyError{Opcode: opcode, Msg: e.Message}
	}
	return resp.payload, nil
}

// send writes one frame; a failed write ends the connection, whose state is
// unknown afterwards.
func (c *Client) send(t api.FrameType, opcode uint8, payload []byte) error {
	if err := c.w.WriteFrame(api.NewFrame(t, opcode, false, payload)); err != nil {
		if e := c.Err(); e != nil {
			return e
		}
		if errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) {
			// The proxy closed: say so, whichever side noticed first.
			err = fmt.Errorf("%w: writing %s %s: %w", ErrProxyClosed, t, api.OpcodeName(t, opcode), err)
		} else {
			err = fmt.Errorf("writing %s %s: %w", t, api.OpcodeName(t, opcode), err)
		}
		c.fail(err)
		return err
	}
	return nil
}

func isDeadlineExceeded(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// writeDeadlineConn bounds every write, so a proxy that stops reading cannot
// block a sender for ever. api.Writer serialises the calls.
type writeDeadlineConn struct {
	conn    net.Conn
	timeout time.Duration
}

func (w *writeDeadlineConn) Write(p []byte) (int, error) {
	if err := w.conn.SetWriteDeadline(time.Now().Add(w.timeout)); err != nil {
		return 0, err
	}
	return w.conn.Write(p)
}

// frameDeadlineReader lets the connection idle without a deadline between
// frames (a shim may wait hours for output) but bounds each frame once its
// first byte has arrived, so a proxy stalling mid-frame cannot wedge the
// reader.
type frameDeadlineReader struct {
	conn    net.Conn
	timeout time.Duration
	started bool
}

// nextFrame lifts the deadline before the next frame's first byte.
func (r *frameDeadlineReader) nextFrame() {
	r.started = false
	_ = r.conn.SetReadDeadline(time.Time{})
}

func (r *frameDeadlineReader) Read(p []byte) (int, error) {
	n, err := r.conn.Read(p)
	if n > 0 && !r.started {
		r.started = true
		if derr := r.conn.SetReadDeadline(time.Now().Add(r.timeout)); derr != nil && err == nil {
			err = derr
		}
	}
	return n, err
}
