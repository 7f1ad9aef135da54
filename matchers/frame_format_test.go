package matchers_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/format"

	_ "github.com/wirecert/wirecert/matchers"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

var _ = Describe("frames in failure messages", func() {
	frame := api.NewFrame(api.TypeResponse, api.CmdAttachVM, true, []byte(`{"msg":"no such VM"}`))

	DescribeTable("show decoded, not as a Go struct dump",
		func(actual any, want string) {
			got := format.Object(actual, 1)
			Expect(got).To(ContainSubstring(want))
			Expect(got).NotTo(ContainSubstring("Header: {"), "no struct dump")
		},
		Entry("a frame", frame, `Type:response Opcode:AttachVM PayloadLength:20} payload "{\"msg\":\"no such VM\"}"`),
		Entry("a frame pointer", &frame, `E:true Type:response`),
		Entry("a header", frame.Header, `{Version:2 HeaderLength:3 Reserved3:0x0 Reserved45:0x0 ReservedBits:0x0 E:true`),
		Entry("a header pointer", &frame.Header, `Opcode:AttachVM PayloadLength:20}`),
	)
})
