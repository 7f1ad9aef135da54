package wiretap

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Limits bound what a Recorder keeps; a field <= 0 takes DefaultLimits'.
type Limits struct {
	// Events is how many events are kept: the last ones.
	Events int
	// Bytes is how many chunk bytes all kept events hold together.
	Bytes int
	// EventBytes is how many bytes of one chunk are kept: its start,
	// where the header is.
	EventBytes int
	// DecodedChars bounds one event's decoded form.
	DecodedChars int
}

// DefaultLimits keep the last 256 events, 64 KiB of bytes, 2 KiB of each
// chunk and 1 KiB of each decoded form: a spec's whole traffic in most
// cases, at most about 90 KiB of JSON (base64) per spec.
var DefaultLimits = Limits{Events: 256, Bytes: 64 << 10, EventBytes: 2 << 10, DecodedChars: 1 << 10}

// current is the Recorder fakes open their Channels on.
var current atomic.Pointer[Recorder]

// Recorder keeps the events of one spec. Its methods are safe for
// concurrent use.
type Recorder struct {
	origin time.Time
	limits Limits

	mu      sync.Mutex
	stopped bool
	events  []Event // events[start:] are kept, in time order
	start   int
	bytes   int // bytes held by the kept events
	dropped int
	dropB   int64
	names   map[string]bool // channel names in use
}

// New returns a Recorder whose offsets count from origin (zero: now),
// bounded by l; it is not current (see Start).
func New(origin time.Time, l Limits) *Recorder {
	if origin.IsZero() {
		origin = time.Now()
	}
	d := DefaultLimits
	if l.Events <= 0 {
		l.Events = d.Events
	}
	if l.Bytes <= 0 {
		l.Bytes = d.Bytes
	}
	if l.EventBytes <= 0 {
		l.EventBytes = d.EventBytes
	}
	if l.DecodedChars <= 0 {
		l.DecodedChars = d.DecodedChars
	}
	return &Recorder{origin: origin, limits: l, names: map[string]bool{}}
}

// Start makes a new Recorder (see New) the current one, replacing any
// other, and returns it.
func Start(origin time.Time, l Limits) *Recorder {
	r := New(origin, l)
	current.Store(r)
	return r
}

// Current is the Recorder that Open opens Channels on, nil when nothing
// records.
func Current() *Recorder { return current.Load() }

// Stop ends the recording: r is no longer current (if it still was), later
// events on its Channels are ignored, and its Transcript is returned.
func (r *Recorder) Stop() Transcript {
	current.CompareAndSwap(r, nil)
	r.mu.Lock()
	r.stopped = true
	r.mu.Unlock()
	return r.Transcript()
}

// Transcript returns a copy of what r kept so far.
func (r *Recorder) Transcript() Transcript {
	r.mu.Lock()
	defer r.mu.Unlock()
	kept := r.events[r.start:]
	t := Transcript{Events: make([]Event, len(kept)), DroppedEvents: r.dropped, DroppedBytes: r.dropB}
	copy(t.Events, kept) // the events' slices are never written again
	return t
}

// add keeps e, at its place in time order, then drops the oldest events
// until the limits hold. cut counts bytes of e's chunk not kept.
func (r *Recorder) add(e Event, at time.Time, cut int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return
	}
	e.OffsetSeconds = at.Sub(r.origin).Seconds()
	r.dropB += int64(cut)
	r.events = append(r.events, e)
	// A write's event carries the time it began and is added when it
	// ended: move it before the events that happened meanwhile.
	for i := len(r.events) - 1; i > r.start && r.events[i-1].OffsetSeconds > e.OffsetSeconds; i-- {
		r.events[i-1], r.events[i] = r.events[i], r.events[i-1]
	}
	r.bytes += len(e.Bytes)
	for n := len(r.events) - r.start; n > r.limits.Events || (r.bytes > r.limits.Bytes && n > 1); n-- {
		old := r.events[r.start]
		r.events[r.start] = Event{}
		r.start++
		r.bytes -= len(old.Bytes)
		r.dropped++
		r.dropB += int64(len(old.Bytes))
	}
	if r.start > r.limits.Events {
		// Reuse the front: the slice stays within twice the limit.
		n := copy(r.events, r.events[r.start:])
		clear(r.events[n:])
		r.events, r.start = r.events[:n], 0
	}
}

// name reserves a channel name not in use yet: want, or want with a
// number ("agent ctl 2"); it releases old, a name being changed.
func (r *Recorder) name(want, old string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if old != "" {
		delete(r.names, old)
	}
	name := want
	for i := 2; r.names[name]; i++ {
		name = want + " " + strconv.Itoa(i)
	}
	r.names[name] = true
	return name
}
