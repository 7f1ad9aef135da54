package wiretap

import (
	"errors"
	"io"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"
)

// Protocol is what a Channel carries, which says how to decode it.
type Protocol uint8

// The protocols.
const (
	// Raw chunks are kept undecoded.
	Raw Protocol = iota
	// CCProxy is the cc-proxy framing: a 12-byte header, JSON payloads.
	CCProxy
	// HyperCtl is hyperstart's ctl channel: code, length, JSON payload.
	HyperCtl
	// HyperIO is hyperstart's io channel: seq, length, stream bytes.
	HyperIO
	// Spacer is the spacer protocol: gob messages, one per sendmsg, fds
	// as SCM_RIGHTS.
	Spacer
)

// decoder follows one direction of a channel and decodes its chunks.
type decoder interface {
	// decode describes chunk b and the fds that came with it.
	decode(b []byte, fds []int) string
}

func newDecoder(p Protocol) decoder {
	switch p {
	case CCProxy:
		return newFramed(ccproxyFraming)
	case HyperCtl:
		return newFramed(ctlFraming)
	case HyperIO:
		return newFramed(ioFraming)
	case Spacer:
		return newGobStream()
	}
	return rawDecoder{}
}

// Channel is one connection being recorded. A nil Channel records nothing;
// all its methods are safe to call.
type Channel struct {
	rec *Recorder

	mu     sync.Mutex // one chunk of a direction at a time through its decoder
	name   string
	dec    [2]decoder // Sent, Received
	closed [2]bool
}

// Open opens a Channel named name (a number is added when the spec has one
// of that name already) on the current Recorder, nil when nothing records.
func Open(name string, p Protocol) *Channel {
	r := Current()
	if r == nil {
		return nil
	}
	return r.Open(name, p)
}

// Open opens a Channel on r; see the function Open.
func (r *Recorder) Open(name string, p Protocol) *Channel {
	return &Channel{rec: r, name: r.name(name, ""), dec: [2]decoder{newDecoder(p), newDecoder(p)}}
}

// Name is the channel's name in the transcript, "" for a nil Channel.
func (c *Channel) Name() string {
	if c == nil {
		return ""
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.name
}

// Rename names the channel anew, for events from now on; a number is added
// as Open does.
func (c *Channel) Rename(name string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.name = c.rec.name(name, c.name)
}

// Sent records b as written now, with fds.
func (c *Channel) Sent(b []byte, fds []int) {
	if c != nil {
		c.record(Sent, time.Now(), b, fds)
	}
}

// SentAt records b as written, with fds, by a write that began at begun
// (time.Now() taken before it): so the write comes before what it caused
// on other channels, recorded while it still ran.
func (c *Channel) SentAt(begun time.Time, b []byte, fds []int) {
	if c != nil {
		c.record(Sent, begun, b, fds)
	}
}

// Received records b as read now, with fds.
func (c *Channel) Received(b []byte, fds []int) {
	if c != nil {
		c.record(Received, time.Now(), b, fds)
	}
}

// Closed records a close once per direction: Sent, the suite's peer closed
// its end; Received, the other end closed. how says what was seen ("EOF").
func (c *Channel) Closed(d Direction, how string) {
	if c == nil {
		return
	}
	i := dirIndex(d)
	c.mu.Lock()
	if c.closed[i] {
		c.mu.Unlock()
		return
	}
	c.closed[i] = true
	e := Event{Channel: c.name, Direction: d, Closed: true, Decoded: how}
	c.mu.Unlock()
	c.rec.add(e, time.Now(), 0)
}

// ReadClosed records a close the read error err shows, if it shows one:
// EOF or ECONNRESET (the peer went away).
func (c *Channel) ReadClosed(err error) {
	if c == nil || err == nil {
		return
	}
	switch {
	case errors.Is(err, io.EOF):
		c.Closed(Received, "closed by the other end (EOF)")
	case errors.Is(err, syscall.ECONNRESET):
		c.Closed(Received, "closed by the other end (ECONNRESET)")
	}
}

func (c *Channel) record(d Direction, at time.Time, b []byte, fds []int) {
	lim := c.rec.limits
	keep := min(len(b), lim.EventBytes)
	e := Event{Direction: d, Size: len(b), Bytes: append([]byte(nil), b[:keep]...)}
	if len(fds) > 0 {
		e.Fds = append([]int(nil), fds...)
	}
	c.mu.Lock()
	e.Channel = c.name
	e.Decoded = truncate(c.dec[dirIndex(d)].decode(b, fds), lim.DecodedChars)
	c.mu.Unlock()
	c.rec.add(e, at, len(b)-keep)
}

func dirIndex(d Direction) int {
	if d == Received {
		return 1
	}
	return 0
}

// truncate cuts s to at most n bytes at a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const mark = " …"
	cut := max(n-len(mark), 0)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}

// rawDecoder decodes nothing.
type rawDecoder struct{}

func (rawDecoder) decode([]byte, []int) string { return "" }
