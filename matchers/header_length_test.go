package matchers_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/format"

	. "github.com/wirecert/wirecert/matchers"
)

var _ = Describe("HaveHeaderLength", func() {

	DescribeTable("judges byte 2, in 32-bit words",
		func(raw []byte, words uint8, matches bool, message string) {
			m := HaveHeaderLength(words)
			for _, actual := range frameForms(raw) {
				Expect(m.Match(actual)).To(Equal(matches), "%T", actual)
			}
			if matches {
				Expect(m.NegatedFailureMessage(raw)).To(Equal(format.Message(raw, message)))
			} else {
				Expect(m.FailureMessage(raw)).To(Equal(format.Message(raw, message)))
			}
		},
		Entry("3",
			[]byte{0, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0}, uint8(3), true,
			"not to have HeaderLength 3 (32-bit words)\nheader [00 02 03 00 00 00 00 00 00 00 00 00]"),
		Entry("2 is not 3",
			[]byte{0, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0}, uint8(3), false,
			"to have HeaderLength 3 (32-bit words), but it has 2\nheader [00 02 02 00 00 00 00 00 00 00 00 00]"),
		Entry("0 is not 3",
			[]byte{0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, uint8(3), false,
			"to have HeaderLength 3 (32-bit words), but it has 0\nheader [00 02 00 00 00 00 00 00 00 00 00 00]"),
		Entry("4 with its extra word",
			[]byte{0, 2, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef}, uint8(4), true,
			"not to have HeaderLength 4 (32-bit words)\nheader [00 02 04 00 00 00 00 00 00 00 00 00]"),
	)
})
