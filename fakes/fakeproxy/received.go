package fakeproxy

import (
	"context"
	"fmt"
	"strings"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// Received is one thing read from the client: a frame, or the error that
// ended reading (a header violation, a truncated frame, idle timeout).
type Received struct {
	// Frame is the frame read; valid when Err is nil. It owns its payload.
	Frame api.Frame
	// Header is the raw 12 header bytes, when a whole header arrived.
	Header []byte
	// Err says what was wrong; a *api.HeaderError for a header violation.
	Err error
}

// String shows the raw header in hex, then the frame or the error.
func (r Received) String() string {
	if r.Err != nil {
		if r.Header != nil {
			return fmt.Sprintf("error [% x]: %v", r.Header, r.Err)
		}
		return fmt.Sprintf("error: %v", r.Err)
	}
	return fmt.Sprintf("[% x] %s", r.Header, r.Frame)
}

// Summary lists what was received, one per line, for failure messages.
func Summary(rs []Received) string {
	if len(rs) == 0 {
		return "nothing"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d frames/errors:", len(rs))
	for i, r := range rs {
		fmt.Fprintf(&b, "\n  #%d %s", i, r)
	}
	return b.String()
}

// Received returns a copy of everything recorded so far, in order.
func (p *Proxy) Received() []Received {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Received(nil), p.received...)
}

// Frames returns the frames recorded so far (without errors), in order.
func (p *Proxy) Frames() []api.Frame {
	p.mu.Lock()
	defer p.mu.Unlock()
	var fs []api.Frame
	for _, r := range p.received {
		if r.Err == nil {
			fs = append(fs, r.Frame)
		}
	}
	return fs
}

// WaitFor waits until cond holds for everything recorded so far, and
// returns that record. It fails when ctx ends first, or at once when reading
// ended and cond does not hold; the error lists what was received.
func (p *Proxy) WaitFor(ctx context.Context, what string, cond func([]Received) bool) ([]Received, error) {
	for {
		p.mu.Lock()
		rs := append([]Received(nil), p.received...)
		changed := p.changed
		p.mu.Unlock()
		if cond(rs) {
			return rs, nil
		}
		select {
		case <-p.readingDone:
			// One last look: the final record and the end race.
			if rs := p.Received(); cond(rs) {
				return rs, nil
			}
			return rs, fmt.Errorf("fakeproxy: %w: waiting for %s: %s; received %s", ErrReadingEnded, what, p.why(), Summary(p.Received()))
		case <-ctx.Done():
			return rs, fmt.Errorf("fakeproxy: %w: waiting for %s: %w; received %s", ErrWait, what, context.Cause(ctx), Summary(rs))
		case <-changed:
		}
	}
}

// WaitFrame waits for the first recorded frame (errors excluded) that
// matches, searching from the start of the record.
func (p *Proxy) WaitFrame(ctx context.Context, what string, match func(api.Frame) bool) (api.Frame, error) {
	var found api.Frame
	_, err := p.WaitFor(ctx, what, func(rs []Received) bool {
		for _, r := range rs {
			if r.Err == nil && match(r.Frame) {
				found = r.Frame
				return true
			}
		}
		return false
	})
	return found, err
}

// record appends r and wakes the waiters.
func (p *Proxy) record(r Received) {
	p.mu.Lock()
	p.received = append(p.received, r)
	close(p.changed)
	p.changed = make(chan struct{})
	p.mu.Unlock()
}
