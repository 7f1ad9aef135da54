package matchers_test

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/format"

	. "github.com/wirecert/wirecert/matchers"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

var _ = Describe("BeValidEmittedFrame", func() {

	const owed = "to be a frame a sender may emit (Version 2, HeaderLength 3, zero reserved fields, E only on responses, exact PayloadLength), but:\n"

	DescribeTable("accepts what a sender may emit",
		func(raw []byte) {
			for _, actual := range frameForms(raw) {
				Expect(actual).To(BeValidEmittedFrame())
			}
			Expect(BeValidEmittedFrame().NegatedFailureMessage(raw)).To(Equal(format.Message(raw,
				fmt.Sprintf("not to be a frame a sender may emit\nheader [% x]", raw[:12]))))
		},
		Entry("command, empty payload", []byte{0, 2, 3, 0, 0, 0, 0x00, 0, 0, 0, 0, 0}),
		Entry("error response", append([]byte{0, 2, 3, 0, 0, 0, 0x11, 3, 0, 0, 0, 9}, `{"msg":1}`...)),
		Entry("ProcessExited, one raw byte", []byte{0, 2, 3, 0, 0, 0, 0x03, 0, 0, 0, 0, 1, 7}),
		Entry("raw bytes followed by the next frame", []byte{0, 2, 3, 0, 0, 0, 0x02, 1, 0, 0, 0, 1, 'x', 0, 2, 3}),
	)

	DescribeTable("rejects what a sender owes otherwise, quoting the header error",
		func(raw []byte, why string) {
			m := BeValidEmittedFrame()
			Expect(m.Match(raw)).To(BeFalse())
			Expect(m.FailureMessage(raw)).To(Equal(format.Message(raw,
				fmt.Sprintf("%s%s\nheader [% x]", owed, why, raw[:12]))))
		},
		Entry("version 1", []byte{0, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0},
			"frame header [00 01 03 00 00 00 00 00 00 00 00 00]: Version is 1 (0x1), allowed 2: bad version"),
		Entry("HL 2", []byte{0, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0},
			"frame header [00 02 02 00 00 00 00 00 00 00 00 00]: HeaderLength is 2 (0x2), allowed >= 3 (32-bit words): bad header length"),
		Entry("HL 4, which receivers accept but senders do not emit", []byte{0, 2, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
			"frame header [00 02 04 00 00 00 00 00 00 00 00 00]: HeaderLength is 4 (0x4), allowed 3 (what this protocol version emits): bad header length"),
		Entry("type 4", []byte{0, 2, 3, 0, 0, 0, 4, 0, 0, 0, 0, 0},
			"frame header [00 02 03 00 00 00 04 00 00 00 00 00]: Type is 4 (0x4), allowed 0..3 (command, response, stream, notification): bad frame type"),
		Entry("stream opcode 4", []byte{0, 2, 3, 0, 0, 0, 2, 4, 0, 0, 0, 0},
			"frame header [00 02 03 00 00 00 02 04 00 00 00 00]: Opcode is 4 (0x4), allowed 0..3 for stream: opcode out of range"),
		Entry("E on a command", []byte{0, 2, 3, 0, 0, 0, 0x10, 0, 0, 0, 0, 0},
			"frame header [00 02 03 00 00 00 10 00 00 00 00 00]: E is 1 (0x1), allowed 0 on a command (E only on responses): E flag on a non-response"),
		Entry("reserved byte 3", []byte{0, 2, 3, 1, 0, 0, 0, 0, 0, 0, 0, 0},
			"frame header [00 02 03 01 00 00 00 00 00 00 00 00]: Reserved (byte 3) is 1 (0x1), allowed 0: reserved bits set"),
		Entry("reserved bytes 4-5", []byte{0, 2, 3, 0, 0x80, 0, 0, 0, 0, 0, 0, 0},
			"frame header [00 02 03 00 80 00 00 00 00 00 00 00]: Reserved (bytes 4-5) is 32768 (0x8000), allowed 0: reserved bits set"),
		Entry("reserved bit 0x20 of byte 6", []byte{0, 2, 3, 0, 0, 0, 0x21, 0, 0, 0, 0, 0},
			"frame header [00 02 03 00 00 00 21 00 00 00 00 00]: Reserved (bits 0xE0 of byte 6) is 32 (0x20), allowed 0: reserved bits set"),
		Entry("raw bytes short of PayloadLength", []byte{0, 2, 3, 0, 0, 0, 0x02, 1, 0xff, 0xff, 0xff, 0xff, 'x'},
			"PayloadLength is 4294967295, but the raw frame holds only 1 payload bytes (13 bytes in all, payload at 12)"),
	)

	It("rejects a frame whose PayloadLength disagrees with its payload", func() {
		f := api.NewFrame(api.TypeStream, api.StreamStdin, false, []byte("abc"))
		f.Header.PayloadLength = 4
		Expect(BeValidEmittedFrame().FailureMessage(f)).To(Equal(format.Message(f,
			owed+"PayloadLength is 4, but the payload has 3 bytes\nheader [00 02 03 00 00 00 02 00 00 00 00 04]")))
		Expect(f.Header).To(BeValidEmittedFrame(), "a header alone carries no payload to compare")
	})
})
