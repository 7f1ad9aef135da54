package report_test

import (
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/conformance/report"
)

var _ = Describe("a spec's output in the report", func() {
	withWriter := func(sr types.SpecReport, out string) types.SpecReport {
		sr.CapturedGinkgoWriterOutput = out
		return sr
	}

	It("keeps what every spec wrote, passed or failed", func() {
		s := report.Summarize(run(
			withWriter(spec("CCP-S-01", must, types.SpecStatePassed, ""), "wirecert: the target's output:\nlistening\n"),
			withWriter(spec("CCP-S-05", must, types.SpecStateFailed, "closed"), "STEP: sending\n"),
			spec("CCP-S-06", must, types.SpecStatePassed, ""),
		), report.Options{})
		byReq := map[string]report.SpecResult{}
		for _, sp := range s.Specs {
			byReq[sp.Requirement] = sp
		}
		Expect(byReq["CCP-S-01"].Output).To(Equal("wirecert: the target's output:\nlistening"))
		Expect(byReq["CCP-S-05"].Output).To(Equal("STEP: sending"))
		Expect(byReq["CCP-S-06"].Output).To(BeEmpty())
		Expect(byReq["CCP-S-06"].OutputDroppedBytes).To(BeZero())
	})

	It("keeps the last OutputLimit bytes of a long output, from a line's start, and counts the rest", func() {
		var b strings.Builder
		for i := 0; b.Len() < 5*report.OutputLimit; i++ {
			fmt.Fprintf(&b, "target line %06d\n", i)
		}
		all := strings.TrimSpace(b.String())
		s := report.Summarize(run(withWriter(spec("CCP-S-01", must, types.SpecStatePassed, ""), b.String())), report.Options{})
		out := s.Specs[0].Output
		Expect(len(out)).To(BeNumerically("<=", report.OutputLimit))
		Expect(len(out)).To(BeNumerically(">", report.OutputLimit-256))
		Expect(out).To(HavePrefix("target line "), "a whole first line")
		Expect(all).To(HaveSuffix(out), "the tail")
		Expect(s.Specs[0].OutputDroppedBytes).To(Equal(len(all) - len(out)))
	})
})
