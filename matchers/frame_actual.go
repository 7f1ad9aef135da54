package matchers

import (
	"errors"
	"fmt"
	"strings"

	"github.com/onsi/gomega/format"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// Errors the frame matchers return (as matcher errors, not failures) when they
// cannot judge an actual at all; test with errors.Is.
var (
	// ErrNotAFrame: the actual is not one of the frame forms the matchers take.
	ErrNotAFrame = errors.New("not a cc-proxy frame")
	// ErrNotJSON: a payload that HaveJSONPayload cannot decode.
	ErrNotJSON = errors.New("payload is not the JSON expected")
)

// frameActuals lists what every frame matcher accepts as its actual.
const frameActuals = "an api.Frame, *api.Frame, api.FrameHeader, *api.FrameHeader or []byte (raw frame bytes)"

// shownPayload bounds how much payload text a failure message quotes.
const shownPayload = 64

// frameActual is a matcher's actual reduced to what the frame matchers judge:
// the header and, when the actual carries one, the payload.
type frameActual struct {
	header     api.FrameHeader
	payload    []byte
	hasPayload bool
	// payloadErr says why an actual has no payload to judge.
	payloadErr error
	// rawLength is the length of a []byte actual, -1 for the other forms.
	rawLength int
}

// frameOf reduces actual to a frameActual, or explains, naming the matcher,
// why it cannot. Raw bytes hold a header in their first 12 bytes and the
// payload at HeaderLength*4; bytes after the payload (a following frame) are
// ignored.
func frameOf(matcher string, actual any) (frameActual, error) {
	f := frameActual{rawLength: -1}
	switch a := actual.(type) {
	case api.Frame:
		f.header, f.payload, f.hasPayload = a.Header, a.Payload, true
	case *api.Frame:
		if a == nil {
			return f, notAFrame(matcher, actual)
		}
		f.header, f.payload, f.hasPayload = a.Header, a.Payload, true
	case api.FrameHeader:
		f.header = a
		f.payloadErr = errors.New("an api.FrameHeader carries no payload")
	case *api.FrameHeader:
		if a == nil {
			return f, notAFrame(matcher, actual)
		}
		f.header = *a
		f.payloadErr = errors.New("an *api.FrameHeader carries no payload")
	case []byte:
		if len(a) < api.HeaderSize {
			return f, fmt.Errorf("%w: %s matcher needs at least %d raw header bytes, got %d: [% x]",
				ErrNotAFrame, matcher, api.HeaderSize, len(a), a)
		}
		f.rawLength = len(a)
		f.header = api.ParseHeader(a)
		start := int(f.header.HeaderLength) * 4
		end := start + int(f.header.PayloadLength)
		switch {
		case f.header.HeaderLength < api.MinHeaderLength:
			f.payloadErr = fmt.Errorf("HeaderLength is %d, allowed >= 3 (32-bit words): the payload has no defined start",
				f.header.HeaderLength)
		case len(a) < end:
			f.payloadErr = fmt.Errorf("PayloadLength is %d, but the raw frame holds only %d payload bytes (%d bytes in all, payload at %d)",
				f.header.PayloadLength, max(len(a)-start, 0), len(a), start)
		default:
			f.payload, f.hasPayload = a[start:end], true
		}
	default:
		return f, notAFrame(matcher, actual)
	}
	return f, nil
}

func notAFrame(matcher string, actual any) error {
	return fmt.Errorf("%w: %s matcher expects %s.  Got:\n%s", ErrNotAFrame, matcher, frameActuals, format.Object(actual, 1))
}

// hexHeader is the line every frame matcher message ends with: the 12 header
// bytes as they are on the wire.
func (f frameActual) hexHeader() string {
	return fmt.Sprintf("header [% x]", f.header.Bytes())
}

// what names the frame by type and opcode, "response Hyper".
func (f frameActual) what() string {
	return f.header.Type.String() + " " + api.OpcodeName(f.header.Type, f.header.Opcode)
}

// payloadText quotes a payload for a message, the first bytes of a long one.
func payloadText(p []byte) string {
	if len(p) <= shownPayload {
		return fmt.Sprintf("payload %q", p)
	}
	return fmt.Sprintf("payload %q... (%d of %d bytes shown)", p[:shownPayload], shownPayload, len(p))
}

// typeLabel gives a type's name and number, "response (1)"; unknown types
// already carry their number, "type(5)".
func typeLabel(t api.FrameType) string {
	if t > api.TypeNotification {
		return t.String()
	}
	return fmt.Sprintf("%s (%d)", t, uint8(t))
}

// opcodeLabel gives an opcode's name within type t and its number,
// "Hyper (3)"; opcodes out of range already carry their number, "opcode(9)".
func opcodeLabel(t api.FrameType, op uint8) string {
	name := api.OpcodeName(t, op)
	if strings.HasPrefix(name, "opcode(") {
		return name
	}
	return fmt.Sprintf("%s (%d)", name, op)
}
