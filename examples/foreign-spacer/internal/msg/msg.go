// Package msg moves spacer messages over a connected unix stream socket:
// one gob stream per direction, one sendmsg per message of at most MaxSize
// bytes, fds as SCM_RIGHTS beside the bytes.
package msg

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"example.com/foreign-spacer/internal/fdkind"
)

const (
	// MaxSize is the most bytes one message may have.
	MaxSize = 8192
	// FdRoom is how many fds a receive has ancillary room for: more than
	// any response carries (6), so that extra fds arrive and get closed,
	// fewer than a flood, which then shows as MSG_CTRUNC.
	FdRoom = 16
)

// ErrBroken: an earlier failure left this end's gob stream out of step
// with the peer's; the connection is of no further use.
var ErrBroken = errors.New("spacer connection broken")

// Conn is one end of a spacer connection. It is not safe for concurrent
// use.
type Conn struct {
	uc      *net.UnixConn
	encBuf  bytes.Buffer
	enc     *gob.Encoder
	pending bytes.Buffer // whole gob messages received, not yet decoded
	dec     *gob.Decoder
	buf     []byte
	oob     []byte
	broken  error
}

// New wraps uc, which the Conn owns from now on.
func New(uc *net.UnixConn) *Conn {
	c := &Conn{uc: uc, buf: make([]byte, MaxSize+1), oob: make([]byte, unix.CmsgSpace(FdRoom*4))}
	c.enc = gob.NewEncoder(&c.encBuf)
	// a bytes.Buffer is an io.ByteReader: gob then reads no further than
	// the message it decodes
	c.dec = gob.NewDecoder(&c.pending)
	return c
}

// Close closes the socket.
func (c *Conn) Close() error { return c.uc.Close() }

// UnixConn returns the socket.
func (c *Conn) UnixConn() *net.UnixConn { return c.uc }

// Break marks the connection unusable, for a caller that found it out of
// step (a missed response, say).
func (c *Conn) Break(err error) {
	if c.broken == nil {
		c.broken = err
	}
}

// Send gob-encodes v (a pointer to a Request or Response interface value)
// and sends it with fds in one sendmsg, by deadline (none if zero). The
// fds are closed afterwards, sent or not: the receiver owns its copies.
func (c *Conn) Send(v any, fds []int, deadline time.Time) error {
	defer fdkind.CloseAll(fds)
	if c.broken != nil {
		return fmt.Errorf("%w: %w", ErrBroken, c.broken)
	}
	c.encBuf.Reset()
	if err := c.enc.Encode(v); err != nil {
		if c.encBuf.Len() > 0 {
			// type definitions the peer will never see count as sent
			c.Break(err)
		}
		return fmt.Errorf("encoding %T: %w", v, err)
	}
	if n := c.encBuf.Len(); n > MaxSize {
		c.Break(fmt.Errorf("message of %d bytes not sent", n))
		return fmt.Errorf("message of %d bytes, allowed at most %d", n, MaxSize)
	}
	var oob []byte
	if len(fds) > 0 {
		oob = unix.UnixRights(fds...)
	}
	if err := c.uc.SetWriteDeadline(deadline); err != nil {
		return err
	}
	n, _, err := c.uc.WriteMsgUnix(c.encBuf.Bytes(), oob, nil)
	if err == nil && n != c.encBuf.Len() {
		err = fmt.Errorf("sent %d of %d bytes", n, c.encBuf.Len())
	}
	if err != nil {
		c.Break(err)
	}
	return err
}

// Received is what one recvmsg brought besides the gob messages, which
// wait in the Conn for Decode.
type Received struct {
	// Fds are the fds that came, in arrival order, each above 2: one the
	// kernel put at 0, 1 or 2 (free there) is moved up, as 0 means
	// "absent" in a response. The caller owns them.
	Fds []int
	// Truncated: MSG_CTRUNC, fds were lost for want of room.
	Truncated bool
	// Oversize: more than MaxSize bytes came; none were kept, and what
	// follows on the stream is the rest of that message.
	Oversize bool
	// Tail is the number of bytes after the last whole gob message,
	// dropped.
	Tail int
	// LowFd tells of an fd below 3 that could not be moved up (closed).
	LowFd error
}

// Receive does one recvmsg by deadline (none if zero). It returns io.EOF
// once the peer has closed, with no fd left open.
func (c *Conn) Receive(deadline time.Time) (Received, error) {
	var r Received
	if c.broken != nil {
		return r, fmt.Errorf("%w: %w", ErrBroken, c.broken)
	}
	if err := c.uc.SetReadDeadline(deadline); err != nil {
		return r, err
	}
	n, oobn, flags, _, err := c.uc.ReadMsgUnix(c.buf, c.oob)
	r.Fds, r.LowFd = rights(c.oob[:oobn])
	if err == nil && n == 0 {
		err = io.EOF
	}
	if err != nil {
		fdkind.CloseAll(r.Fds)
		return Received{}, err
	}
	r.Truncated = flags&unix.MSG_CTRUNC != 0
	if n > MaxSize {
		r.Oversize = true // the caller decides what becomes of the stream
		return r, nil
	}
	whole := framed(c.buf[:n])
	r.Tail = n - whole
	c.pending.Write(c.buf[:whole])
	return r, nil
}

// More tells whether received messages wait for Decode.
func (c *Conn) More() bool { return c.pending.Len() > 0 }

// Decode decodes the next received message into v, a pointer to an
// interface value. On an error it drops the rest of what the recvmsg
// brought: it belongs to the request that failed, or cannot be trusted.
func (c *Conn) Decode(v any) error {
	err := c.dec.Decode(v)
	if err != nil {
		c.pending.Reset()
	}
	return err
}

// rights returns the fds of the SCM_RIGHTS messages in oob, each above 2.
func rights(oob []byte) ([]int, error) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil, nil
	}
	var fds []int
	var low error
	for i := range msgs {
		got, err := unix.ParseUnixRights(&msgs[i])
		if err != nil {
			continue
		}
		for _, fd := range got {
			if fd < 3 {
				moved, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 3)
				_ = unix.Close(fd)
				if err != nil {
					low = fmt.Errorf("received fd %d, not movable above 2 (closed): %w", fd, err)
					continue
				}
				fd = moved
			}
			fds = append(fds, fd)
		}
	}
	return fds, low
}

// framed returns how many bytes at the start of b are whole gob messages,
// each an unsigned count followed by that many bytes.
func framed(b []byte) int {
	off := 0
	for off < len(b) {
		count, size := gobUint(b[off:])
		if size == 0 || count == 0 || count > uint64(len(b)-off-size) {
			break
		}
		off += size + int(count)
	}
	return off
}

// gobUint decodes a gob unsigned integer (one byte below 0x80, else the
// negated length of the big-endian bytes that follow); size 0 if b does
// not hold one.
func gobUint(b []byte) (v uint64, size int) {
	if len(b) == 0 {
		return 0, 0
	}
	if b[0] < 0x80 {
		return uint64(b[0]), 1
	}
	n := 256 - int(b[0])
	if n > 8 || len(b) < 1+n {
		return 0, 0
	}
	for _, x := range b[1 : 1+n] {
		v = v<<8 | uint64(x)
	}
	return v, 1 + n
}

// Disconnected tells whether err means the peer has gone.
func Disconnected(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed)
}
