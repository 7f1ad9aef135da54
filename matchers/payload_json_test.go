package matchers_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/format"

	. "github.com/wirecert/wirecert/matchers"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

var _ = Describe("HaveJSONPayload", func() {

	errorFrame := append([]byte{0, 2, 3, 0, 0, 0, 0x11, 3, 0, 0, 0, 14}, `{"msg":"boom"}`...)
	ioFrame := append([]byte{0, 2, 3, 0, 0, 0, 0x01, 0, 0, 0, 0, 45}, `{"io":{"URL":"unix:///p","tokens":["a","b"]}}`...)

	DescribeTable("decodes the payload and judges it",
		func(raw []byte, expected any, matches bool) {
			m := HaveJSONPayload(expected)
			forms := frameForms(raw)
			for _, actual := range []any{forms[0], forms[3], forms[4]} {
				Expect(m.Match(actual)).To(Equal(matches), "%T", actual)
			}
		},
		Entry("equal struct", errorFrame, api.ErrorResponse{Message: "boom"}, true),
		Entry("pointer to an equal struct", errorFrame, &api.ErrorResponse{Message: "boom"}, true),
		Entry("other message", errorFrame, api.ErrorResponse{Message: "bang"}, false),
		Entry("equal map", errorFrame, map[string]any{"msg": "boom"}, true),
		Entry("map with another key", errorFrame, map[string]any{"msg": "boom", "x": 1.0}, false),
		Entry("matcher on the decoded map", errorFrame, HaveKeyWithValue("msg", Not(BeEmpty())), true),
		Entry("failing matcher", errorFrame, HaveKey("message"), false),
		Entry("nested struct, \"URL\" key", ioFrame,
			api.RegisterVMResponse{IO: api.IOResponse{URL: "unix:///p", Tokens: []string{"a", "b"}}}, true),
		Entry("numbers decode as float64 for matchers", append([]byte{0, 2, 3, 0, 0, 0, 0x00, 6, 0, 0, 0, 18}, `{"signalNumber":9}`...),
			HaveKeyWithValue("signalNumber", BeNumerically("==", 9)), true),
		Entry("unknown fields tolerated by structs", append([]byte{0, 2, 3, 0, 0, 0, 0x11, 3, 0, 0, 0, 23}, `{"msg":"boom","code":7}`...),
			api.ErrorResponse{Message: "boom"}, true),
		Entry("null tokens are not an empty list", append([]byte{0, 2, 3, 0, 0, 0, 0x01, 2, 0, 0, 0, 40}, `{"io":{"URL":"unix:///p","tokens":null}}`...),
			api.AttachVMResponse{IO: api.IOResponse{URL: "unix:///p", Tokens: []string{}}}, false),
	)

	It("shows the decoded value, the expectation, the payload and the header on failure", func() {
		m := HaveJSONPayload(api.ErrorResponse{Message: "bang"})
		Expect(m.FailureMessage(errorFrame)).To(Equal(format.Message(errorFrame,
			"to have a JSON payload that satisfies:\n"+
				"    Expected\n"+
				"        <api.ErrorResponse>: {Message: \"boom\"}\n"+
				"    to equal\n"+
				"        <api.ErrorResponse>: {Message: \"bang\"}\n"+
				`payload "{\"msg\":\"boom\"}"`+"\n"+
				"header [00 02 03 00 00 00 11 03 00 00 00 0e]")))
		n := HaveJSONPayload(HaveKey("msg")).NegatedFailureMessage(errorFrame)
		Expect(n).To(HavePrefix(format.Message(errorFrame,
			"not to have a JSON payload that satisfies:\n"+
				"    Expected\n"+
				"        <map[string]interface {} | len:1>: {")))
		Expect(n).To(HaveSuffix("    not to have key\n" +
			"        <string>: msg\n" +
			`payload "{\"msg\":\"boom\"}"` + "\n" +
			"header [00 02 03 00 00 00 11 03 00 00 00 0e]"))
	})

	DescribeTable("refuses payloads that do not decode, quoting them",
		func(raw []byte, expected any, want ...string) {
			ok, err := HaveJSONPayload(expected).Match(raw)
			Expect(ok).To(BeFalse())
			Expect(err).To(MatchError(ErrNotJSON))
			for _, w := range want {
				Expect(err.Error()).To(ContainSubstring(w))
			}
		},
		Entry("not JSON", append([]byte{0, 2, 3, 0, 0, 0, 0x11, 3, 0, 0, 0, 7}, "garbage"...), api.ErrorResponse{},
			"cannot decode the payload of the response Hyper into api.ErrorResponse",
			"invalid character 'g'", `payload "garbage"`, "header [00 02 03 00 00 00 11 03 00 00 00 07]"),
		Entry("empty", []byte{0, 2, 3, 0, 0, 0, 0x01, 4, 0, 0, 0, 0}, HaveKey("msg"),
			"cannot decode the payload of the response ConnectShim into interface {}: the payload is empty",
			`payload ""`),
		Entry("ProcessExited's raw byte", []byte{0, 2, 3, 0, 0, 0, 0x03, 0, 0, 0, 0, 1, 7}, map[string]any{},
			"notification ProcessExited", `payload "\a"`),
		Entry("trailing data", append([]byte{0, 2, 3, 0, 0, 0, 0x11, 3, 0, 0, 0, 4}, "{}{}"...), api.ErrorResponse{},
			"allowed one JSON value", `payload "{}{}"`),
		Entry("wrong field type", append([]byte{0, 2, 3, 0, 0, 0, 0x11, 3, 0, 0, 0, 9}, `{"msg":5}`...), api.ErrorResponse{},
			"cannot unmarshal number", `payload "{\"msg\":5}"`),
		Entry("long garbage", append([]byte{0, 2, 3, 0, 0, 0, 0x02, 1, 0, 0, 0, 100}, strings.Repeat("z", 100)...), HaveKey("x"),
			`payload "`+strings.Repeat("z", 64)+`"... (64 of 100 bytes shown)`),
	)

	DescribeTable("refuses actuals without a payload and bad expectations",
		func(actual any, expected any, want string) {
			ok, err := HaveJSONPayload(expected).Match(actual)
			Expect(ok).To(BeFalse())
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("a header", api.FrameHeader{Version: 2, HeaderLength: 3}, HaveKey("msg"),
			"HaveJSONPayload needs a frame with a payload: an api.FrameHeader carries no payload"),
		Entry("raw bytes short of the payload", []byte{0, 2, 3, 0, 0, 0, 0x01, 0, 0, 0, 0, 9, '{'}, HaveKey("msg"),
			"PayloadLength is 9, but the raw frame holds only 1 payload bytes"),
		Entry("raw bytes with HL 2", []byte{0, 2, 2, 0, 0, 0, 0x01, 0, 0, 0, 0, 0}, HaveKey("msg"),
			"HeaderLength is 2, allowed >= 3 (32-bit words): the payload has no defined start"),
		Entry("nil expectation", errorFrame, nil,
			"HaveJSONPayload needs a value, a non-nil pointer to one, or a matcher; got nil"),
		Entry("nil pointer expectation", errorFrame, (*api.ErrorResponse)(nil),
			"got a nil *api.ErrorResponse"),
		Entry("not a frame", 42, nil, "HaveJSONPayload matcher expects an api.Frame"),
	)
})
