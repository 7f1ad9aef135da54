package wiretap

import "fmt"

// Direction says which way a chunk went, seen from the suite's peer.
type Direction string

// The directions.
const (
	// Sent: the suite's peer wrote it (or closed its end).
	Sent Direction = "sent"
	// Received: the suite's peer read it (or saw the other end close).
	Received Direction = "received"
)

// Event is one chunk as a read or write moved it, or a close.
type Event struct {
	// OffsetSeconds is when it happened, from the spec's start: for a
	// write, when it began, so a write comes before what it caused.
	OffsetSeconds float64 `json:"offsetSeconds"`
	// Channel names the connection ("runtime", "shim", "agent ctl", ...).
	Channel string `json:"channel"`
	// Direction is Sent or Received.
	Direction Direction `json:"direction"`
	// Bytes are the chunk's bytes, cut to Limits.EventBytes.
	Bytes []byte `json:"bytes,omitempty"`
	// Size is the chunk's length on the wire; above len(Bytes) when the
	// chunk was cut.
	Size int `json:"size"`
	// Decoded is the chunk decoded: the frames it completed, and how far
	// it got into one it ends inside.
	Decoded string `json:"decoded,omitempty"`
	// Fds are the fds passed with the chunk (SCM_RIGHTS), as numbered in
	// this process when they passed.
	Fds []int `json:"fds,omitempty"`
	// Closed marks a close instead of bytes: Sent, the suite's peer closed
	// its end (or its sending side); Received, it saw the other end close.
	Closed bool `json:"closed,omitempty"`
}

// Transcript is what a Recorder kept: the last events, and what it dropped
// to stay within its Limits.
type Transcript struct {
	// Events are the events kept, in the order they happened.
	Events []Event `json:"events"`
	// DroppedEvents counts the events dropped before the first one kept.
	DroppedEvents int `json:"droppedEvents"`
	// DroppedBytes counts the wire bytes the transcript does not hold:
	// those of dropped events and those cut off long chunks.
	DroppedBytes int64 `json:"droppedBytes"`
	// FailedAtSeconds is when the spec failed, from its start; absent
	// when it did not fail (the suites set it, the Recorder cannot know).
	FailedAtSeconds float64 `json:"failedAtSeconds,omitempty"`
}

// String says how much the transcript holds: Ginkgo shows it as the report
// entry's representation, which should not repeat the whole transcript.
func (t Transcript) String() string {
	var size int64
	for _, e := range t.Events {
		size += int64(e.Size)
	}
	return fmt.Sprintf("%d wire events (%d bytes), %d dropped (%d bytes)", len(t.Events), size, t.DroppedEvents, t.DroppedBytes)
}
