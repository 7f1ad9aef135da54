package matchers_test

import (
	"errors"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"

	. "github.com/wirecert/wirecert/matchers"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// frameForms gives every form a frame matcher accepts for the raw frame
// bytes b: the bytes, the header and the frame, by value and by pointer.
func frameForms(b []byte) []any {
	h := api.ParseHeader(b)
	f := api.Frame{Header: h}
	if start, end := int(h.HeaderLength)*4, int(h.HeaderLength)*4+int(h.PayloadLength); h.HeaderLength >= 3 && end <= len(b) {
		f.Payload = b[start:end]
	}
	return []any{b, h, &h, f, &f}
}

// everyFrameMatcher is one of each frame matcher, for the specs every one of
// them must pass.
func everyFrameMatcher() map[string]types.GomegaMatcher {
	return map[string]types.GomegaMatcher{
		"HaveFrameType":       HaveFrameType(api.TypeResponse),
		"HaveOpcode":          HaveOpcode(api.CmdHyper),
		"HaveErrorFlag":       HaveErrorFlag(),
		"HaveVersion":         HaveVersion(2),
		"HaveHeaderLength":    HaveHeaderLength(3),
		"HaveJSONPayload":     HaveJSONPayload(HaveKey("msg")),
		"BeValidEmittedFrame": BeValidEmittedFrame(),
	}
}

var _ = Describe("frame matchers' actuals", func() {

	It("accepts every frame form", func() {
		raw := []byte{0, 2, 3, 0, 0, 0, 0x11, 3, 0, 0, 0, 11, '{', '"', 'm', 's', 'g', '"', ':', '"', 'x', '"', '}'}
		for name, m := range everyFrameMatcher() {
			forms := frameForms(raw)
			if name == "HaveJSONPayload" {
				forms = []any{forms[0], forms[3], forms[4]} // headers carry no payload
			}
			for _, actual := range forms {
				Expect(m.Match(actual)).To(BeTrue(), "%s on %T", name, actual)
			}
		}
	})

	DescribeTable("refuses what is not a frame, naming the matcher and the actual",
		func(actual any, want string) {
			for name, m := range everyFrameMatcher() {
				ok, err := m.Match(actual)
				Expect(ok).To(BeFalse())
				Expect(err).To(MatchError(ErrNotAFrame), name)
				Expect(err.Error()).To(ContainSubstring(name+" matcher"), name)
				Expect(err.Error()).To(ContainSubstring(want), name)
			}
		},
		Entry("an int", 42,
			"expects an api.Frame, *api.Frame, api.FrameHeader, *api.FrameHeader or []byte (raw frame bytes).  Got:\n    <int>: 42"),
		Entry("a string of frame bytes", "\x00\x02\x03\x00\x00\x00\x11\x03\x00\x00\x00\x00",
			"Got:\n    <string>: "),
		Entry("nil", nil, "Got:\n    <nil>: nil"),
		Entry("a nil *api.Frame", (*api.Frame)(nil), "Got:\n    <*api.Frame | 0x0>: nil"),
		Entry("a nil *api.FrameHeader", (*api.FrameHeader)(nil), "Got:\n    <*api.FrameHeader | 0x0>: nil"),
		Entry("11 raw bytes", []byte{0, 2, 3, 0, 0, 0, 0x11, 3, 0, 0, 0},
			"needs at least 12 raw header bytes, got 11: [00 02 03 00 00 00 11 03 00 00 00]"),
		Entry("no raw bytes", []byte{}, "needs at least 12 raw header bytes, got 0: []"),
	)

	It("reads raw bytes' payload at HeaderLength*4 and ignores what follows", func() {
		raw := []byte{0, 2, 4, 0, 0, 0, 0x01, 3, 0, 0, 0, 2, 0xde, 0xad, 0xbe, 0xef, '{', '}', 0, 2, 3}
		Expect(raw).To(HaveJSONPayload(map[string]any{}))
		Expect(raw).To(HaveHeaderLength(4))
	})

	It("wraps ErrNotAFrame so callers can tell it apart", func() {
		_, err := HaveVersion(2).Match(3.14)
		Expect(errors.Is(err, ErrNotAFrame)).To(BeTrue())
	})
})
