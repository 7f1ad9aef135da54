package wire

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/wirecert/wirecert/reference/spacer/api"
	"golang.org/x/sys/unix"
)

const (
	// MaxMessageSize is the largest message, in bytes, one sendmsg may carry.
	MaxMessageSize = 8192
	// MaxFds is the number of fds a receive has ancillary room for: well
	// above the 6 of an all-types RoomsResponse, so that a peer sending too
	// many is seen (and its fds closed) instead of truncated.
	MaxFds = 16
	// DefaultTimeout bounds each send and receive unless set otherwise.
	DefaultTimeout = 10 * time.Second
)

// Conn is one end of a spacer connection. Sends and receives may run
// concurrently with each other, but not with themselves.
type Conn struct {
	uc      *net.UnixConn
	timeout time.Duration

	sendMu sync.Mutex
	encBuf bytes.Buffer
	enc    *gob.Encoder
	encErr error // sticky: the encoder is out of step with the peer

	recvMu  sync.Mutex
	pending bytes.Buffer // received bytes not yet decoded
	dec     *gob.Decoder
	decErr  error // sticky: the decoder is out of step with the peer
	buf     []byte
	oob     []byte
}

// NewConn wraps uc; timeout bounds each send and receive (0: DefaultTimeout).
// The Conn owns uc from now on.
func NewConn(uc *net.UnixConn, timeout time.Duration) *Conn {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	c := &Conn{
		uc:      uc,
		timeout: timeout,
		buf:     make([]byte, MaxMessageSize+1), // one more to see oversize
		oob:     make([]byte, unix.CmsgSpace(MaxFds*4)),
	}
	c.enc = gob.NewEncoder(&c.encBuf)
	// bytes.Buffer is an io.ByteReader, so gob reads it without read-ahead
	// and stops exactly at the end of each message.
	c.dec = gob.NewDecoder(&c.pending)
	return c
}

// SetTimeout changes the bound for the following sends and receives.
func (c *Conn) SetTimeout(d time.Duration) {
	c.sendMu.Lock()
	c.recvMu.Lock()
	c.timeout = d
	c.recvMu.Unlock()
	c.sendMu.Unlock()
}

// UnixConn returns the underlying socket.
func (c *Conn) UnixConn() *net.UnixConn { return c.uc }

// Close closes the socket.
func (c *Conn) Close() error { return c.uc.Close() }

// SendRequest sends req as a Request interface value in one sendmsg.
func (c *Conn) SendRequest(req api.Request) error {
	return c.send(&req, nil)
}

// SendResponse sends resp as a Response interface value in one sendmsg,
// with the fds taken out by its EncodeFds as SCM_RIGHTS; these fds are
// closed afterwards, whether the send worked or not.
func (c *Conn) SendResponse(resp api.Response) error {
	var fds []int
	if e, ok := resp.(api.FdsEncoder); ok {
		fds = e.EncodeFds()
	}
	return c.send(&resp, fds)
}

// ReceiveRequest receives one Request. Fds arriving with it are closed and
// reported as ErrUnexpectedFds (after which the connection is still usable).
func (c *Conn) ReceiveRequest() (api.Request, error) {
	var req api.Request
	fds, err := c.receive(&req)
	if err != nil {
		return nil, err
	}
	if len(fds) > 0 {
		closeAll(fds)
		return nil, &MessageError{Field: "request fds", Seen: fmt.Sprint(len(fds)), Allowed: "0", Err: ErrUnexpectedFds}
	}
	if req == nil {
		return nil, &MessageError{Field: "request", Seen: "nil", Allowed: "a registered api.Request", Err: ErrUndecodable}
	}
	return req, nil
}

// ReceiveResponse receives one Response and hands the fds that came with it
// to its DecodeFds; a response that carries no fds gets them closed.
func (c *Conn) ReceiveResponse() (api.Response, error) {
	resp, fds, err := c.ReceiveResponseFds()
	if err != nil {
		return nil, err
	}
	PlaceFds(resp, fds)
	return resp, nil
}

// ReceiveResponseFds receives one Response and returns the fds that came
// with it unplaced, in arrival order, every one above 2, for a caller
// that judges them before placing them (PlaceFds). Fd fields the sender
// left non-zero in the gob body are zeroed: a number there names an fd of
// the sender's process, and DecodeFds would take it for a field already
// holding one. On error no fd is left open.
func (c *Conn) ReceiveResponseFds() (api.Response, []int, error) {
	var resp api.Response
	fds, err := c.receive(&resp)
	if err != nil {
		return nil, nil, err
	}
	if resp == nil {
		closeAll(fds)
		return nil, nil, &MessageError{Field: "response", Seen: "nil", Allowed: "a registered api.Response", Err: ErrUndecodable}
	}
	if e, ok := resp.(api.FdsEncoder); ok {
		_ = e.EncodeFds() // zeroes the fields; the numbers are not ours
	}
	return resp, fds, nil
}

// PlaceFds hands fds to resp's DecodeFds, or closes them when resp
// carries none.
func PlaceFds(resp api.Response, fds []int) {
	if d, ok := resp.(api.FdsDecoder); ok {
		d.DecodeFds(fds)
		return
	}
	closeAll(fds)
}

func (c *Conn) send(v any, fds []int) error {
	defer closeAll(fds)
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	if c.encErr != nil {
		return fmt.Errorf("%w: %w", ErrBroken, c.encErr)
	}
	c.encBuf.Reset()
	if err := c.enc.Encode(v); err != nil {
		err = fmt.Errorf("%w: %w", ErrEncode, err)
		if c.encBuf.Len() > 0 {
			// type definitions went into the buffer and count as sent
			c.encErr = err
		}
		return err
	}
	ToWire(c.encBuf.Bytes())
	if n := c.encBuf.Len(); n > MaxMessageSize {
		c.encErr = &MessageError{Field: "message size", Seen: fmt.Sprintf("%d bytes", n), Allowed: fmt.Sprintf("at most %d", MaxMessageSize), Err: ErrMessageTooLarge}
		return c.encErr
	}
	var oob []byte
	if len(fds) > 0 {
		oob = unix.UnixRights(fds...)
	}
	if err := c.uc.SetWriteDeadline(time.Now().Add(c.timeout)); err != nil {
		return err
	}
	n, _, err := c.uc.WriteMsgUnix(c.encBuf.Bytes(), oob, nil)
	if err != nil {
		c.encErr = err
		return err
	}
	if n != c.encBuf.Len() {
		c.encErr = &MessageError{Field: "bytes sent", Seen: fmt.Sprint(n), Allowed: fmt.Sprint(c.encBuf.Len()), Err: ErrShortWrite}
		return c.encErr
	}
	return nil
}

// receive decodes the next message into v (a pointer to an interface). It
// returns the fds that came with the message; on error it has closed them.
func (c *Conn) receive(v any) (fds []int, err error) {
	c.recvMu.Lock()
	defer c.recvMu.Unlock()
	if c.decErr != nil {
		return nil, fmt.Errorf("%w: %w", ErrBroken, c.decErr)
	}
	defer func() {
		if err != nil {
			closeAll(fds)
			fds = nil
			if !Usable(err) {
				c.decErr = err
			}
		}
	}()
	// A peer that sent two messages back to back may have them arrive in
	// one recvmsg: then the second is decoded from what is left over.
	if c.pending.Len() == 0 {
		if fds, err = c.recvmsg(); err != nil {
			return fds, err
		}
	}
	if err := c.dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fds, &MessageError{Field: "gob message", Seen: "cut short after the bytes of one recvmsg", Allowed: "a whole message per sendmsg", Err: ErrIncompleteMessage}
		}
		// gob may stop before the end of the message, say at an unknown
		// type name with the value still to come: what is left of this
		// recvmsg belongs to the failed message, and since its gob
		// framing was checked, the next recvmsg starts a new one.
		c.pending.Reset()
		return fds, &MessageError{Field: "gob message", Seen: fmt.Sprintf("%q", err.Error()), Allowed: "a registered api type", Err: fmt.Errorf("%w: %w", ErrUndecodable, err)}
	}
	return fds, nil
}

// recvmsg reads one message into c.pending and returns the fds with it.
func (c *Conn) recvmsg() (fds []int, err error) {
	if err := c.uc.SetReadDeadline(time.Now().Add(c.timeout)); err != nil {
		return nil, err
	}
	n, oobn, flags, _, err := c.uc.ReadMsgUnix(c.buf, c.oob)
	fds, lowErr := parseRights(c.oob[:oobn]) // owned even when something else failed
	switch {
	case err != nil:
		return fds, err
	case lowErr != nil:
		return fds, lowErr
	case flags&unix.MSG_CTRUNC != 0:
		return fds, &MessageError{Field: "ancillary data", Seen: "MSG_CTRUNC", Allowed: fmt.Sprintf("at most %d fds", MaxFds), Err: ErrControlTruncated}
	case n == 0:
		return fds, io.EOF
	case n > MaxMessageSize:
		return fds, &MessageError{Field: "message size", Seen: fmt.Sprintf("more than %d bytes", MaxMessageSize), Allowed: fmt.Sprintf("at most %d", MaxMessageSize), Err: ErrMessageTooLarge}
	}
	if !GobFramed(c.buf[:n]) {
		return fds, &MessageError{Field: "gob framing", Seen: fmt.Sprintf("%d bytes not made of whole count-prefixed gob messages", n), Allowed: "whole gob messages in one sendmsg", Err: ErrIncompleteMessage}
	}
	FromWire(c.buf[:n])
	c.pending.Write(c.buf[:n])
	return fds, nil
}

// GobFramed tells whether b is a sequence of whole gob messages, each a
// non-zero unsigned count followed by that many bytes (gob never sends an
// empty message).
func GobFramed(b []byte) bool {
	for len(b) > 0 {
		count, size := gobUint(b)
		if size == 0 || count == 0 || count > uint64(len(b)-size) {
			return false
		}
		b = b[size+int(count):]
	}
	return true
}

// gobUint decodes a gob unsigned integer: one byte below 0x80, or a byte
// holding the negated length of the big-endian value that follows. It
// returns the bytes used, 0 if b is too short or malformed.
func gobUint(b []byte) (uint64, int) {
	if len(b) == 0 {
		return 0, 0
	}
	if b[0] < 0x80 {
		return uint64(b[0]), 1
	}
	n := 256 - int(b[0]) // 0xff: one byte follows, 0xfe: two, ...
	if n > 8 || len(b) < 1+n {
		return 0, 0
	}
	var v uint64
	for _, c := range b[1 : 1+n] {
		v = v<<8 | uint64(c)
	}
	return v, 1 + n
}

// parseRights returns every fd in SCM_RIGHTS messages. An fd below 3
// (the kernel gives the lowest free numbers, so 0, 1 and 2 where they
// were free) is moved up, since 0 means "absent" in responses and 1, 2
// are stdio; one that cannot be moved is closed and reported as
// ErrLowFd, never handed on.
func parseRights(oob []byte) ([]int, error) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil, nil
	}
	var fds []int
	var lowErr error
	for i := range msgs {
		rights, err := unix.ParseUnixRights(&msgs[i])
		if err != nil {
			continue
		}
		for _, fd := range rights {
			if fd < 3 {
				moved, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 3)
				_ = unix.Close(fd)
				if err != nil {
					lowErr = &MessageError{Field: "received fd", Seen: fmt.Sprintf("fd %d, not movable above 2: %v", fd, err), Allowed: "an fd above 2", Err: ErrLowFd}
					continue
				}
				fd = moved
			}
			fds = append(fds, fd)
		}
	}
	return fds, lowErr
}

func closeAll(fds []int) {
	for _, fd := range fds {
		_ = unix.Close(fd)
	}
}
