package ccproxy

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// The byte-level specs send fixed frames; these are their parts.

// unknownVMPayload names a VM no spec registers, so AttachVM and
// UnregisterVM with it get an error response: a cheap, stateless probe that
// the connection is served.
const unknownVMPayload = `{"containerId":"no-such-vm"}` // 28 = 0x1c bytes

// hx decodes hex bytes written with spaces, "00 02 03 00".
func hx(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(fmt.Sprintf("bad hex %q in a spec table: %v", s, err))
	}
	return b
}

// cat joins byte slices and strings into one.
func cat(parts ...any) []byte {
	var b bytes.Buffer
	for _, p := range parts {
		switch v := p.(type) {
		case []byte:
			b.Write(v)
		case string:
			b.WriteString(v)
		default:
			panic(fmt.Sprintf("cat: %T", p))
		}
	}
	return b.Bytes()
}

// frameBytes is a well-formed frame (Version 2, HeaderLength 3, zero
// reserved, exact PayloadLength).
func frameBytes(t api.FrameType, op uint8, payload string) []byte {
	return api.AppendFrame(nil, api.NewFrame(t, op, false, []byte(payload)))
}

// attachUnknown is an AttachVM of a VM nobody registered: 00 02 03 00 00 00
// 00 02 00 00 00 1c + unknownVMPayload.
var attachUnknown = frameBytes(api.TypeCommand, api.CmdAttachVM, unknownVMPayload)

// showBytes is how an entry names the bytes it sends: hex, abbreviated after
// 64 bytes.
func showBytes(b []byte) string {
	if len(b) <= 64 {
		return fmt.Sprintf("[% x]", b)
	}
	return fmt.Sprintf("[% x ...] (%d bytes)", b[:64], len(b))
}
