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

var _ = Describe("shellJoin", func() {
	DescribeTable("joins argv as a command line that splits back into it",
		func(argv []string, want string) {
			Expect(shellJoin(argv)).To(Equal(want))
			Expect(splitCommand(shellJoin(argv))).To(Equal(argv))
		},
		Entry("plain words", []string{"ccproxy", "--socket", "{socket}"}, "ccproxy --socket {socket}"),
		Entry("a script", []string{"sh", "-c", "echo boom >&2; exit 3", "{socket}"}, `sh -c 'echo boom >&2; exit 3' {socket}`),
		Entry("a single quote", []string{"echo", "it's"}, `echo 'it'\''s'`),
		Entry("an empty argument", []string{"a", "", "b"}, "a '' b"),
	)
})
