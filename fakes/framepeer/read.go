package framepeer

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"syscall"
	"time"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// ReadFrame reads the next frame within timeout, the way a receiver must:
// any fragmentation, extra header words skipped, reserved fields ignored,
// anything else invalid rejected with the api's *api.HeaderError. The frame
// owns its payload. After an error, and after a timeout within a frame, the
// stream is no longer at a frame boundary: a spec should only expect a
// close then.
func (p *Peer) ReadFrame(timeout time.Duration) (api.Frame, error) {
	return p.readFrame(p.reader, timeout)
}

// ReadFrameStrict is ReadFrame that also rejects non-zero reserved fields
// (api.WithStrictReserved): for judging what a peer under test emits.
func (p *Peer) ReadFrameStrict(timeout time.Duration) (api.Frame, error) {
	return p.readFrame(p.strictReader, timeout)
}

func (p *Peer) readFrame(r *api.Reader, timeout time.Duration) (api.Frame, error) {
	if err := p.setReadDeadline(timeout); err != nil {
		return api.Frame{}, err
	}
	f, err := r.ReadFrame()
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return api.Frame{}, fmt.Errorf("framepeer: %w: no whole frame within %v: %w", ErrTimeout, timeout, err)
		}
		return api.Frame{}, fmt.Errorf("framepeer: read frame: %w", err)
	}
	// The Reader reuses its buffer for the next frame.
	f.Payload = slices.Clone(f.Payload)
	return f, nil
}

// ReadRaw reads exactly n bytes within timeout, for judging bytes that need
// not form a valid frame. On an error it also returns the bytes that did
// arrive (nil for none).
func (p *Peer) ReadRaw(n int, timeout time.Duration) ([]byte, error) {
	if n < 0 {
		return nil, fmt.Errorf("framepeer: %w: read length is %d, allowed >= 0", ErrBadArgument, n)
	}
	if err := p.setReadDeadline(timeout); err != nil {
		return nil, err
	}
	b := make([]byte, n)
	got, err := io.ReadFull(p.conn, b)
	if err == nil {
		return b, nil
	}
	var partial []byte // nil when nothing arrived
	if got > 0 {
		partial = b[:got]
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return partial, fmt.Errorf("framepeer: %w: %d of %d bytes within %v: [% x]: %w", ErrTimeout, got, n, timeout, partial, err)
	}
	return partial, fmt.Errorf("framepeer: read %d of %d bytes: [% x]: %w", got, n, partial, err)
}

// ExpectClosed returns nil when the other side closes the connection (a
// read gives EOF or ECONNRESET) within timeout with nothing arriving first.
// Otherwise it returns an error wrapping ErrNotClosed that says what
// happened: the bytes that arrived (the first of them, a header decoded when
// there are 12) and whether the close followed, or that the connection stayed
// open and silent (wrapping os.ErrDeadlineExceeded too).
func (p *Peer) ExpectClosed(timeout time.Duration) error {
	if err := p.setReadDeadline(timeout); err != nil {
		return err
	}
	var (
		first []byte // the first bytes that arrived, to show
		total int
	)
	for {
		n, err := p.conn.Read(p.discard[:])
		if n > 0 {
			total += n
			if len(first) < 64 {
				first = append(first, p.discard[:min(n, 64-len(first))]...)
			}
		}
		if err == nil {
			continue
		}
		closed := errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)
		switch {
		case closed && total == 0:
			return nil
		case closed:
			return fmt.Errorf("framepeer: %w: %d bytes arrived before it closed (%v): %s",
				ErrNotClosed, total, err, arrived(first, total))
		case errors.Is(err, os.ErrDeadlineExceeded) && total == 0:
			return fmt.Errorf("framepeer: %w: it kept the connection open for %v and sent nothing: %w",
				ErrNotClosed, timeout, err)
		case errors.Is(err, os.ErrDeadlineExceeded):
			return fmt.Errorf("framepeer: %w: %d bytes arrived and the connection stayed open for %v: %s: %w",
				ErrNotClosed, total, timeout, arrived(first, total), err)
		default:
			return fmt.Errorf("framepeer: %w: reading failed after %d bytes: %w", ErrNotClosed, total, err)
		}
	}
}

// arrived describes unexpected bytes: their start in hex and, when a whole
// header is there, the header decoded.
func arrived(first []byte, total int) string {
	s := fmt.Sprintf("[% x]", first)
	if total > len(first) {
		s = fmt.Sprintf("[% x ...] (first %d of %d bytes)", first, len(first), total)
	}
	if len(first) >= api.HeaderSize {
		s += " header " + api.ParseHeader(first).String()
	}
	return s
}

// setReadDeadline bounds the next reads: every read from a peer has a
// deadline, so timeout must be positive.
func (p *Peer) setReadDeadline(timeout time.Duration) error {
	if timeout <= 0 {
		return fmt.Errorf("framepeer: %w: read timeout is %v, allowed > 0", ErrBadArgument, timeout)
	}
	if err := p.conn.SetReadDeadline(time.Now().Add(timeout)); err != nil {
		return fmt.Errorf("framepeer: set read deadline: %w", err)
	}
	return nil
}
