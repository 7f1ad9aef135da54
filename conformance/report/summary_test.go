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

// spec is a synthetic spec report: an It named and labelled like the suites
// name and label theirs, with the spec ID id/level-state ("CCP-S-05/must-failed"),
// in state, with msg as its failure (or skip) message. Without id it is a
// spec of its own: no spec ID, no labels.
func spec(id string, level requirement.Level, state types.SpecState, msg string) types.SpecReport {
	text := "checks something"
	if id != "" {
		text = requirement.Describe(fixtureSpecID(id, level, state), level, text)
	}
	sr := types.SpecReport{
		ContainerHierarchyTexts:  []string{"cc-proxy server conformance"},
		ContainerHierarchyLabels: [][]string{{}},
		LeafNodeType:             types.NodeTypeIt,
		LeafNodeText:             text,
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

// fixtureSpecID is the spec ID spec gives a spec of requirement id.
func fixtureSpecID(id string, level requirement.Level, state types.SpecState) string {
	return id + "/" + string(level) + "-" + state.String()
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

// blocked is a spec blocked by the requirement by, as requirement.Precondition
// ends one.
func blocked(id string, level requirement.Level, by, msg string) types.SpecReport {
	return spec(id, level, types.SpecStateSkipped, requirement.BlockedPrefix+by+": "+msg)
}

// notApplicable is a spec that said it cannot apply.
func notApplicable(id string, level requirement.Level, reason string) types.SpecReport {
	return spec(id, level, types.SpecStateSkipped, requirement.NotApplicablePrefix+reason)
}

// withEntry adds a report entry, as requirement.Limited adds one.
func withEntry(sr types.SpecReport, name, value string) types.SpecReport {
	sr.ReportEntries = append(sr.ReportEntries, types.ReportEntry{Name: name, Value: types.WrapEntryValue(value)})
	return sr
}

func limited(id string, level requirement.Level, reason string) types.SpecReport {
	return withEntry(spec(id, level, types.SpecStatePassed, ""), requirement.LimitedEntry, reason)
}

// cut is r interrupted by reason, as Ginkgo reports a run cut short.
func cut(r types.Report, reason string) types.Report {
	r.SpecialSuiteFailureReasons = append(r.SpecialSuiteFailureReasons, reason)
	r.SuiteSucceeded = false
	return r
}

func dry(r types.Report) types.Report {
	r.SuiteConfig.DryRun = true
	return r
}

type V = map[string]report.Verdict

var _ = Describe("Summarize", func() {

	DescribeTable("verdicts, result and exit code",
		func(strict bool, r types.Report, wantResult report.Result, wantExit int, want V) {
			s := report.Summarize(r, report.Options{Strict: strict})
			Expect(verdicts(s)).To(Equal(want))
			Expect(s.Result).To(Equal(wantResult))
			Expect(s.ExitCode).To(Equal(wantExit))
		},
		Entry("every must passed", false,
			run(spec("CCP-S-01", must, types.SpecStatePassed, ""), spec("CCP-S-02", must, types.SpecStatePassed, "")),
			report.ResultPass, 0, V{"CCP-S-01": report.VerdictPassed, "CCP-S-02": report.VerdictPassed}),
		Entry("a must failed", false,
			run(spec("CCP-S-01", must, types.SpecStatePassed, ""), spec("CCP-S-05", must, types.SpecStateFailed, "proxy died")),
			report.ResultFail, 1, V{"CCP-S-01": report.VerdictPassed, "CCP-S-05": report.VerdictFailed}),
		Entry("a should failed, not strict", false,
			run(spec("CCP-S-01", must, types.SpecStatePassed, ""), spec("CCP-S-16", should, types.SpecStateFailed, "READY wait unbounded")),
			report.ResultPass, 0, V{"CCP-S-01": report.VerdictPassed, "CCP-S-16": report.VerdictFailedShould}),
		Entry("a should failed, strict", true,
			run(spec("CCP-S-01", must, types.SpecStatePassed, ""), spec("CCP-S-16", should, types.SpecStateFailed, "READY wait unbounded")),
			report.ResultFail, 1, V{"CCP-S-01": report.VerdictPassed, "CCP-S-16": report.VerdictFailed}),
		Entry("a must timed out (the spec timeout: the target hung)", false,
			run(spec("CCP-S-08", must, types.SpecStateTimedout, "A spec timeout occurred")),
			report.ResultFail, 1, V{"CCP-S-08": report.VerdictFailed}),
		Entry("a must panicked", false,
			run(spec("CCP-S-08", must, types.SpecStatePanicked, "Test Panicked")),
			report.ResultFail, 1, V{"CCP-S-08": report.VerdictFailed}),
		Entry("a must skipped itself: unchecked", false,
			run(spec("CCP-S-01", must, types.SpecStatePassed, ""), spec("CCP-S-05", must, types.SpecStateSkipped, "target cannot tell whether the proxy is alive")),
			report.ResultIncomplete, 3, V{"CCP-S-01": report.VerdictPassed, "CCP-S-05": report.VerdictSkipped}),
		Entry("musts skipped for lack of root, also with strict", true,
			run(spec("SPC-S-01", must, types.SpecStateSkipped, "needs root"), spec("SPC-S-02", must, types.SpecStateSkipped, "needs root")),
			report.ResultIncomplete, 3, V{"SPC-S-01": report.VerdictSkipped, "SPC-S-02": report.VerdictSkipped}),
		Entry("one must passed, another of the requirement skipped: unchecked", false,
			run(spec("CCP-S-06", must, types.SpecStatePassed, ""), spec("CCP-S-06", must, types.SpecStateSkipped, "no PID")),
			report.ResultIncomplete, 3, V{"CCP-S-06": report.VerdictSkipped}),
		Entry("a should skipped, its must passed", false,
			run(spec("CCP-S-07", must, types.SpecStatePassed, ""), spec("CCP-S-07", should, types.SpecStateSkipped, "no")),
			report.ResultPass, 0, V{"CCP-S-07": report.VerdictPassed}),
		Entry("a should not applicable, its must passed, strict (a per-pod variant)", true,
			run(spec("CCP-S-25", must, types.SpecStatePassed, ""), notApplicable("CCP-S-25", should, "a per-pod proxy exits")),
			report.ResultPass, 0, V{"CCP-S-25": report.VerdictPassed}),
		Entry("a must not applicable beside a must passed", false,
			run(spec("CCP-S-17", must, types.SpecStatePassed, ""), notApplicable("CCP-S-17", must, "no second VM")),
			report.ResultPass, 0, V{"CCP-S-17": report.VerdictPassed}),
		Entry("every must of a requirement not applicable: unchecked", false,
			run(spec("CCP-S-01", must, types.SpecStatePassed, ""), notApplicable("CCP-S-17", must, "no second VM")),
			report.ResultIncomplete, 3, V{"CCP-S-01": report.VerdictPassed, "CCP-S-17": report.VerdictNotApplicable}),
		Entry("a should-only requirement not applicable", false,
			run(spec("CCP-S-01", must, types.SpecStatePassed, ""), notApplicable("CCP-S-16", should, "no agent")),
			report.ResultPass, 0, V{"CCP-S-01": report.VerdictPassed, "CCP-S-16": report.VerdictNotApplicable}),
		Entry("must and should failed in one requirement", false,
			run(spec("CCP-S-07", must, types.SpecStateFailed, "reserved bits refused"), spec("CCP-S-07", should, types.SpecStateFailed, "E on a command served")),
			report.ResultFail, 1, V{"CCP-S-07": report.VerdictFailed}),
		Entry("must passed and should failed in one requirement", false,
			run(spec("CCP-S-07", must, types.SpecStatePassed, ""), spec("CCP-S-07", should, types.SpecStateFailed, "E on a command served")),
			report.ResultPass, 0, V{"CCP-S-07": report.VerdictFailedShould}),
		Entry("two musts of one requirement, one failed", false,
			run(spec("CCP-S-06", must, types.SpecStatePassed, ""), spec("CCP-S-06", must, types.SpecStateFailed, "Version 3 served")),
			report.ResultFail, 1, V{"CCP-S-06": report.VerdictFailed}),
		Entry("an unlabelled spec failed: it counts as must", false,
			run(spec("CCP-S-01", must, types.SpecStatePassed, ""), spec("", "", types.SpecStateFailed, "boom")),
			report.ResultFail, 1, V{"CCP-S-01": report.VerdictPassed, report.Unlabelled: report.VerdictFailed}),
		Entry("nothing selected", false,
			run(),
			report.ResultFail, 1, V{}),

		Entry("blocked by a requirement that passed: incomplete", false,
			run(spec("CCP-S-13", must, types.SpecStatePassed, ""), blocked("CCP-S-20", must, "CCP-S-13", "RegisterVM: timeout")),
			report.ResultIncomplete, 3, V{"CCP-S-13": report.VerdictPassed, "CCP-S-20": report.VerdictBlocked}),
		Entry("blocked by a requirement that failed: the run fails for that one", false,
			run(spec("CCP-S-13", must, types.SpecStateFailed, "no tokens"), blocked("CCP-S-20", must, "CCP-S-13", "RegisterVM: no tokens")),
			report.ResultFail, 1, V{"CCP-S-13": report.VerdictFailed, "CCP-S-20": report.VerdictBlocked}),
		Entry("blocked by a requirement not selected", false,
			run(blocked("CCP-S-20", must, "CCP-S-13", "RegisterVM: timeout")),
			report.ResultIncomplete, 3, V{"CCP-S-20": report.VerdictBlocked}),
		Entry("a must blocked beside musts passed: still blocked", false,
			run(spec("CCP-S-21", must, types.SpecStatePassed, ""), blocked("CCP-S-21", must, "CCP-S-13", "x")),
			report.ResultIncomplete, 3, V{"CCP-S-21": report.VerdictBlocked}),
		Entry("a must blocked and a should failed", false,
			run(blocked("CCP-S-07", must, "CCP-S-13", "x"), spec("CCP-S-07", should, types.SpecStateFailed, "E served")),
			report.ResultIncomplete, 3, V{"CCP-S-07": report.VerdictBlocked}),
		Entry("a should blocked, its must passed", true,
			run(spec("CCP-S-07", must, types.SpecStatePassed, ""), blocked("CCP-S-07", should, "CCP-S-13", "x")),
			report.ResultPass, 0, V{"CCP-S-07": report.VerdictPassed}),
		Entry("a should-only requirement blocked", false,
			run(spec("CCP-S-01", must, types.SpecStatePassed, ""), blocked("CCP-S-16", should, "CCP-S-13", "x")),
			report.ResultPass, 0, V{"CCP-S-01": report.VerdictPassed, "CCP-S-16": report.VerdictBlocked}),

		Entry("a limited pass", false,
			run(spec("CCP-S-39", must, types.SpecStatePassed, ""), limited("CCP-S-39", must, "no PID")),
			report.ResultPass, 0, V{"CCP-S-39": report.VerdictLimited}),
		Entry("a limited pass and a failure", false,
			run(limited("CCP-S-39", must, "no PID"), spec("CCP-S-39", must, types.SpecStateFailed, "fd leaked")),
			report.ResultFail, 1, V{"CCP-S-39": report.VerdictFailed}),

		Entry("interrupted by the user", false,
			cut(run(spec("CCP-S-01", must, types.SpecStatePassed, ""),
				spec("CCP-S-05", must, types.SpecStateInterrupted, "Interrupted by User"),
				spec("CCP-S-06", must, types.SpecStateSkipped, "")), "Interrupted by User"),
			report.ResultInterrupted, 4, V{"CCP-S-01": report.VerdictPassed, "CCP-S-05": report.VerdictInterrupted, "CCP-S-06": report.VerdictInterrupted}),
		Entry("the suite timeout elapsed in a spec: not the target's failure", false,
			cut(run(spec("CCP-S-01", must, types.SpecStatePassed, ""),
				spec("CCP-S-05", must, types.SpecStateTimedout, "A suite timeout occurred"),
				spec("CCP-S-06", must, types.SpecStateSkipped, "")), "Suite Timeout Elapsed"),
			report.ResultInterrupted, 4, V{"CCP-S-01": report.VerdictPassed, "CCP-S-05": report.VerdictInterrupted, "CCP-S-06": report.VerdictInterrupted}),
		Entry("interrupted after a must failed: the failure stands", false,
			cut(run(spec("CCP-S-01", must, types.SpecStateFailed, "Version 3"),
				spec("CCP-S-05", must, types.SpecStateInterrupted, "Interrupted by User")), "Interrupted by User"),
			report.ResultFail, 1, V{"CCP-S-01": report.VerdictFailed, "CCP-S-05": report.VerdictInterrupted}),

		Entry("a dry run: nothing passed", false,
			dry(run(spec("CCP-S-01", must, types.SpecStatePassed, ""), spec("CCP-S-05", must, types.SpecStatePassed, ""))),
			report.ResultDryRun, 0, V{"CCP-S-01": report.VerdictSkipped, "CCP-S-05": report.VerdictSkipped}),
		Entry("a dry run selecting nothing", false,
			dry(run()),
			report.ResultFail, 1, V{}),
	)

	It("counts specs per requirement and keeps their levels", func() {
		s := report.Summarize(run(
			spec("CCP-S-07", should, types.SpecStateFailed, "E on a command served\nsecond line"),
			spec("CCP-S-07", must, types.SpecStatePassed, ""),
			spec("CCP-S-07", must, types.SpecStatePassed, ""),
			spec("CCP-S-07", should, types.SpecStateSkipped, "no"),
		), report.Options{Suite: "ccproxy-server", Target: "reference"})
		Expect(s.Requirements).To(HaveExactElements(report.RequirementResult{
			ID:      "CCP-S-07",
			Text:    catalogueText("CCP-S-07"),
			Levels:  []requirement.Level{must, should},
			Verdict: report.VerdictFailedShould,
			Passed:  2, Failed: 1, FailedShould: 1, Skipped: 1,
		}))
		Expect(s.Totals).To(Equal(report.Totals{Requirements: 1, FailedShould: 1, Specs: 4,
			SpecOutcomes: report.SpecCounts{Passed: 2, FailedShould: 1, Skipped: 1}}))
		Expect(s.Specs[0]).To(Equal(report.SpecResult{
			ID: "CCP-S-07/should-failed", Requirement: "CCP-S-07", Level: should,
			Text:            "cc-proxy server conformance CCP-S-07/should-failed (should): " + catalogueText("CCP-S-07") + ": checks something",
			Outcome:         report.OutcomeFailed,
			State:           "failed",
			DurationSeconds: 0.025,
			Message:         "E on a command served\nsecond line",
			Location:        "server_header.go:50",
		}))
		Expect(s.Suite).To(Equal("ccproxy-server"))
		Expect(s.Target).To(Equal("reference"))
	})

	It("gives each spec its spec ID and requirement, and none to a spec without an ID", func() {
		s := report.Summarize(run(
			spec("CCP-S-05", must, types.SpecStatePassed, ""),
			spec("", must, types.SpecStatePassed, ""),
		), report.Options{})
		Expect(s.Specs[0].ID).To(Equal("CCP-S-05/must-passed"))
		Expect(s.Specs[0].Requirement).To(Equal("CCP-S-05"))
		Expect(s.Specs[0].Name()).To(Equal("CCP-S-05/must-passed: checks something"))
		Expect(s.Specs[1].ID).To(BeEmpty())
		Expect(s.Specs[1].Requirement).To(Equal(report.Unlabelled))
		Expect(s.Specs[1].Name()).To(Equal("cc-proxy server conformance checks something"))
	})

	DescribeTable("records the target once",
		func(opts report.Options, want string) {
			target := func(sr types.SpecReport, name string) types.SpecReport {
				return withEntry(sr, requirement.TargetEntry, name)
			}
			s := report.Summarize(run(
				target(spec("CCP-S-01", must, types.SpecStatePassed, ""), "command /opt/a/proxy {socket}"),
				target(spec("CCP-S-05", must, types.SpecStatePassed, ""), "command /opt/a/proxy {socket}"),
				target(spec("SPC-S-01", must, types.SpecStatePassed, ""), "reference spacer"),
			), opts)
			Expect(s.Target).To(Equal(want))
			for _, sp := range s.Specs {
				Expect(sp.Text).NotTo(ContainSubstring("/opt/a"))
			}
		},
		Entry("as Options.Target says", report.Options{Target: "my proxy"}, "my proxy"),
		Entry("else as the specs recorded it", report.Options{}, "command /opt/a/proxy {socket}, reference spacer"),
	)

	It("counts should-level failures in requirements that also failed at must level", func() {
		s := report.Summarize(run(
			spec("CCP-S-07", must, types.SpecStateFailed, "reserved bits refused"),
			spec("CCP-S-07", should, types.SpecStateFailed, "E on a command served"),
			spec("CCP-S-08", should, types.SpecStateFailed, "no maximum"),
			spec("CCP-S-08", must, types.SpecStatePassed, ""),
		), report.Options{})
		Expect(s.Totals.Failed).To(Equal(1))
		Expect(s.Totals.FailedShould).To(Equal(1))
		Expect(s.Totals.SpecOutcomes).To(Equal(report.SpecCounts{Passed: 1, FailedMust: 1, FailedShould: 2, FailedShouldInFailed: 1}))
		Expect(s.Requirements[0].FailedShould).To(Equal(1))
	})

	It("counts every outcome, by requirement and in the totals", func() {
		s := report.Summarize(cut(run(
			spec("CCP-S-01", must, types.SpecStatePassed, ""),
			limited("CCP-S-39", must, "no PID"),
			limited("CCP-S-39", must, "no PID"),
			blocked("CCP-S-20", must, "CCP-S-13", "timeout"),
			notApplicable("CCP-S-25", should, "per-pod"),
			spec("CCP-S-25", must, types.SpecStatePassed, ""),
			spec("SPC-S-01", must, types.SpecStateSkipped, "needs root"),
			spec("CCP-S-30", must, types.SpecStateInterrupted, "Interrupted by User"),
		), "Interrupted by User"), report.Options{})
		Expect(s.Totals).To(Equal(report.Totals{
			Requirements: 6, Passed: 2, Limited: 1, Blocked: 1, Skipped: 1, Interrupted: 1, Unchecked: 3, Specs: 8,
			SpecOutcomes: report.SpecCounts{Passed: 4, Limited: 2, Blocked: 1, NotApplicable: 1, Skipped: 1, Interrupted: 1},
		}))
		byID := map[string]report.RequirementResult{}
		for _, r := range s.Requirements {
			byID[r.ID] = r
		}
		Expect(byID["CCP-S-39"].Passed).To(Equal(2))
		Expect(byID["CCP-S-39"].Limited).To(Equal(2))
		Expect(byID["CCP-S-39"].Limits).To(Equal([]string{"no PID"}))
		Expect(byID["CCP-S-20"].BlockedBy).To(Equal([]string{"CCP-S-13"}))
		Expect(byID["CCP-S-25"].NotApplicable).To(Equal(1))
		Expect(byID["CCP-S-30"].Interrupted).To(Equal(1))
		Expect(s.Interruptions).To(Equal([]string{"Interrupted by User"}))
		Expect(s.SuiteFailures).To(BeEmpty(), "an interrupt is not a failure")
		Expect(s.Result).To(Equal(report.ResultInterrupted))
	})

	DescribeTable("says why a must-level requirement was left unchecked",
		func(r types.Report, id, want string) {
			s := report.Summarize(r, report.Options{})
			for _, req := range s.Requirements {
				if req.ID == id {
					Expect(req.Unchecked).To(Equal(want))
					return
				}
			}
			Fail("no requirement " + id)
		},
		Entry("blocked by one that passed", run(spec("CCP-S-13", must, types.SpecStatePassed, ""), blocked("CCP-S-20", must, "CCP-S-13", "x")),
			"CCP-S-20", "blocked by CCP-S-13"),
		Entry("blocked by one that failed", run(spec("CCP-S-13", must, types.SpecStateFailed, "y"), blocked("CCP-S-20", must, "CCP-S-13", "x")),
			"CCP-S-20", "blocked by CCP-S-13, which failed"),
		Entry("blocked twice by one that failed: named once", run(spec("CCP-S-13", must, types.SpecStateFailed, "y"), blocked("CCP-S-20", must, "CCP-S-13", "x"), blocked("CCP-S-20", must, "CCP-S-13", "x")),
			"CCP-S-20", "blocked by CCP-S-13, which failed"),
		Entry("blocked by two, one not selected", run(spec("CCP-S-13", must, types.SpecStatePassed, ""), blocked("CCP-S-20", must, "CCP-S-17", "x"), blocked("CCP-S-20", must, "CCP-S-13", "x")),
			"CCP-S-20", "blocked by CCP-S-13; CCP-S-17, not selected"),
		Entry("skipped", run(spec("SPC-S-01", must, types.SpecStateSkipped, "needs root: namespaces\nmore")),
			"SPC-S-01", "skipped: needs root: namespaces"),
		Entry("not applicable", run(notApplicable("CCP-S-17", must, "no second VM")),
			"CCP-S-17", "not applicable: no second VM"),
		Entry("checked", run(spec("CCP-S-17", must, types.SpecStatePassed, ""), notApplicable("CCP-S-17", must, "no second VM")),
			"CCP-S-17", ""),
		Entry("failed: not unchecked, failed", run(spec("CCP-S-17", must, types.SpecStateFailed, "z"), blocked("CCP-S-17", must, "CCP-S-13", "x")),
			"CCP-S-17", ""),
		Entry("a should-only requirement is never unchecked", run(spec("CCP-S-16", should, types.SpecStateSkipped, "no")),
			"CCP-S-16", ""),
	)

	It("keeps what a spec said of itself: blocker, limits, an escaped precondition", func() {
		s := report.Summarize(run(
			blocked("CCP-S-20", must, "CCP-S-13", "RegisterVM: Expected\n<int>: 1"),
			withEntry(limited("CCP-S-39", must, "no PID"), requirement.LimitedEntry, "no fd table"),
			withEntry(spec("CCP-S-21", must, types.SpecStateFailed, "boom"), requirement.EscapedEntry, "CCP-S-13"),
		), report.Options{})
		Expect(s.Specs[0].Outcome).To(Equal(report.OutcomeBlocked))
		Expect(s.Specs[0].BlockedBy).To(Equal("CCP-S-13"))
		Expect(s.Specs[0].OutcomeText()).To(Equal("blocked (by CCP-S-13)"))
		Expect(s.Specs[0].Location).To(BeEmpty(), "no failure location for a spec that did not fail")
		Expect(s.Specs[1].Outcome).To(Equal(report.OutcomeLimited))
		Expect(s.Specs[1].Limits).To(Equal([]string{"no PID", "no fd table"}))
		Expect(s.Specs[1].OutcomeText()).To(Equal("passed (limited: no PID; no fd table)"))
		Expect(s.Specs[2].Outcome).To(Equal(report.OutcomeFailed))
		Expect(s.Specs[2].Note).To(ContainSubstring("the precondition of CCP-S-13 ended by ginkgo.Fail or a panic"))
	})

	It("marks every spec of a dry run as not run", func() {
		s := report.Summarize(dry(run(spec("CCP-S-01", must, types.SpecStatePassed, ""))), report.Options{})
		Expect(s.DryRun).To(BeTrue())
		Expect(s.Specs[0].Outcome).To(Equal(report.OutcomeSkipped))
		Expect(s.Specs[0].Message).To(Equal("not run: dry run"))
		Expect(s.Totals.SpecOutcomes.Passed).To(BeZero())
		Expect(s.Totals.Unchecked).To(BeZero(), "a dry run is not incomplete: it is a dry run")
	})

	It("leaves out specs the label filter deselected, keeps those skipped at run time", func() {
		r := run(
			spec("CCP-S-01", must, types.SpecStatePassed, ""),
			spec("CCP-S-02", must, types.SpecStateSkipped, ""),         // deselected
			spec("CCP-S-05", must, types.SpecStateSkipped, "no Alive"), // selected, then skipped
		)
		r.SuiteConfig.LabelFilter = "CCP-S-01 || CCP-S-05"
		s := report.Summarize(r, report.Options{})
		Expect(verdicts(s)).To(Equal(V{"CCP-S-01": report.VerdictPassed, "CCP-S-05": report.VerdictSkipped}))
		Expect(s.Specs).To(HaveLen(2))
		Expect(s.LabelFilter).To(Equal("CCP-S-01 || CCP-S-05"))
	})

	It("leaves out specs the label filter deselected in an interrupted run", func() {
		r := cut(run(spec("CCP-S-01", must, types.SpecStatePassed, ""), spec("CCP-S-02", must, types.SpecStateSkipped, "")), "Interrupted by User")
		r.SuiteConfig.LabelFilter = "CCP-S-01"
		s := report.Summarize(r, report.Options{})
		Expect(verdicts(s)).To(Equal(V{"CCP-S-01": report.VerdictPassed}))
		Expect(s.Result).To(Equal(report.ResultInterrupted), "the run was cut short, whatever it had done")
	})

	It("leaves out specs the focus deselected", func() {
		r := run(spec("CCP-S-01", must, types.SpecStatePassed, ""), spec("CCP-S-02", must, types.SpecStateSkipped, ""))
		r.SuiteConfig.FocusStrings = []string{"CCP-S-01"}
		Expect(verdicts(report.Summarize(r, report.Options{}))).To(Equal(V{"CCP-S-01": report.VerdictPassed}))
	})

	It("fails the run on a failed suite node; a suite timeout is an interruption", func() {
		r := run(spec("CCP-S-01", must, types.SpecStatePassed, ""), types.SpecReport{
			LeafNodeType:     types.NodeTypeBeforeSuite,
			LeafNodeLocation: types.CodeLocation{FileName: "suite_test.go", LineNumber: 7},
			State:            types.SpecStateFailed,
			Failure:          types.Failure{Message: "cannot build the proxy\ndetails"},
		})
		r.SpecialSuiteFailureReasons = []string{"Suite Timeout Elapsed"}
		s := report.Summarize(r, report.Options{})
		Expect(s.ExitCode).To(Equal(1))
		Expect(s.Result).To(Equal(report.ResultFail))
		Expect(s.SuiteFailures).To(HaveExactElements("BeforeSuite at suite_test.go:7 failed: cannot build the proxy"))
		Expect(s.Interruptions).To(HaveExactElements("Suite Timeout Elapsed"))
	})

	It("does not fail the run for a suite node interrupted", func() {
		r := cut(run(spec("CCP-S-01", must, types.SpecStatePassed, ""), types.SpecReport{
			LeafNodeType: types.NodeTypeAfterSuite,
			State:        types.SpecStateInterrupted,
			Failure:      types.Failure{Message: "Interrupted by User"},
		}), "Interrupted by User")
		s := report.Summarize(r, report.Options{})
		Expect(s.SuiteFailures).To(BeEmpty())
		Expect(s.Result).To(Equal(report.ResultInterrupted))
		Expect(s.ExitCode).To(Equal(report.ExitInterrupted))
	})

	It("gives every result its exit status", func() {
		Expect(report.ResultPass.Exit()).To(Equal(0))
		Expect(report.ResultDryRun.Exit()).To(Equal(0))
		Expect(report.ResultFail.Exit()).To(Equal(1))
		Expect(report.ResultIncomplete.Exit()).To(Equal(3))
		Expect(report.ResultInterrupted.Exit()).To(Equal(4))
		Expect(report.Result("bogus").Exit()).To(Equal(1), "an unknown result is never a pass")
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
