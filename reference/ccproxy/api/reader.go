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

// A payload buffer that has to grow starts at firstChunk bytes (or the
// payload's length if shorter) and doubles each time it fills, up to the
// payload's length: a claimed length costs memory only as data arrives, at
// most twice the bytes received (firstChunk for the first few), and a
// payload of n bytes costs about log2(n/firstChunk) copies of what it has.
const firstChunk = 4 << 10

// keptBuffer is the largest payload buffer a Reader keeps for the next
// frame. A larger one, grown for one long payload, is left to its frame: an
// idle connection that once took a 1 MiB frame holds no 1 MiB buffer.
const keptBuffer = 64 << 10

// DefaultReadAhead is a good size for WithReadAhead: a read of it takes in
// dozens of command frames or a large stdio chunk.
const DefaultReadAhead = 64 << 10

// maxHeaderBytes is the longest header, HeaderLength 255; a read-ahead
// buffer holds at least that much, so every header can be parsed in it.
const maxHeaderBytes = 255 * 4

// Reader reads frames strictly. It is not safe for concurrent use.
//
// By default it reads exactly the bytes of each frame and nothing beyond
// (a header read, then a payload read), so its caller may take turns with
// other readers of the same connection or hand the connection over after
// any frame. WithReadAhead gives it a bounded buffer instead, which costs a
// stream of small frames one read call per buffer's worth rather than two
// per frame.
type Reader struct {
	r          io.Reader
	maxPayload uint32
	strict     bool
	head       [HeaderSize]byte
	skip       [maxHeaderBytes - HeaderSize]byte
	buf        []byte // the payload of a frame read exactly or too long for ahead

	// The read-ahead buffer, nil when reading exactly: ahead[pos:end] is what
	// has been read from r and not yet returned.
	ahead    []byte
	pos, end int
	// direct records that the last frame was too long for ahead and its
	// payload was read into buf: in a run of such frames each header is read
	// on its own (two reads a frame, as without read-ahead) rather than
	// ahead into the payload, which would then be copied out of ahead.
	direct bool
}

// ReaderOption configures a Reader.
type ReaderOption func(*Reader)

// WithMaxPayload sets the largest accepted PayloadLength.
func WithMaxPayload(n uint32) ReaderOption { return func(r *Reader) { r.maxPayload = n } }

// WithStrictReserved makes the Reader reject reserved fields that are not
// zero; a harness uses it to judge what a peer emits, never a server.
func WithStrictReserved() ReaderOption { return func(r *Reader) { r.strict = true } }

// WithReadAhead gives the Reader a read-ahead buffer of size bytes
// (DefaultReadAhead suits most; less than 1020, the longest header, counts
// as 1020), allocated once: each read from the underlying reader asks for
// all the buffer's free room, and the frames that fit in the buffer are
// served from it, so a stream of small frames costs one read call per
// buffer's worth of frames.
// A frame longer than the buffer has its payload read straight into a
// buffer of its own that grows with the bytes received, as without
// read-ahead.
//
// The Reader then reads bytes beyond the frame it returns: use it only
// when it is the only reader of the connection for as long as frames come,
// and call Buffered before handing the connection to anything else. A read
// deadline set before a ReadFrame bounds only the reads that frame still
// needs: a frame already buffered is returned whatever the deadline.
func WithReadAhead(size int) ReaderOption {
	return func(r *Reader) { r.ahead = make([]byte, max(size, maxHeaderBytes)) }
}

// NewReader returns a Reader of frames from r.
func NewReader(r io.Reader, opts ...ReaderOption) *Reader {
	fr := &Reader{r: r, maxPayload: DefaultMaxPayload}
	for _, o := range opts {
		o(fr)
	}
	return fr
}

// Buffered returns the bytes the Reader has read from the underlying reader
// but not yet returned in a frame (always none without WithReadAhead): what
// comes before the underlying reader's next byte, for a caller that hands
// the connection to something else. The slice aliases the Reader's buffer
// until the next ReadFrame.
func (r *Reader) Buffered() []byte { return r.ahead[r.pos:r.end:r.end] }

// ReadFrame reads the next frame. It returns io.EOF only when the stream ends
// cleanly between frames; a stream that ends inside a frame gives an error
// wrapping ErrTruncated and io.ErrUnexpectedEOF. The payload aliases the
// Reader's buffer until the next call.
//
// With WithReadAhead the frames and errors are the same for the same bytes;
// only how the bytes are read differs. Either way a failed ReadFrame has
// consumed the 12 header bytes after a bad header, and all the frame's bytes
// that arrived after a truncation.
func (r *Reader) ReadFrame() (Frame, error) {
	if r.ahead != nil {
		return r.readAhead()
	}
	if n, err := io.ReadFull(r.r, r.head[:]); err != nil {
		return Frame{}, headerTruncated(n, err)
	}
	h := ParseHeader(r.head[:])
	if err := r.check(h); err != nil {
		return Frame{}, err
	}
	// Header words beyond the third belong to future versions: skip them.
	if extra := int(h.HeaderLength)*4 - HeaderSize; extra > 0 {
		if n, err := io.ReadFull(r.r, r.skip[:extra]); err != nil {
			return Frame{}, truncated("extra header words", n, extra, err)
		}
	}
	payload, err := r.readPayload(int(h.PayloadLength), nil)
	if err != nil {
		return Frame{}, err
	}
	return Frame{Header: h, Payload: payload}, nil
}

// readAhead is ReadFrame from the read-ahead buffer.
func (r *Reader) readAhead() (Frame, error) {
	if err := r.fill(HeaderSize, !r.direct); err != nil {
		n := r.end - r.pos
		r.pos = r.end
		return Frame{}, headerTruncated(n, err)
	}
	h := ParseHeader(r.ahead[r.pos:])
	if err := r.check(h); err != nil {
		r.pos += HeaderSize
		return Frame{}, err
	}
	hl, n := int(h.HeaderLength)*4, int(h.PayloadLength)
	if r.direct = hl+n > len(r.ahead); !r.direct {
		if err := r.fill(hl+n, true); err != nil {
			return Frame{}, r.truncatedAhead(hl, n, err)
		}
		start := r.pos + hl
		r.pos = start + n
		return Frame{Header: h, Payload: r.ahead[start:r.pos:r.pos]}, nil
	}
	// Too long for the buffer: the header (which always fits) from the
	// buffer, the payload from what the buffer holds of it and then straight
	// from the underlying reader.
	if err := r.fill(hl, false); err != nil {
		return Frame{}, r.truncatedAhead(hl, n, err)
	}
	have := r.ahead[r.pos+hl : r.end]
	r.pos = r.end
	payload, err := r.readPayload(n, have)
	if err != nil {
		return Frame{}, err
	}
	return Frame{Header: h, Payload: payload}, nil
}

// fill makes at least need bytes buffered (need <= len(r.ahead)), reading
// as often as it takes. Each read asks for the buffer's free room when
// ahead, otherwise for only the bytes missing. Like io.ReadFull it returns
// the underlying reader's error only when the bytes fall short.
func (r *Reader) fill(need int, ahead bool) error {
	if r.end-r.pos >= need {
		return nil
	}
	// About to read anyway: move the part of a frame held to the front, so
	// the read gets the most room (a copy of less than one frame).
	r.end = copy(r.ahead, r.ahead[r.pos:r.end])
	r.pos = 0
	limit := len(r.ahead)
	if !ahead {
		limit = need
	}
	for r.end < need {
		n, err := r.r.Read(r.ahead[r.end:limit])
		r.end += n
		if err != nil && r.end < need {
			return err
		}
	}
	return nil
}

// truncatedAhead reports a frame of the read-ahead buffer that ended early
// the way reading it exactly reports it, and consumes what arrived.
func (r *Reader) truncatedAhead(hl, n int, err error) error {
	got := r.end - r.pos
	r.pos = r.end
	if got < hl {
		return truncated("extra header words", got-HeaderSize, hl-HeaderSize, err)
	}
	return truncated("payload", got-hl, n, err)
}

// check judges a header as ReadFrame must before reading on: Validate,
// reserved fields when strict, this Reader's maximum PayloadLength.
func (r *Reader) check(h FrameHeader) error {
	if err := h.Validate(); err != nil {
		return err
	}
	if r.strict {
		if err := h.CheckReserved(); err != nil {
			return err
		}
	}
	if h.PayloadLength > r.maxPayload {
		return headerError(h, "PayloadLength", uint64(h.PayloadLength),
			fmt.Sprintf("<= %d (this reader's maximum)", r.maxPayload), ErrPayloadTooLong)
	}
	return nil
}

// readPayload reads an n-byte payload, starting with the bytes in have
// (fewer than n, already received), into the reused buffer when it is large
// enough, otherwise into one that grows with the bytes received (see
// firstChunk) and is kept afterwards only up to keptBuffer.
func (r *Reader) readPayload(n int, have []byte) ([]byte, error) {
	if n <= cap(r.buf) {
		r.buf = r.buf[:n]
		k := copy(r.buf, have)
		if got, err := io.ReadFull(r.r, r.buf[k:]); err != nil {
			return nil, truncated("payload", k+got, n, err)
		}
		return r.buf, nil
	}
	buf := r.buf[:0]
	if len(have) > cap(buf) {
		buf = make([]byte, 0, grownCap(len(have), n))
	}
	buf = append(buf, have...)
	for len(buf) < n {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), grownCap(len(buf), n))
			copy(grown, buf)
			buf = grown
		}
		got, err := io.ReadFull(r.r, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+got]
		if err != nil {
			r.keep(buf)
			return nil, truncated("payload", len(buf), n, err)
		}
	}
	r.keep(buf)
	return buf, nil
}

// grownCap is the capacity of the buffer that takes over from one holding
// got bytes of an n-byte payload: firstChunk doubled until beyond got, at
// most n. Powers of two from firstChunk keep the last step from leaving a
// small tail that would cost one more copy of the whole.
func grownCap(got, n int) int {
	c := firstChunk
	for c <= got {
		c *= 2
	}
	return min(n, c)
}

// keep makes buf the reused payload buffer if it is at most keptBuffer; a
// larger one goes with its frame, and the smaller buffer it grew from is
// reused instead.
func (r *Reader) keep(buf []byte) {
	if cap(buf) <= keptBuffer {
		r.buf = buf
	}
}

// headerTruncated reports a header read that stopped after n bytes: io.EOF
// for none at a clean end of the stream, a truncation otherwise.
func headerTruncated(n int, err error) error {
	if n == 0 && errors.Is(err, io.EOF) {
		return io.EOF
	}
	return truncated("header", n, HeaderSize, err)
}

func truncated(part string, got, want int, err error) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("%w: read %d of %d %s bytes: %w", ErrTruncated, got, want, part, err)
}
