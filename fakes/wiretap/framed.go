package wiretap

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// showBody is how many bytes of a frame's body a decoded form shows.
const showBody = 256

// framing describes a protocol of frames with a fixed-size header that
// gives the frame's length.
type framing struct {
	// headerSize is the fixed header's size.
	headerSize int
	// parse reads a fixed header: how many more header bytes follow
	// (skipped), how long the body is, and the header described.
	parse func(h []byte) (extra int, body uint64, desc string)
	// body describes a frame's body from its first bytes and its length.
	body func(h []byte, shown []byte, length uint64) string
}

// framed follows a stream of frames across chunks. A frame is described in
// the chunk that completes it; a chunk ending inside one says how far it
// got.
type framed struct {
	f *framing

	header []byte // the fixed header so far
	extra  int    // extra header bytes still to skip
	need   uint64 // body bytes still to come
	length uint64 // the body's length
	shown  []byte // the body's first bytes
	desc   string // the header described
	inBody bool   // the fixed header is complete
}

func newFramed(f *framing) *framed {
	return &framed{f: f, header: make([]byte, 0, f.headerSize)}
}

func (d *framed) decode(b []byte, _ []int) string {
	var buf [4]string // most chunks complete at most a few frames
	out := buf[:0]
	for len(b) > 0 {
		if !d.inBody {
			n := min(d.f.headerSize-len(d.header), len(b))
			d.header = append(d.header, b[:n]...)
			b = b[n:]
			if len(d.header) < d.f.headerSize {
				break
			}
			d.extra, d.length, d.desc = d.f.parse(d.header)
			d.need, d.inBody = d.length, true
		}
		if d.extra > 0 {
			n := min(d.extra, len(b))
			d.extra -= n
			b = b[n:]
			if d.extra > 0 {
				break
			}
		}
		n := int(min(d.need, uint64(len(b))))
		if room := showBody - len(d.shown); room > 0 {
			d.shown = append(d.shown, b[:min(n, room)]...)
		}
		d.need -= uint64(n)
		b = b[n:]
		if d.need > 0 {
			break
		}
		out = append(out, d.complete())
	}
	switch {
	case !d.inBody && len(d.header) > 0:
		out = append(out, fmt.Sprintf("(a header begun: %d of %d bytes)", len(d.header), d.f.headerSize))
	case d.inBody && d.extra > 0:
		out = append(out, fmt.Sprintf("(%s: header words to skip, %d bytes left)", d.desc, d.extra))
	case d.inBody:
		out = append(out, fmt.Sprintf("(%s: %d of %d body bytes so far)", d.desc, d.length-d.need, d.length))
	}
	return strings.Join(out, "; ")
}

// complete describes the frame just completed and starts the next.
func (d *framed) complete() string {
	s := d.desc
	if body := d.f.body(d.header, d.shown, d.length); body != "" {
		s += " " + body
	}
	d.header, d.shown, d.inBody, d.extra, d.need, d.length = d.header[:0], d.shown[:0], false, 0, 0, 0
	return s
}

// text shows body bytes: as text when they are printable UTF-8, else
// quoted; with the length when only the first bytes are shown.
func text(shown []byte, length uint64) string {
	cut := uint64(len(shown)) < length
	var s string
	if printable(shown, cut) {
		s = string(withoutCutRune(shown))
	} else {
		s = strconv.Quote(string(shown))
	}
	if uint64(len(shown)) < length {
		s += fmt.Sprintf(" … (%d bytes)", length)
	}
	return s
}

// printable tells whether b is UTF-8 without control characters; a rune
// begun at the end is fine where the bytes shown were cut (cut), not where
// the body itself ends.
func printable(b []byte, cut bool) bool {
	i := 0
	for i < len(b) && b[i] >= 0x20 && b[i] < 0x7f {
		i++ // printable ASCII, the common case (JSON), needs no decoding
	}
	for b = b[i:]; len(b) > 0; {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 {
			return cut && len(b) < utf8.UTFMax && !utf8.FullRune(b)
		}
		if !unicode.IsPrint(r) && r != ' ' {
			return false
		}
		b = b[n:]
	}
	return true
}

// withoutCutRune is b without a rune begun at its end and cut off there:
// a decoded form is valid UTF-8 (the cut shows as " … (n bytes)").
func withoutCutRune(b []byte) []byte {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return b[:i]
			}
			break
		}
	}
	return b
}
