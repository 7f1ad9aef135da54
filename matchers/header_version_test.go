package matchers_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/format"

	. "github.com/wirecert/wirecert/matchers"
)

var _ = Describe("HaveVersion", func() {

	DescribeTable("judges bytes 0-1, big-endian",
		func(raw []byte, v uint16, matches bool, message string) {
			m := HaveVersion(v)
			for _, actual := range frameForms(raw) {
				Expect(m.Match(actual)).To(Equal(matches), "%T", actual)
			}
			if matches {
				Expect(m.NegatedFailureMessage(raw)).To(Equal(format.Message(raw, message)))
			} else {
				Expect(m.FailureMessage(raw)).To(Equal(format.Message(raw, message)))
			}
		},
		Entry("2",
			[]byte{0, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0}, uint16(2), true,
			"not to have Version 2\nheader [00 02 03 00 00 00 00 00 00 00 00 00]"),
		Entry("1 is not 2",
			[]byte{0, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0}, uint16(2), false,
			"to have Version 2, but it has 1 (0x0001)\nheader [00 01 03 00 00 00 00 00 00 00 00 00]"),
		Entry("byte order: 0x0200 is not 2",
			[]byte{2, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0}, uint16(2), false,
			"to have Version 2, but it has 512 (0x0200)\nheader [02 00 03 00 00 00 00 00 00 00 00 00]"),
		Entry("0xFFFF",
			[]byte{0xff, 0xff, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0}, uint16(0xffff), true,
			"not to have Version 65535\nheader [ff ff 03 00 00 00 00 00 00 00 00 00]"),
	)
})
