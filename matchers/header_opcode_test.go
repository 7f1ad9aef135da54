package matchers_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/format"

	. "github.com/wirecert/wirecert/matchers"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

var _ = Describe("HaveOpcode", func() {

	DescribeTable("judges byte 7, named within the frame's type",
		func(raw []byte, op uint8, matches bool, message string) {
			m := HaveOpcode(op)
			for _, actual := range frameForms(raw) {
				Expect(m.Match(actual)).To(Equal(matches), "%T", actual)
			}
			if matches {
				Expect(m.NegatedFailureMessage(raw)).To(Equal(format.Message(raw, message)))
			} else {
				Expect(m.FailureMessage(raw)).To(Equal(format.Message(raw, message)))
			}
		},
		Entry("response Hyper",
			[]byte{0, 2, 3, 0, 0, 0, 0x01, 3, 0, 0, 0, 0}, api.CmdHyper, true,
			"not to have opcode Hyper (3) (frame type response (1))\nheader [00 02 03 00 00 00 01 03 00 00 00 00]"),
		Entry("response AttachVM is not Signal",
			[]byte{0, 2, 3, 0, 0, 0, 0x11, 2, 0, 0, 0, 0}, api.CmdSignal, false,
			"to have opcode Signal (6), but it has AttachVM (2) (frame type response (1))\nheader [00 02 03 00 00 00 11 02 00 00 00 00]"),
		Entry("stream stdout is not stderr",
			[]byte{0, 2, 3, 0, 0, 0, 0x02, 1, 0, 0, 0, 0}, api.StreamStderr, false,
			"to have opcode stderr (2), but it has stdout (1) (frame type stream (2))\nheader [00 02 03 00 00 00 02 01 00 00 00 00]"),
		Entry("notification opcode out of range",
			[]byte{0, 2, 3, 0, 0, 0, 0x03, 9, 0, 0, 0, 0}, api.NotificationProcessExited, false,
			"to have opcode ProcessExited (0), but it has opcode(9) (frame type notification (3))\nheader [00 02 03 00 00 00 03 09 00 00 00 00]"),
		Entry("command opcode 255",
			[]byte{0, 2, 3, 0, 0, 0, 0x00, 0xff, 0, 0, 0, 0}, uint8(0xff), true,
			"not to have opcode opcode(255) (frame type command (0))\nheader [00 02 03 00 00 00 00 ff 00 00 00 00]"),
	)
})
