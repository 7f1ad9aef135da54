package framepeer

import (
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/wirecert/wirecert/fakes/wiretap"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// DefaultWriteTimeout bounds every write unless SetWriteTimeout says
// otherwise: a peer that never reads cannot block a spec forever.
const DefaultWriteTimeout = 10 * time.Second

// Peer is one end of a cc-proxy connection that sends and receives raw
// bytes. Its methods are not meant for concurrent use from several
// goroutines, except that sending and receiving may run concurrently.
type Peer struct {
	conn         net.Conn
	tap          *wiretap.Channel // nil when nothing records
	closeOnce    sync.Once
	closeErr     error
	writeTimeout time.Duration
	writer       *api.Writer
	reader       *api.Reader // tolerates reserved fields, as a receiver must
	strictReader *api.Reader // rejects them, to judge what a peer emits
	discard      [4096]byte  // ExpectClosed's read buffer
}

// New makes a Peer of an established connection, which the Peer then owns.
// When a spec records its wire traffic (package wiretap), the connection's
// reads, writes and closes are recorded, on a channel named "connection"
// until SetChannel names it.
func New(conn net.Conn) *Peer {
	tap := wiretap.Open("connection", wiretap.CCProxy)
	p := &Peer{conn: wiretap.WrapConn(conn, tap), tap: tap, writeTimeout: DefaultWriteTimeout}
	p.writer = api.NewWriter(deadlineWriter{p})
	// api.Reader reads exactly the bytes of each frame and buffers nothing
	// ahead, so two Readers can take turns on one connection.
	p.reader = api.NewReader(p.conn)
	p.strictReader = api.NewReader(p.conn, api.WithStrictReserved())
	return p
}

// Dial connects to the unix socket at path, waiting at most timeout.
func Dial(path string, timeout time.Duration) (*Peer, error) {
	if timeout <= 0 {
		return nil, fmt.Errorf("framepeer: %w: dial timeout is %v, allowed > 0", ErrBadArgument, timeout)
	}
	conn, err := net.DialTimeout("unix", path, timeout)
	if err != nil {
		return nil, fmt.Errorf("framepeer: dial %s: %w", path, err)
	}
	return New(conn), nil
}

// SetChannel names the Peer's connection in the spec's wire transcript
// ("runtime", "shim"); it does nothing when nothing records.
func (p *Peer) SetChannel(name string) { p.tap.Rename(name) }

// Conn is the Peer's connection (recording, when the spec records), for what the Peer does not do itself
// (local or remote address, socket options).
func (p *Peer) Conn() net.Conn { return p.conn }

// SetWriteTimeout sets the deadline each later write gets; d must be > 0.
func (p *Peer) SetWriteTimeout(d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("framepeer: %w: write timeout is %v, allowed > 0", ErrBadArgument, d)
	}
	p.writeTimeout = d
	return nil
}

// CloseWrite shuts down the sending direction: the other side reads EOF
// while this Peer can still read what it answers.
func (p *Peer) CloseWrite() error {
	cw, ok := p.conn.(interface{ CloseWrite() error })
	if !ok {
		return fmt.Errorf("framepeer: %w: a %T cannot close only its write side", ErrBadArgument, p.conn)
	}
	if err := cw.CloseWrite(); err != nil {
		return fmt.Errorf("framepeer: close write: %w", err)
	}
	return nil
}

// Close closes the connection. Closing again does nothing and returns the
// first Close's result, so a spec may both close early and defer a Close.
func (p *Peer) Close() error {
	p.closeOnce.Do(func() { p.closeErr = p.conn.Close() })
	return p.closeErr
}

// deadlineWriter gives every write of the api.Writer the Peer's write
// deadline.
type deadlineWriter struct{ p *Peer }

func (w deadlineWriter) Write(b []byte) (int, error) { return w.p.write(b) }

// write writes b in one Write under the write deadline.
func (p *Peer) write(b []byte) (int, error) {
	if err := p.conn.SetWriteDeadline(time.Now().Add(p.writeTimeout)); err != nil {
		return 0, fmt.Errorf("framepeer: set write deadline: %w", err)
	}
	n, err := p.conn.Write(b)
	if err != nil {
		return n, fmt.Errorf("framepeer: wrote %d of %d bytes: %w", n, len(b), err)
	}
	return n, nil
}
