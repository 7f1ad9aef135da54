package main

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("splitCommand", func() {
	DescribeTable("splits like a shell, without expansion",
		func(in string, want []string) {
			Expect(splitCommand(in)).To(Equal(want))
		},
		Entry("words", "ccproxy --socket {socket}", []string{"ccproxy", "--socket", "{socket}"}),
		Entry("runs of blanks", "  ccshim\t--proxy  {socket} \n--token {token} ", []string{"ccshim", "--proxy", "{socket}", "--token", "{token}"}),
		Entry("single quotes keep everything", `sh -c 'exec p --socket "{socket}" $X'`, []string{"sh", "-c", `exec p --socket "{socket}" $X`}),
		Entry("double quotes keep blanks, unescape \\\" and \\\\", `a "b c \" \\ d"`, []string{"a", `b c " \ d`}),
		Entry("backslash escapes a blank", `/opt/my\ proxy --socket {socket}`, []string{"/opt/my proxy", "--socket", "{socket}"}),
		Entry("empty quotes are an argument", `a '' b`, []string{"a", "", "b"}),
		Entry("empty", "", nil),
	)

	DescribeTable("rejects an open quote, showing the input",
		func(in string) {
			_, err := splitCommand(in)
			Expect(err).To(MatchError(errUnterminatedQuote))
			Expect(err).To(MatchError(ContainSubstring("%q", in)))
		},
		Entry("single", `sh -c 'exec p`),
		Entry("double", `p "--socket`),
		Entry("trailing backslash", `p \`),
	)
})
