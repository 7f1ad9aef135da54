package matchers_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/format"

	. "github.com/wirecert/wirecert/matchers"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

var _ = Describe("HaveFrameType", func() {

	DescribeTable("judges the low nibble of byte 6",
		func(raw []byte, t api.FrameType, matches bool, message string) {
			m := HaveFrameType(t)
			for _, actual := range frameForms(raw) {
				Expect(m.Match(actual)).To(Equal(matches), "%T", actual)
			}
			if matches {
				Expect(m.NegatedFailureMessage(raw)).To(Equal(format.Message(raw, message)))
			} else {
				Expect(m.FailureMessage(raw)).To(Equal(format.Message(raw, message)))
			}
		},
		Entry("command is command",
			[]byte{0, 2, 3, 0, 0, 0, 0x00, 0, 0, 0, 0, 0}, api.TypeCommand, true,
			"not to have frame type command (0)\nheader [00 02 03 00 00 00 00 00 00 00 00 00]"),
		Entry("E response is response",
			[]byte{0, 2, 3, 0, 0, 0, 0x11, 3, 0, 0, 0, 0}, api.TypeResponse, true,
			"not to have frame type response (1)\nheader [00 02 03 00 00 00 11 03 00 00 00 00]"),
		Entry("reserved bits do not change the type",
			[]byte{0, 2, 3, 0, 0, 0, 0xe3, 0, 0, 0, 0, 0}, api.TypeNotification, true,
			"not to have frame type notification (3)\nheader [00 02 03 00 00 00 e3 00 00 00 00 00]"),
		Entry("stream is not response",
			[]byte{0, 2, 3, 0, 0, 0, 0x02, 1, 0, 0, 0, 0}, api.TypeResponse, false,
			"to have frame type response (1), but it has stream (2)\nheader [00 02 03 00 00 00 02 01 00 00 00 00]"),
		Entry("type 5 is not command",
			[]byte{0, 2, 3, 0, 0, 0, 0x05, 0, 0, 0, 0, 0}, api.TypeCommand, false,
			"to have frame type command (0), but it has type(5)\nheader [00 02 03 00 00 00 05 00 00 00 00 00]"),
	)

	It("names an api.Frame actual in full", func() {
		f := api.NewFrame(api.TypeResponse, api.CmdHyper, true, []byte(`{"msg":"boom"}`))
		Expect(HaveFrameType(api.TypeCommand).FailureMessage(f)).To(Equal(
			"Expected\n" +
				"    <api.Frame>: {Version:2 HeaderLength:3 Reserved3:0x0 Reserved45:0x0 ReservedBits:0x0 E:true Type:response Opcode:Hyper PayloadLength:14} payload \"{\\\"msg\\\":\\\"boom\\\"}\"\n" +
				"to have frame type command (0), but it has response (1)\n" +
				"header [00 02 03 00 00 00 11 03 00 00 00 0e]"))
	})

	It("works in an assertion", func() {
		Expect(api.NewFrame(api.TypeStream, api.StreamStdout, false, nil)).To(HaveFrameType(api.TypeStream))
		Expect(api.NewFrame(api.TypeStream, api.StreamStdout, false, nil)).NotTo(HaveFrameType(api.TypeResponse))
	})
})
