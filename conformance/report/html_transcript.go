package report

import (
	"fmt"
	"strings"
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

// htmlTranscriptOf is sp's transcript for the page: nil until SpecResult
// carries one.
func htmlTranscriptOf(sp SpecResult, hexLeft *int) *htmlTranscript {
	_, _ = sp, hexLeft
	return nil
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
