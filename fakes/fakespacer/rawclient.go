package fakespacer

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/wirecert/wirecert/fakes/wiretap"
	"github.com/wirecert/wirecert/reference/spacer/api"
	"github.com/wirecert/wirecert/reference/spacer/wire"
	"golang.org/x/sys/unix"
)

// UnknownRequestName is the gob name of the request type RawClient sends
// as "unregistered": no spacer service knows it.
const UnknownRequestName = "*wirecert.UnknownRequest"

// mismatchName is registered for a RoomsRequest look-alike whose Spaces is
// a string; EncodeMismatch patches the name to "*api.RoomsRequest" in the
// bytes (same length), as gob refuses two types under one name.
const (
	mismatchName = "*api.RoomsRequesX"
	roomsName    = "*api.RoomsRequest"
)

// unknownRequest is registered under UnknownRequestName; it is no
// api.Request, which does not matter on the wire, where an interface value
// is its type name and its fields.
type unknownRequest struct{ Payload string }

// roomsRequestMismatch is a RoomsRequest with a field of the wrong type.
type roomsRequestMismatch struct{ Spaces string }

func init() {
	gob.RegisterName(UnknownRequestName, &unknownRequest{})
	gob.RegisterName(mismatchName, &roomsRequestMismatch{})
}

// DefaultTimeout bounds each send and receive of a RawClient or Client
// unless told otherwise.
const DefaultTimeout = 10 * time.Second

// RawClient speaks to a spacer service with its own gob encoder and
// decoder, and sends whatever it is told, one sendmsg per call.
type RawClient struct {
	uc      *net.UnixConn
	tap     *wiretap.Channel // nil when nothing records
	timeout time.Duration

	encBuf bytes.Buffer
	enc    *gob.Encoder

	pending bytes.Buffer // received bytes not yet decoded
	dec     *gob.Decoder
	buf     []byte
	oob     []byte
}

// NewRawClient returns a raw client on uc, which it owns from now on.
// timeout bounds each send and receive (0: DefaultTimeout); room is the
// number of fds a receive has ancillary room for (0: ScmMaxFd). When the
// spec records its wire traffic (package wiretap), the client records what
// it sends and receives as "spacer conn" (see SetChannel).
func NewRawClient(uc *net.UnixConn, timeout time.Duration, room int) *RawClient {
	c := newRawClient(uc, timeout, room)
	c.tap = wiretap.Open("spacer conn", wiretap.Spacer)
	return c
}

// SetChannel names the client's connection in the spec's wire transcript;
// it does nothing when nothing records.
func (c *RawClient) SetChannel(name string) { c.tap.Rename(name) }

// newRawClient is NewRawClient recording nothing: for a Client, which is
// a client under test, not the suite's peer.
func newRawClient(uc *net.UnixConn, timeout time.Duration, room int) *RawClient {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if room <= 0 {
		room = ScmMaxFd
	}
	c := &RawClient{uc: uc, timeout: timeout, buf: make([]byte, MaxMessageSize+1), oob: oobRoom(room)}
	c.enc = gob.NewEncoder(&c.encBuf)
	c.dec = gob.NewDecoder(&c.pending)
	return c
}

// UnixConn returns the client's socket.
func (c *RawClient) UnixConn() *net.UnixConn { return c.uc }

// SetTimeout changes the bound of the following sends and receives.
func (c *RawClient) SetTimeout(d time.Duration) { c.timeout = d }

// Close closes the socket.
func (c *RawClient) Close() error {
	err := c.uc.Close()
	if err == nil {
		c.tap.Closed(wiretap.Sent, "closed")
	}
	return err
}

// ResetEncoder starts a fresh gob stream for sending, whose next message
// carries its type definitions again: for a peer whose decoder never
// learnt the types (after a message without them).
func (c *RawClient) ResetEncoder() { c.enc = gob.NewEncoder(&c.encBuf) }

// Encode returns the bytes of one request message on this client's gob
// stream: with the type definitions the first time a type is sent.
func (c *RawClient) Encode(req api.Request) ([]byte, error) {
	return c.encode(&req)
}

func (c *RawClient) encode(v any) ([]byte, error) {
	c.encBuf.Reset()
	if err := c.enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encoding %T: %w", v, err)
	}
	return bytes.Clone(wire.ToWire(c.encBuf.Bytes())), nil
}

// EncodeUnregistered returns a request message of a type the protocol does
// not register (UnknownRequestName), with its type definition: the stream
// stays in step, the service just cannot know the request.
func (c *RawClient) EncodeUnregistered() ([]byte, error) {
	var v any = &unknownRequest{Payload: "no spacer knows me"}
	return c.encode(&v)
}

// EncodeMismatch returns a message naming *api.RoomsRequest whose Spaces
// is a string: gob cannot decode it into the real type.
func (c *RawClient) EncodeMismatch() ([]byte, error) {
	var v any = &roomsRequestMismatch{Spaces: "all of them"}
	b, err := c.encode(&v)
	if err != nil {
		return nil, err
	}
	i := bytes.Index(b, []byte(mismatchName))
	if i < 0 {
		return nil, fmt.Errorf("encoded mismatch: type name %q not in the %d bytes", mismatchName, len(b))
	}
	copy(b[i:], roomsName)
	return b, nil
}

// EncodeWithoutTypeDefs returns the bytes of req as a gob stream would send it a
// second time, without the type definitions a fresh stream needs.
func EncodeWithoutTypeDefs(req api.Request) ([]byte, error) {
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	if err := enc.Encode(&req); err != nil {
		return nil, err
	}
	buf.Reset()
	if err := enc.Encode(&req); err != nil {
		return nil, err
	}
	return wire.ToWire(buf.Bytes()), nil
}

// Garbage returns bytes that are no gob stream at all: a count that claims
// more bytes than follow.
func Garbage() []byte { return []byte{0x7f, 0xde, 0xad, 0xbe, 0xef} }

// Send sends req in one sendmsg, with fds as SCM_RIGHTS (still the
// caller's afterwards).
func (c *RawClient) Send(req api.Request, fds ...int) error {
	b, err := c.Encode(req)
	if err != nil {
		return err
	}
	return c.SendBytes(b, fds...)
}

// SendBytes sends b in one sendmsg, with fds as SCM_RIGHTS.
func (c *RawClient) SendBytes(b []byte, fds ...int) error {
	return sendmsg(c.uc, c.tap, c.timeout, b, fds)
}

// SendPipelined sends every request in a sendmsg of its own, all before
// reading any response.
func (c *RawClient) SendPipelined(reqs ...api.Request) error {
	for _, req := range reqs {
		if err := c.Send(req); err != nil {
			return err
		}
	}
	return nil
}

// Received is one response as it arrived.
type Received struct {
	// Response is the decoded response; its fd fields are as the gob
	// body had them (Fds are not placed).
	Response api.Response
	// Fds came with the response, in arrival order, untouched; the
	// receiver owns them (Close).
	Fds []int
	// Flags are recvmsg's flags, MSG_CTRUNC among them.
	Flags int
	// Bytes is the size of the recvmsg that brought the response, zero
	// when it was left over from an earlier recvmsg.
	Bytes int
	// Leftover is what remained of the recvmsg's bytes after decoding the
	// response: more than one message came in one sendmsg.
	Leftover int
}

// Close closes the received fds.
func (r *Received) Close() {
	closeFds(r.Fds)
	r.Fds = nil
}

// Receive receives one response: from what an earlier recvmsg left over,
// or else from one recvmsg. It returns io.EOF once the service closed the
// connection; on other errors the fds are closed.
func (c *RawClient) Receive() (*Received, error) {
	r := &Received{}
	if c.pending.Len() == 0 {
		a, err := recvmsg(c.uc, c.tap, c.timeout, c.buf, c.oob)
		r.Fds, r.Flags, r.Bytes = a.fds, a.flags, len(a.data)
		if err != nil {
			r.Close()
			return nil, err
		}
		if len(a.data) > MaxMessageSize {
			r.Close()
			return nil, fmt.Errorf("response: message size is more than %d bytes, allowed at most %d", MaxMessageSize, MaxMessageSize)
		}
		if !wire.GobFramed(a.data) {
			r.Close()
			return nil, fmt.Errorf("response: %w: %d bytes in one recvmsg", ErrNotGobFramed, len(a.data))
		}
		wire.FromWire(a.data)
		c.pending.Write(a.data)
	}
	var resp api.Response
	if err := c.dec.Decode(&resp); err != nil {
		r.Close()
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("response: gob: %w", err)
	}
	r.Response, r.Leftover = resp, c.pending.Len()
	return r, nil
}

// Closed tells whether err says that the peer closed the connection.
func Closed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, unix.ECONNRESET) || errors.Is(err, unix.EPIPE) || errors.Is(err, net.ErrClosed)
}
