package matchers_test

import (
	"errors"
	"testing"

	"github.com/onsi/gomega"

	. "github.com/wirecert/wirecert/matchers"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// maxMessage bounds a HaveJSONPayload message: Gomega cuts the actual it
// formats (format.MaxLength), and the matcher quotes only a payload's
// first bytes, so a hostile frame cannot make a message of its size.
const maxMessage = 64 << 10

// FuzzHaveJSONPayload judges arbitrary raw frame bytes, as a target sends
// them, against each kind of expectation a suite gives (a struct, a
// pointer to one, a map, a matcher): no panic; an error is ErrNotAFrame or
// ErrNotJSON, or the sub-matcher's; the failure messages exist and are
// bounded, whatever the bytes.
func FuzzHaveJSONPayload(f *testing.F) {
	frame := func(t api.FrameType, op uint8, e bool, payload string) []byte {
		return api.AppendFrame(nil, api.NewFrame(t, op, e, []byte(payload)))
	}
	f.Add(frame(api.TypeResponse, api.CmdRegisterVM, true, `{"msg":"boom"}`))
	f.Add(frame(api.TypeResponse, api.CmdRegisterVM, false, `{"io":{"URL":"unix:///p","tokens":["a","b"]}}`))
	f.Add(frame(api.TypeResponse, api.CmdHyper, false, `{"msg":"x"} trailing`))
	f.Add(frame(api.TypeResponse, api.CmdHyper, false, `{"msg":"\ud800"}`))
	f.Add(frame(api.TypeCommand, api.CmdSignal, false, `{"signalNumber":1e400}`))
	f.Add(frame(api.TypeResponse, api.CmdAttachVM, false, `[[[[[[[[[[[[[[[[[[[[`))
	f.Add(frame(api.TypeStream, api.StreamStdout, false, "\x00\xff not json"))
	f.Add(frame(api.TypeResponse, api.CmdAttachVM, false, ""))
	f.Add([]byte{0, 2, 5, 0, 0, 0, 0, 0, 0, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8, '{', '}'}) // HeaderLength 5
	f.Add([]byte{0, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0})                                   // HeaderLength 2
	f.Add([]byte{0, 2, 3, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, '{'})                  // length beyond the bytes
	f.Add([]byte{0, 2, 3})                                                              // a header cut short
	f.Fuzz(func(t *testing.T, raw []byte) {
		expectations := []any{
			api.ErrorResponse{Message: "boom"},
			&api.RegisterVMResponse{},
			map[string]any{"msg": "boom"},
			gomega.HaveKey("msg"),
			gomega.HaveKeyWithValue("io", gomega.HaveKey("URL")),
		}
		for _, expected := range expectations {
			m := HaveJSONPayload(expected)
			_, err := m.Match(raw)
			if err != nil && !errors.Is(err, ErrNotAFrame) && !errors.Is(err, ErrNotJSON) {
				// the sub-matchers' own errors: a map matcher given a
				// decoded value that is not a map
				if _, isMatcher := expected.(interface{ Match(any) (bool, error) }); !isMatcher {
					t.Errorf("HaveJSONPayload(%T) on % x: an error that is neither ErrNotAFrame nor ErrNotJSON: %v", expected, raw, err)
				}
			}
			for name, msg := range map[string]string{"FailureMessage": m.FailureMessage(raw), "NegatedFailureMessage": m.NegatedFailureMessage(raw)} {
				if msg == "" {
					t.Errorf("HaveJSONPayload(%T).%s on % x is empty", expected, name, raw)
				}
				if len(msg) > maxMessage {
					t.Errorf("HaveJSONPayload(%T).%s on %d bytes is %d bytes, allowed at most %d", expected, name, len(raw), len(msg), maxMessage)
				}
			}
		}
	})
}
