package serving

import (
	"fmt"
	"sync"
)

// DefaultTailSize is how much of a target's output a Tail keeps: enough
// for the last screenfuls of a crash, whatever the target printed before.
const DefaultTailSize = 64 << 10

// Tail keeps the last bytes written to it and counts the rest, so a
// target's output costs the harness a bounded amount of memory however
// much the target prints. It is safe for concurrent writers.
type Tail struct {
	mu    sync.Mutex
	ring  []byte // the kept bytes, the oldest at start once full
	start int
	full  bool
	total int64
}

// NewTail returns a Tail keeping the last size bytes (DefaultTailSize when
// size is not positive).
func NewTail(size int) *Tail {
	if size <= 0 {
		size = DefaultTailSize
	}
	return &Tail{ring: make([]byte, 0, size)}
}

// Write keeps the end of p; it never fails.
func (t *Tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(p)
	t.total += int64(n)
	size := cap(t.ring)
	if n >= size {
		t.ring, t.start, t.full = append(t.ring[:0], p[n-size:]...), 0, true
		return n, nil
	}
	for len(p) > 0 {
		if !t.full {
			k := min(size-len(t.ring), len(p))
			t.ring, p = append(t.ring, p[:k]...), p[k:]
			t.full = len(t.ring) == size
			continue
		}
		k := copy(t.ring[t.start:], p)
		t.start, p = (t.start+k)%size, p[k:]
	}
	return n, nil
}

// Bytes returns the kept bytes, oldest first.
func (t *Tail) Bytes() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]byte, 0, len(t.ring))
	return append(append(out, t.ring[t.start:]...), t.ring[:t.start]...)
}

// Total is how many bytes were written; Dropped how many of them are not
// kept.
func (t *Tail) Total() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.total
}

// Dropped is how many bytes written are no longer kept.
func (t *Tail) Dropped() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.total - int64(len(t.ring))
}

// String is the kept bytes, after a line saying how many came before them
// when some were dropped.
func (t *Tail) String() string {
	b := t.Bytes()
	if d := t.Dropped(); d > 0 {
		return fmt.Sprintf("[%d bytes of output before these last %d dropped]\n%s", d, len(b), b)
	}
	return string(b)
}
