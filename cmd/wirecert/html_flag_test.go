package main

import (
	"bytes"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("--html", func() {
	It("is documented in run -h and reference -h", func() {
		for _, cmd := range []string{"run", "reference"} {
			var stdout, stderr bytes.Buffer
			Expect(wirecert([]string{cmd, "-h"}, &stdout, &stderr)).To(Equal(exitPass))
			Expect(stdout.String()).To(ContainSubstring("-html string\n    \twrite the HTML report to this file"), cmd)
		}
	})

	DescribeTable("is a report path, checked before anything runs",
		func(args []string, want string) {
			var stdout, stderr bytes.Buffer
			Expect(wirecert(args, &stdout, &stderr)).To(Equal(exitUsage))
			Expect(stderr.String()).To(ContainSubstring(want))
		},
		Entry("a directory", []string{"reference", "--html", "/tmp"}, `--html "/tmp": is a directory: allowed a file path this user can write`),
		Entry("the JSON report's file", []string{"reference", "--json", "r/x", "--html", "./r/x"},
			`--html "./r/x" and --json name the same file: allowed a file of its own for each report`),
	)
})
