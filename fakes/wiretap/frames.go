package wiretap

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
	"github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
)

// ccproxyFraming follows cc-proxy frames as a receiver does: HeaderLength
// words of header (extra words skipped), then PayloadLength bytes. A
// header a receiver must reject is described with why; the stream is
// followed on as if the receiver went on, HeaderLength below 3 read as 3.
var ccproxyFraming = &framing{
	headerSize: api.HeaderSize,
	parse: func(b []byte) (int, uint64, string) {
		h := api.ParseHeader(b)
		extra := max(int(h.HeaderLength)*4-api.HeaderSize, 0)
		err := h.CheckEmitted()
		if err == nil {
			return extra, uint64(h.PayloadLength), frameNames[h.Type][h.Opcode][boolIndex(h.Error)]
		}
		desc := frameName(h.Type, h.Opcode, h.Error) + fmt.Sprintf(" header %s: %s", h, headerFault(err))
		return extra, uint64(h.PayloadLength), desc
	},
	body: func(_ []byte, shown []byte, length uint64) string {
		if length == 0 {
			return ""
		}
		return text(shown, length)
	},
}

// frameNames are the names of the frames a sender may emit, by type,
// opcode and E flag, made once: naming a frame costs nothing then.
var frameNames = func() (names [api.TypeNotification + 1][api.CmdSignal + 1][2]string) {
	for t := range names {
		for op := range names[t] {
			for e := range names[t][op] {
				names[t][op][e] = frameName(api.FrameType(t), uint8(op), e == 1)
			}
		}
	}
	return names
}()

// frameName names a frame by its type, opcode and E flag.
func frameName(t api.FrameType, op uint8, e bool) string {
	s := t.String() + " " + api.OpcodeName(t, op)
	if e {
		s += " (E: error)"
	}
	return s
}

func boolIndex(b bool) int {
	if b {
		return 1
	}
	return 0
}

// headerFault is what a HeaderError says, without the header it repeats.
func headerFault(err error) string {
	var he *api.HeaderError
	if errors.As(err, &he) {
		return fmt.Sprintf("%s is %d, allowed %s", he.Field, he.Seen, he.Allowed)
	}
	return err.Error()
}

// ctlFraming follows hyperstart ctl frames: code and length (the whole
// frame's) as big-endian uint32s, then the payload.
var ctlFraming = &framing{
	headerSize: hyperstart.CtlHeaderSize,
	parse: func(b []byte) (int, uint64, string) {
		code := hyperstart.Code(binary.BigEndian.Uint32(b[0:4]))
		length := binary.BigEndian.Uint32(b[4:8])
		desc := "ctl " + code.String()
		if length < hyperstart.CtlHeaderSize || length > hyperstart.CtlMaxFrame {
			desc += fmt.Sprintf(" (length %d, allowed 8..%d)", length, hyperstart.CtlMaxFrame)
		}
		return 0, uint64(max(length, hyperstart.CtlHeaderSize) - hyperstart.CtlHeaderSize), desc
	},
	body: func(_ []byte, shown []byte, length uint64) string {
		if length == 0 {
			return ""
		}
		return text(shown, length)
	},
}

// ioFraming follows hyperstart io frames: seq as a big-endian uint64 and
// length (the whole frame's) as a uint32, then the stream's bytes.
var ioFraming = &framing{
	headerSize: hyperstart.IOHeaderSize,
	parse: func(b []byte) (int, uint64, string) {
		seq := binary.BigEndian.Uint64(b[0:8])
		length := binary.BigEndian.Uint32(b[8:12])
		desc := fmt.Sprintf("io seq %d", seq)
		if length < hyperstart.IOHeaderSize || length > hyperstart.IOMaxFrame {
			desc += fmt.Sprintf(" (length %d, allowed 12..%d)", length, hyperstart.IOMaxFrame)
		}
		return 0, uint64(max(length, hyperstart.IOHeaderSize) - hyperstart.IOHeaderSize), desc
	},
	body: func(_ []byte, shown []byte, length uint64) string {
		if length == 0 {
			return "empty (end of input, or an exit code follows)"
		}
		return text(shown, length)
	},
}
