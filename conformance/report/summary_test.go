package report_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/conformance/report"
	"github.com/wirecert/wirecert/conformance/requirement"
)

const (
	must   = requirement.Must
	should = requirement.Should
)

// spec is a synthetic spec report: an It labelled like the suites label
// theirs, in state, with msg as its failure (or skip) message.
func spec(id string, level requirement.Level, state types.SpecState, msg string) types.SpecReport {
	sr := types.SpecReport{
		ContainerHierarchyTexts:  []string{"cc-proxy server conformance"},
		ContainerHierarchyLabels: [][]string{{}},
		LeafNodeType:             types.NodeTypeIt,
		LeafNodeText:             id + " (" + string(level) + "): checks something",
		LeafNodeLocation:         types.CodeLocation{FileName: "server_header.go", LineNumber: 42},
		State:                    state,
		RunTime:                  25 * time.Millisecond,
	}
	if id != "" {
		sr.LeafNodeLabels = []string{id, string(level)}
	}
	if msg != "" {
		sr.Failure = types.Failure{
			Message:  msg,
			Location: types.CodeLocation{FileName: "server_header.go", LineNumber: 50},
		}
	}
	return sr
}

func run(specs ...types.SpecReport) types.Report {
	return types.Report{
		SuiteDescription: "wirecert ccproxy-server",
		SuiteSucceeded:   true,
		StartTime:        time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		RunTime:          2 * time.Second,
		SpecReports:      specs,
	}
}

// verdicts maps requirement IDs to verdicts, to compare with a summary.
func verdicts(s report.Summary) map[string]report.Verdict {
	m := map[string]report.Verdict{}
	for _, r := range s.Requirements {
		m[r.ID] = r.Verdict
	}
	return m
}

var _ = Describe("Summarize", func() {

	DescribeTable("verdicts and exit code",
		func(strict bool, r types.Report, wantExit int, want map[string]report.Verdict) {
			s := report.Summarize(r, report.Options{Strict: strict})
			Expect(verdicts(s)).To(Equal(want))
			Expect(s.ExitCode).To(Equal(wantExit))
		},
		Entry("every must passed", false,
			run(spec("CCP-S-01", must, types.SpecStatePassed, ""), spec("CCP-S-02", must, types.SpecStatePassed, "")),
			0, map[string]report.Verdict{"CCP-S-01": report.VerdictPassed, "CCP-S-02": report.VerdictPassed}),
		Entry("a must failed", false,
			run(spec("CCP-S-01", must, types.SpecStatePassed, ""), spec("CCP-S-05", must, types.SpecStateFailed, "proxy died")),
			1, map[string]report.Verdict{"CCP-S-01": report.VerdictPassed, "CCP-S-05": report.VerdictFailed}),
		Entry("a should failed, not strict", false,
			run(spec("CCP-S-01", must, types.SpecStatePassed, ""), spec("CCP-S-16", should, types.SpecStateFailed, "READY wait unbounded")),
			0, map[string]report.Verdict{"CCP-S-01": report.VerdictPassed, "CCP-S-16": report.VerdictFailedShould}),
		Entry("a should failed, strict", true,
			run(spec("CCP-S-01", must, types.SpecStatePassed, ""), spec("CCP-S-16", should, types.SpecStateFailed, "READY wait unbounded")),
			1, map[string]report.Verdict{"CCP-S-01": report.VerdictPassed, "CCP-S-16": report.VerdictFailed}),
		Entry("a must timed out", false,
			run(spec("CCP-S-08", must, types.SpecStateTimedout, "A spec timeout occurred")),
			1, map[string]report.Verdict{"CCP-S-08": report.VerdictFailed}),
		Entry("a must panicked", false,
			run(spec("CCP-S-08", must, types.SpecStatePanicked, "Test Panicked")),
			1, map[string]report.Verdict{"CCP-S-08": report.VerdictFailed}),
		Entry("a spec skipped itself", false,
			run(spec("CCP-S-01", must, types.SpecStatePassed, ""), spec("CCP-S-05", must, types.SpecStateSkipped, "target cannot tell whether the proxy is alive")),
			0, map[string]report.Verdict{"CCP-S-01": report.VerdictPassed, "CCP-S-05": report.VerdictSkipped}),
		Entry("must passed and should failed in one requirement", false,
			run(spec("CCP-S-07", must, types.SpecStatePassed, ""), spec("CCP-S-07", should, types.SpecStateFailed, "E on a command served")),
			0, map[string]report.Verdict{"CCP-S-07": report.VerdictFailedShould}),
		Entry("must failed and should failed in one requirement", false,
			run(spec("CCP-S-07", must, types.SpecStateFailed, "reserved bits refused"), spec("CCP-S-07", should, types.SpecStateFailed, "E on a command served")),
			1, map[string]report.Verdict{"CCP-S-07": report.VerdictFailed}),
		Entry("two musts of one requirement, one failed", false,
			run(spec("CCP-S-06", must, types.SpecStatePassed, ""), spec("CCP-S-06", must, types.SpecStateFailed, "Version 3 served")),
			1, map[string]report.Verdict{"CCP-S-06": report.VerdictFailed}),
		Entry("an unlabelled spec failed: it counts as must", false,
			run(spec("CCP-S-01", must, types.SpecStatePassed, ""), spec("", "", types.SpecStateFailed, "boom")),
			1, map[string]report.Verdict{"CCP-S-01": report.VerdictPassed, report.Unlabelled: report.VerdictFailed}),
		Entry("nothing selected", false,
			run(),
			1, map[string]report.Verdict{}),
	)

	It("counts specs per requirement and keeps their levels", func() {
		s := report.Summarize(run(
			spec("CCP-S-07", should, types.SpecStateFailed, "E on a command served\nsecond line"),
			spec("CCP-S-07", must, types.SpecStatePassed, ""),
			spec("CCP-S-07", must, types.SpecStatePassed, ""),
			spec("CCP-S-07", must, types.SpecStateSkipped, "no"),
		), report.Options{Suite: "ccproxy-server", Target: "reference"})
		Expect(s.Requirements).To(HaveExactElements(report.RequirementResult{
			ID:      "CCP-S-07",
			Text:    catalogueText("CCP-S-07"),
			Levels:  []requirement.Level{must, should},
			Verdict: report.VerdictFailedShould,
			Passed:  2, Failed: 1, Skipped: 1,
		}))
		Expect(s.Totals).To(Equal(report.Totals{Requirements: 1, FailedShould: 1, Specs: 4}))
		Expect(s.Specs[0]).To(Equal(report.SpecResult{
			ID: "CCP-S-07", Level: should,
			Text:            "cc-proxy server conformance CCP-S-07 (should): checks something",
			Outcome:         report.OutcomeFailed,
			State:           "failed",
			DurationSeconds: 0.025,
			Message:         "E on a command served\nsecond line",
			Location:        "server_header.go:50",
		}))
		Expect(s.Suite).To(Equal("ccproxy-server"))
		Expect(s.Target).To(Equal("reference"))
	})

	It("leaves out specs the label filter deselected, keeps those skipped at run time", func() {
		r := run(
			spec("CCP-S-01", must, types.SpecStatePassed, ""),
			spec("CCP-S-02", must, types.SpecStateSkipped, ""),         // deselected
			spec("CCP-S-05", must, types.SpecStateSkipped, "no Alive"), // selected, then skipped
		)
		r.SuiteConfig.LabelFilter = "CCP-S-01 || CCP-S-05"
		s := report.Summarize(r, report.Options{})
		Expect(verdicts(s)).To(Equal(map[string]report.Verdict{
			"CCP-S-01": report.VerdictPassed, "CCP-S-05": report.VerdictSkipped}))
		Expect(s.Specs).To(HaveLen(2))
		Expect(s.LabelFilter).To(Equal("CCP-S-01 || CCP-S-05"))
	})

	It("leaves out specs the focus deselected", func() {
		r := run(spec("CCP-S-01", must, types.SpecStatePassed, ""), spec("CCP-S-02", must, types.SpecStateSkipped, ""))
		r.SuiteConfig.FocusStrings = []string{"CCP-S-01"}
		Expect(verdicts(report.Summarize(r, report.Options{}))).To(Equal(map[string]report.Verdict{"CCP-S-01": report.VerdictPassed}))
	})

	It("fails the run on a failed suite node and on Ginkgo's suite failures", func() {
		r := run(spec("CCP-S-01", must, types.SpecStatePassed, ""), types.SpecReport{
			LeafNodeType:     types.NodeTypeBeforeSuite,
			LeafNodeLocation: types.CodeLocation{FileName: "suite_test.go", LineNumber: 7},
			State:            types.SpecStateFailed,
			Failure:          types.Failure{Message: "cannot build the proxy\ndetails"},
		})
		r.SpecialSuiteFailureReasons = []string{"Suite Timeout Elapsed"}
		s := report.Summarize(r, report.Options{})
		Expect(s.ExitCode).To(Equal(1))
		Expect(s.SuiteFailures).To(HaveExactElements(
			"Suite Timeout Elapsed",
			"BeforeSuite at suite_test.go:7 failed: cannot build the proxy"))
	})
})

var _ = Describe("RequireFilter", func() {
	It("joins catalogue IDs into a label filter", func() {
		Expect(report.RequireFilter([]string{"CCP-S-05", "CCP-S-07"})).To(Equal("(CCP-S-05 || CCP-S-07)"))
		Expect(report.RequireFilter(nil)).To(BeEmpty())
		filter := types.MustParseLabelFilter(report.AndFilters("(CCP-S-05 || CCP-S-07)", "must"))
		Expect(filter([]string{"CCP-S-07", "must"})).To(BeTrue())
		Expect(filter([]string{"CCP-S-07", "should"})).To(BeFalse())
		Expect(filter([]string{"CCP-S-06", "must"})).To(BeFalse())
	})

	It("rejects an ID not in the catalogue, naming it", func() {
		_, err := report.RequireFilter([]string{"CCP-S-01", "CCP-S-99"})
		Expect(err).To(MatchError(report.ErrUnknownRequirement))
		Expect(err).To(MatchError(ContainSubstring(`"CCP-S-99"`)))
	})
})

// catalogueText is a requirement's text as the catalogue has it.
func catalogueText(id string) string {
	r, ok := requirement.Lookup(id)
	Expect(ok).To(BeTrue(), "requirement %s in the catalogue", id)
	return r.Text
}
