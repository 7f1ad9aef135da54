package report

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Bounds on the hex dumps of a page: the recorder bounds a transcript, but
// a vendored suite may raise its limits, and a page of a run where every
// spec failed must still open. Decoded forms are always shown.
const (
	// htmlMaxDumpBytes is how much of one event is dumped.
	htmlMaxDumpBytes = 4 << 10
	// htmlMaxDecodedBytes is how much of one decoded form is shown.
	htmlMaxDecodedBytes = 16 << 10
	// htmlHexBudget is how many bytes one page dumps in all.
	htmlHexBudget = 4 << 20
)

// htmlTranscript is a spec's transcript as the page shows it.
type htmlTranscript struct {
	// Events are the events, and a marker where the spec failed.
	Events []htmlEvent
	// Count says how many events there are.
	Count string
	// Notes say what was dropped or left out.
	Notes []string
	// Shown is false for a spec that passed or did not run: its
	// transcript is counted, not shown.
	Shown bool
}

// htmlEvent is one transcript event: its hex dump beside its decoded form;
// or, with FailedHere, the point at which the spec failed.
type htmlEvent struct {
	FailedHere                        bool
	Offset, Channel, Direction, Arrow string
	Size, Fds                         string
	Closed                            bool
	Hex, Decoded                      string
}

// htmlTranscriptOf is sp's transcript for the page, nil when it has none.
// hexLeft is what the page may still dump; it is spent here.
func htmlTranscriptOf(sp SpecResult, hexLeft *int) *htmlTranscript {
	if sp.Transcript == nil {
		return nil
	}
	show := !sp.Outcome.Passed() && sp.Outcome != OutcomeSkipped && sp.Outcome != OutcomeNotApplicable
	return newHTMLTranscript(*sp.Transcript, show, hexLeft)
}

// newHTMLTranscript renders t, its events only when show.
func newHTMLTranscript(t Transcript, show bool, hexLeft *int) *htmlTranscript {
	if len(t.Events) == 0 && t.DroppedEvents == 0 && t.DroppedBytes == 0 {
		return nil
	}
	ht := &htmlTranscript{Count: Count(len(t.Events), "event"), Shown: show}
	if t.DroppedEvents > 0 {
		ht.Notes = append(ht.Notes, fmt.Sprintf("the recorder dropped %s before the first one shown", Count(t.DroppedEvents, "event")))
	}
	if t.DroppedBytes > 0 {
		ht.Notes = append(ht.Notes, fmt.Sprintf("the transcript lacks %s of the wire (dropped events, or the cut-off ends of long chunks)", Count(int(t.DroppedBytes), "byte")))
	}
	if !show {
		ht.Notes = append(ht.Notes, "not shown for a spec that passed or did not run; the JSON report holds it")
		return ht
	}
	marked, unshown := t.FailedAtSeconds <= 0, 0
	for _, e := range t.Events {
		if !marked && e.OffsetSeconds > t.FailedAtSeconds {
			ht.Events = append(ht.Events, htmlEvent{FailedHere: true, Offset: fmt.Sprintf("+%.3f s", t.FailedAtSeconds)})
			marked = true
		}
		he := htmlEvent{
			Offset:    fmt.Sprintf("+%.3f s", e.OffsetSeconds),
			Channel:   e.Channel,
			Direction: e.Direction,
			Arrow:     "·",
			Closed:    e.Closed,
			Decoded:   clip(e.Decoded, htmlMaxDecodedBytes),
			Fds:       joinInts(e.Fds),
		}
		switch e.Direction {
		case "sent":
			he.Arrow = "→"
		case "received":
			he.Arrow = "←"
		}
		size := max(e.Size, len(e.Bytes))
		switch {
		case e.Closed:
			he.Size = "closed"
		case size > len(e.Bytes):
			he.Size = fmt.Sprintf("%s, the first %d kept", Count(size, "byte"), len(e.Bytes))
		default:
			he.Size = Count(size, "byte")
		}
		if len(e.Bytes) > 0 {
			if *hexLeft <= 0 {
				unshown++
			} else {
				he.Hex = hexDump(e.Bytes, min(htmlMaxDumpBytes, *hexLeft))
				*hexLeft -= min(len(e.Bytes), htmlMaxDumpBytes)
			}
		}
		ht.Events = append(ht.Events, he)
	}
	if !marked {
		ht.Events = append(ht.Events, htmlEvent{FailedHere: true, Offset: fmt.Sprintf("+%.3f s", t.FailedAtSeconds)})
	}
	if unshown > 0 {
		ht.Notes = append(ht.Notes, fmt.Sprintf("the hex of %s is left out: the page dumps at most %d bytes in all; the JSON report holds them",
			Count(unshown, "event"), htmlHexBudget))
	}
	return ht
}

func joinInts(ns []int) string {
	ss := make([]string, len(ns))
	for i, n := range ns {
		ss[i] = strconv.Itoa(n)
	}
	return strings.Join(ss, ", ")
}

// hexDump shows b as rows of 16 bytes: the offset, the bytes in hex (a gap
// after the eighth) and as ASCII, '.' for a byte that is not printable.
// Only the first limit bytes are shown; a last line counts the others.
func hexDump(b []byte, limit int) string {
	shown := b[:min(len(b), max(limit, 0))]
	var sb strings.Builder
	for off := 0; off < len(shown); off += 16 {
		row := shown[off:min(off+16, len(shown))]
		fmt.Fprintf(&sb, "%04x  ", off)
		for i := range 16 {
			if i == 8 {
				sb.WriteByte(' ')
			}
			if i < len(row) {
				fmt.Fprintf(&sb, "%02x ", row[i])
			} else {
				sb.WriteString("   ")
			}
		}
		sb.WriteString(" |")
		for _, c := range row {
			if c < 0x20 || c > 0x7e {
				c = '.'
			}
			sb.WriteByte(c)
		}
		sb.WriteString("|\n")
	}
	if len(b) > len(shown) {
		fmt.Fprintf(&sb, "… %d more bytes not shown\n", len(b)-len(shown))
	}
	return strings.TrimSuffix(sb.String(), "\n")
}

// clip cuts s to at most limit bytes, on a rune boundary, saying how much
// was left out.
func clip(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s\n… %d more bytes not shown", s[:cut], len(s)-cut)
}
