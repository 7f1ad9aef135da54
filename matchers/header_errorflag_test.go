package matchers_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/format"

	. "github.com/wirecert/wirecert/matchers"
)

var _ = Describe("HaveErrorFlag", func() {

	DescribeTable("judges bit 0x10 of byte 6, quoting the payload",
		func(raw []byte, matches bool, message string) {
			m := HaveErrorFlag()
			for _, actual := range frameForms(raw) {
				Expect(m.Match(actual)).To(Equal(matches), "%T", actual)
			}
			if matches {
				Expect(m.NegatedFailureMessage(raw)).To(Equal(format.Message(raw, message)))
			} else {
				Expect(m.FailureMessage(raw)).To(Equal(format.Message(raw, message)))
			}
		},
		Entry("error response",
			append([]byte{0, 2, 3, 0, 0, 0, 0x11, 0, 0, 0, 0, 12}, `{"msg":"no"}`...), true,
			"not to have the E (error) flag set, but the response RegisterVM has it set\n"+
				`payload "{\"msg\":\"no\"}"`+"\nheader [00 02 03 00 00 00 11 00 00 00 00 0c]"),
		Entry("E on a command",
			[]byte{0, 2, 3, 0, 0, 0, 0x10, 6, 0, 0, 0, 0}, true,
			"not to have the E (error) flag set, but the command Signal has it set\n"+
				`payload ""`+"\nheader [00 02 03 00 00 00 10 06 00 00 00 00]"),
		Entry("E and every reserved bit",
			[]byte{0, 2, 3, 0, 0, 0, 0xf1, 4, 0, 0, 0, 0}, true,
			"not to have the E (error) flag set, but the response ConnectShim has it set\n"+
				`payload ""`+"\nheader [00 02 03 00 00 00 f1 04 00 00 00 00]"),
		Entry("success response",
			[]byte{0, 2, 3, 0, 0, 0, 0x01, 4, 0, 0, 0, 0}, false,
			"to have the E (error) flag set, but the response ConnectShim has it clear\n"+
				`payload ""`+"\nheader [00 02 03 00 00 00 01 04 00 00 00 00]"),
		Entry("reserved bits alone are not E",
			[]byte{0, 2, 3, 0, 0, 0, 0xe1, 4, 0, 0, 0, 0}, false,
			"to have the E (error) flag set, but the response ConnectShim has it clear\n"+
				`payload ""`+"\nheader [00 02 03 00 00 00 e1 04 00 00 00 00]"),
	)

	It("quotes only the start of a long payload", func() {
		raw := append([]byte{0, 2, 3, 0, 0, 0, 0x11, 0, 0, 0, 0, 100}, make([]byte, 100)...)
		for i := 12; i < len(raw); i++ {
			raw[i] = 'a'
		}
		Expect(HaveErrorFlag().NegatedFailureMessage(raw)).To(ContainSubstring(
			`payload "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"... (64 of 100 bytes shown)` +
				"\nheader [00 02 03 00 00 00 11 00 00 00 00 64]"))
	})

	It("shows no payload line for a header", func() {
		raw := []byte{0, 2, 3, 0, 0, 0, 0x01, 4, 0, 0, 0, 0}
		h := frameForms(raw)[1]
		Expect(HaveErrorFlag().FailureMessage(h)).To(HaveSuffix(
			"has it clear\nheader [00 02 03 00 00 00 01 04 00 00 00 00]"))
	})
})
