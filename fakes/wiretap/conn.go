package wiretap

import (
	"errors"
	"io"
	"net"
	"syscall"
	"time"
)

// ErrNoFd is what SyscallConn of a Conn returns when the connection it
// wraps has no file descriptor.
var ErrNoFd = errors.New("wiretap: the wrapped connection has no file descriptor")

// Conn is a net.Conn whose reads, writes and closes are recorded on a
// Channel. It keeps what callers may ask of a socket: SyscallConn (for
// peeking and socket ioctls, which are not recorded) and CloseWrite.
type Conn struct {
	net.Conn
	ch *Channel
}

// WrapConn returns conn recording on ch, or conn itself when ch is nil.
func WrapConn(conn net.Conn, ch *Channel) net.Conn {
	if ch == nil {
		return conn
	}
	return &Conn{Conn: conn, ch: ch}
}

// Channel is the Channel c records on.
func (c *Conn) Channel() *Channel { return c.ch }

// Read reads from the connection and records what arrived, and a close.
func (c *Conn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.ch.Received(b[:n], nil)
	}
	c.ch.ReadClosed(err)
	return n, err
}

// Write writes to the connection and records what went out.
func (c *Conn) Write(b []byte) (int, error) {
	begun := time.Now()
	n, err := c.Conn.Write(b)
	if n > 0 {
		c.ch.SentAt(begun, b[:n], nil)
	}
	return n, err
}

// Close closes the connection and records it.
func (c *Conn) Close() error {
	err := c.Conn.Close()
	if err == nil {
		c.ch.Closed(Sent, "closed")
	}
	return err
}

// CloseWrite shuts down the sending side, when the connection can.
func (c *Conn) CloseWrite() error {
	cw, ok := c.Conn.(interface{ CloseWrite() error })
	if !ok {
		return &net.OpError{Op: "close write", Net: "unix", Err: errors.ErrUnsupported}
	}
	err := cw.CloseWrite()
	if err == nil {
		c.ch.Closed(Sent, "shut down its sending side (EOF for the other end)")
	}
	return err
}

// SyscallConn is the wrapped connection's, or ErrNoFd.
func (c *Conn) SyscallConn() (syscall.RawConn, error) {
	sc, ok := c.Conn.(syscall.Conn)
	if !ok {
		return nil, ErrNoFd
	}
	return sc.SyscallConn()
}

// Reader returns r recording what it reads on ch, and a close, or r itself
// when ch is nil.
func Reader(r io.Reader, ch *Channel) io.Reader {
	if ch == nil {
		return r
	}
	return tapReader{r: r, ch: ch}
}

type tapReader struct {
	r  io.Reader
	ch *Channel
}

func (t tapReader) Read(b []byte) (int, error) {
	n, err := t.r.Read(b)
	if n > 0 {
		t.ch.Received(b[:n], nil)
	}
	t.ch.ReadClosed(err)
	return n, err
}

// Writer returns w recording what it writes on ch, or w itself when ch is
// nil.
func Writer(w io.Writer, ch *Channel) io.Writer {
	if ch == nil {
		return w
	}
	return tapWriter{w: w, ch: ch}
}

type tapWriter struct {
	w  io.Writer
	ch *Channel
}

func (t tapWriter) Write(b []byte) (int, error) {
	begun := time.Now()
	n, err := t.w.Write(b)
	if n > 0 {
		t.ch.SentAt(begun, b[:n], nil)
	}
	return n, err
}
