package report

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/wirecert/wirecert/conformance/transcript"
	"github.com/wirecert/wirecert/fakes/wiretap"
)

// Transcript is a spec's wire transcript: the last events its fakes
// recorded (package wiretap), and what was dropped to keep it bounded.
type Transcript struct {
	// Events are the events kept, in the order they happened.
	Events []TranscriptEvent `json:"events"`
	// DroppedEvents counts the events dropped before the first one kept.
	DroppedEvents int `json:"droppedEvents"`
	// DroppedBytes counts the wire bytes the transcript does not hold:
	// those of dropped events and those cut off long chunks.
	DroppedBytes int64 `json:"droppedBytes"`
	// FailedAtSeconds is when the spec failed, from its start; absent
	// when it did not fail.
	FailedAtSeconds float64 `json:"failedAtSeconds,omitempty"`
}

// TranscriptEvent is one chunk a read or write moved on one channel, or a
// close, seen from the suite's side.
type TranscriptEvent struct {
	// OffsetSeconds is when it happened, from the spec's start (a write:
	// when it began).
	OffsetSeconds float64 `json:"offsetSeconds"`
	// Channel names the connection: "runtime", "shim", "agent ctl",
	// "agent io", "spacer conn", ...
	Channel string `json:"channel"`
	// Direction is "sent" (the suite's peer wrote it, or closed its end)
	// or "received" (it read it, or saw the other end close).
	Direction string `json:"direction"`
	// Bytes are the chunk's bytes, base64 in JSON, cut to a maximum.
	Bytes []byte `json:"bytes,omitempty"`
	// Size is the chunk's length on the wire; above len(Bytes) when the
	// chunk was cut.
	Size int `json:"size"`
	// Decoded is the chunk decoded: the frames it completed (cc-proxy
	// header and payload, hyperstart ctl or io frame, gob message), the
	// fds passed, and how far it got into a frame it ends inside.
	Decoded string `json:"decoded,omitempty"`
	// Fds are the fds passed with it, numbered as in the suite's process.
	Fds []int `json:"fds,omitempty"`
	// Closed marks a close instead of bytes.
	Closed bool `json:"closed,omitempty"`
}

// tailHex is how many bytes of an event Tail shows in hex.
const tailHex = 16

// Tail shows the last n events (all for n <= 0), one a line: offset,
// channel, direction, decoded form and the first bytes in hex. For a spec
// that failed these are the last events before the failure, and a line
// says how many came after it (its cleanup's closes, mostly).
func (t Transcript) Tail(n int) string {
	events, after := t.Events, 0
	if t.FailedAtSeconds > 0 {
		i := len(events)
		for i > 0 && events[i-1].OffsetSeconds > t.FailedAtSeconds {
			i--
		}
		events, after = events[:i], len(events)-i
	}
	shown := events
	if n > 0 && len(shown) > n {
		shown = shown[len(shown)-n:]
	}
	var b strings.Builder
	what := "wire transcript"
	if t.FailedAtSeconds > 0 {
		what += " before the failure"
	}
	earlier := len(events) - len(shown) + t.DroppedEvents
	fmt.Fprintf(&b, "%s: last %d of %s", what, len(shown), Count(len(shown)+earlier, "event"))
	if t.DroppedEvents > 0 {
		fmt.Fprintf(&b, " (%d dropped from the transcript)", t.DroppedEvents)
	}
	if after > 0 {
		fmt.Fprintf(&b, "; %d more after it", after)
	}
	chW := 0
	for _, e := range shown {
		chW = max(chW, len(e.Channel))
	}
	for _, e := range shown {
		fmt.Fprintf(&b, "\n  +%.3fs %-*s %-8s %s", e.OffsetSeconds, chW, e.Channel, e.Direction, e.summary())
	}
	return b.String()
}

// summary is an event's size, decoded form and first bytes in hex, apart
// by " | " (a decoded form has colons of its own).
func (e TranscriptEvent) summary() string {
	if e.Closed {
		return e.Decoded
	}
	parts := []string{Count(e.Size, "byte")}
	if e.Decoded != "" {
		parts = append(parts, firstLine(e.Decoded))
	}
	if len(e.Bytes) > 0 {
		hex := fmt.Sprintf("[% x", e.Bytes[:min(len(e.Bytes), tailHex)])
		if e.Size > tailHex {
			hex += " …"
		}
		parts = append(parts, hex+"]")
	}
	return strings.Join(parts, " | ")
}

// entryTranscript reads a spec's transcript from its report entry: the raw
// value in the process that ran the spec, its JSON in a report read back
// (a worker's, with -p).
func entryTranscript(sr types.SpecReport) *Transcript {
	for i := len(sr.ReportEntries) - 1; i >= 0; i-- {
		e := sr.ReportEntries[i]
		if e.Name != transcript.EntryName {
			continue
		}
		var t Transcript
		if raw, ok := e.GetRawValue().(wiretap.Transcript); ok {
			t = fromWiretap(raw)
		} else if json.Unmarshal([]byte(e.Value.AsJSON), &t) != nil {
			return nil
		}
		if len(t.Events) == 0 && t.DroppedEvents == 0 {
			return nil
		}
		return &t
	}
	return nil
}

// fromWiretap is the report's form of a Recorder's transcript.
func fromWiretap(w wiretap.Transcript) Transcript {
	t := Transcript{Events: make([]TranscriptEvent, len(w.Events)), DroppedEvents: w.DroppedEvents,
		DroppedBytes: w.DroppedBytes, FailedAtSeconds: w.FailedAtSeconds}
	for i, e := range w.Events {
		t.Events[i] = TranscriptEvent{OffsetSeconds: e.OffsetSeconds, Channel: e.Channel, Direction: string(e.Direction),
			Bytes: e.Bytes, Size: e.Size, Decoded: e.Decoded, Fds: e.Fds, Closed: e.Closed}
	}
	return t
}
