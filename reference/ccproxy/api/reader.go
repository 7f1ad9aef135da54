package api

import (
	"errors"
	"fmt"
	"io"
)

// DefaultMaxPayload is the largest payload a Reader accepts unless told
// otherwise: generous for JSON commands and stdio chunks, small enough that a
// hostile length cannot exhaust memory.
const DefaultMaxPayload = 1 << 20

// readChunk bounds how much a Reader grows its buffer ahead of the bytes
// really received, so a claimed length costs memory only as data arrives.
const readChunk = 64 << 10

// Reader reads frames strictly. It is not safe for concurrent use.
type Reader struct {
	r          io.Reader
	maxPayload uint32
	strict     bool
	head       [HeaderSize]byte
	skip       [255*4 - HeaderSize]byte
	buf        []byte
}

// ReaderOption configures a Reader.
type ReaderOption func(*Reader)

// WithMaxPayload sets the largest accepted PayloadLength.
func WithMaxPayload(n uint32) ReaderOption { return func(r *Reader) { r.maxPayload = n } }

// WithStrictReserved makes the Reader reject reserved fields that are not
// zero; a harness uses it to judge what a peer emits, never a server.
func WithStrictReserved() ReaderOption { return func(r *Reader) { r.strict = true } }

// NewReader returns a Reader of frames from r.
func NewReader(r io.Reader, opts ...ReaderOption) *Reader {
	fr := &Reader{r: r, maxPayload: DefaultMaxPayload}
	for _, o := range opts {
		o(fr)
	}
	return fr
}

// ReadFrame reads the next frame. It returns io.EOF only when the stream ends
// cleanly between frames; a stream that ends inside a frame gives an error
// wrapping ErrTruncated and io.ErrUnexpectedEOF. The payload aliases the
// Reader's buffer until the next call.
func (r *Reader) ReadFrame() (Frame, error) {
	if n, err := io.ReadFull(r.r, r.head[:]); err != nil {
		if n == 0 && errors.Is(err, io.EOF) {
			return Frame{}, io.EOF
		}
		return Frame{}, truncated("header", n, HeaderSize, err)
	}
	h := ParseHeader(r.head[:])
	if err := h.Validate(); err != nil {
		return Frame{}, err
	}
	if r.strict {
		if err := h.CheckReserved(); err != nil {
			return Frame{}, err
		}
	}
	if h.PayloadLength > r.maxPayload {
		return Frame{}, headerError(h, "PayloadLength", uint64(h.PayloadLength),
			fmt.Sprintf("<= %d (this reader's maximum)", r.maxPayload), ErrPayloadTooLong)
	}
	// Header words beyond the third belong to future versions: skip them.
	if extra := int(h.HeaderLength)*4 - HeaderSize; extra > 0 {
		if n, err := io.ReadFull(r.r, r.skip[:extra]); err != nil {
			return Frame{}, truncated("extra header words", n, extra, err)
		}
	}
	payload, err := r.readPayload(int(h.PayloadLength))
	if err != nil {
		return Frame{}, err
	}
	return Frame{Header: h, Payload: payload}, nil
}

// readPayload grows the reused buffer at most readChunk ahead of the bytes
// received.
func (r *Reader) readPayload(n int) ([]byte, error) {
	if n <= cap(r.buf) {
		r.buf = r.buf[:n]
		if got, err := io.ReadFull(r.r, r.buf); err != nil {
			return nil, truncated("payload", got, n, err)
		}
		return r.buf, nil
	}
	r.buf = r.buf[:0]
	for len(r.buf) < n {
		step := min(n-len(r.buf), readChunk)
		start := len(r.buf)
		r.buf = append(r.buf, make([]byte, step)...)
		if got, err := io.ReadFull(r.r, r.buf[start:]); err != nil {
			return nil, truncated("payload", start+got, n, err)
		}
	}
	return r.buf, nil
}

func truncated(part string, got, want int, err error) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("%w: read %d of %d %s bytes: %w", ErrTruncated, got, want, part, err)
}
