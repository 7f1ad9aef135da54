package report_test

import (
	"bytes"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/conformance/report"
)

var _ = DescribeTable("the console counts in words that agree with the number",
	func(r types.Report, want ...string) {
		var out bytes.Buffer
		Expect(report.Summarize(r, report.Options{}).WriteConsole(&out)).To(Succeed())
		for _, w := range want {
			Expect(out.String()).To(ContainSubstring(w))
		}
	},
	Entry("one of each", run(spec("CCP-S-20", must, types.SpecStateSkipped, "blocked by CCP-S-13: x")),
		"\n1 requirement: ", "\n1 spec: ", "\n1 must-level requirement left unchecked:"),
	Entry("two of each", run(spec("CCP-S-20", must, types.SpecStateSkipped, "blocked by CCP-S-13: x"), spec("CCP-S-21", must, types.SpecStateSkipped, "blocked by CCP-S-13: x")),
		"\n2 requirements: ", "\n2 specs: ", "\n2 must-level requirements left unchecked:"),
)
