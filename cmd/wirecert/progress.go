package main

import (
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/formatter"
	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/wirecert/wirecert/conformance/report"
	"github.com/wirecert/wirecert/conformance/requirement"
)

// progress is what a run prints while it runs, unless -v gives Ginkgo's
// own stream or -q nothing: one line saying what runs, and on a terminal a
// line rewritten in place (specs done of the total, failures so far, the
// requirement being checked), cleared before the summary. Failures are
// printed once, in the summary.
type progress struct {
	out  io.Writer
	live bool // out is a terminal

	mu             sync.Mutex
	total          int
	done, failed   int
	current, last  string // the requirements of the spec running and of the last done
	shown, cleared bool
}

func newProgress(out io.Writer) *progress {
	f, ok := out.(*os.File)
	return &progress{out: out, live: ok && isTerminal(f)}
}

// begin prints what the run is: its specs, suites, seed and processes.
func (p *progress) begin(total int, suites string, seed int64, procs int, dryRun bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total = total
	where := "in this process"
	if procs > 1 {
		where = fmt.Sprintf("in %d worker processes", procs)
	}
	verb := "running"
	if dryRun {
		verb, where = "listing (dry run)", "without running them"
	}
	fmt.Fprintf(p.out, "wirecert: %s %s of %s (random seed %d) %s\n", verb, report.Count(total, "spec"), suites, seed, where)
	p.redraw()
}

// counts tells whether sr is one of the run's specs: a selected It, not
// one the selection left out (skipped without a reason).
func counts(sr types.SpecReport) bool {
	return sr.LeafNodeType.Is(types.NodeTypeIt) &&
		!(sr.State.Is(types.SpecStateSkipped|types.SpecStatePending) && sr.Failure.Message == "")
}

// starting notes the spec about to run.
func (p *progress) starting(sr types.SpecReport) {
	if !sr.LeafNodeType.Is(types.NodeTypeIt) || sr.State.Is(types.SpecStateSkipped|types.SpecStatePending) {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.current = requirementOf(sr)
	p.redraw()
}

// finished counts a spec that ended.
func (p *progress) finished(sr types.SpecReport) {
	if !counts(sr) {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	if sr.State.Is(types.SpecStateFailureStates) {
		p.failed++
	}
	p.current, p.last = "", requirementOf(sr)
	p.redraw()
}

// end clears the progress line before the summary.
func (p *progress) end() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.live && p.shown && !p.cleared {
		fmt.Fprint(p.out, "\r\x1b[K")
	}
	p.cleared = true
}

// redraw rewrites the progress line, on a terminal only.
func (p *progress) redraw() {
	if !p.live || p.cleared {
		return
	}
	line := fmt.Sprintf("%d/%d specs done", min(p.done, p.total), p.total)
	if p.failed > 0 {
		line += fmt.Sprintf(", %d failed", p.failed)
	}
	switch {
	case p.current != "":
		line += ", checking " + p.current
	case p.last != "":
		line += ", last " + p.last
	}
	fmt.Fprintf(p.out, "\r\x1b[K%s", line)
	p.shown = true
}

// requirementOf is the requirement a spec checks, from its labels.
func requirementOf(sr types.SpecReport) string {
	id, _ := requirement.FromLabels(sr.Labels())
	return id
}

// progressReporter is the Ginkgo reporter of a -p parent that shows
// progress instead of Ginkgo's stream.
type progressReporter struct {
	p      *progress
	suites string
	procs  int
}

func (r progressReporter) SuiteWillBegin(report types.Report) {
	r.p.begin(report.PreRunStats.SpecsThatWillRun, r.suites, report.SuiteConfig.RandomSeed, r.procs, false)
}
func (r progressReporter) WillRun(sr types.SpecReport)                { r.p.starting(sr) }
func (r progressReporter) DidRun(sr types.SpecReport)                 { r.p.finished(sr) }
func (r progressReporter) SuiteDidEnd(types.Report)                   { r.p.end() }
func (r progressReporter) EmitFailure(types.SpecState, types.Failure) {}
func (r progressReporter) EmitProgressReport(types.ProgressReport)    {}
func (r progressReporter) EmitReportEntry(types.ReportEntry)          {}
func (r progressReporter) EmitSpecEvent(types.SpecEvent)              {}

// newRunProgress is the progress of a run with flags f: printed on stdout,
// or nowhere with -q.
func newRunProgress(f runFlags, stdout io.Writer) *progress {
	if f.quiet {
		return &progress{out: io.Discard}
	}
	return newProgress(stdout)
}

// followProgress silences Ginkgo's own stream and shows p instead, from
// report nodes registered with the suites of a run in this process.
func followProgress(p *progress, suites string) {
	formatter.ColorableStdOut = io.Discard
	ginkgo.ReportBeforeSuite(func(r types.Report) {
		p.begin(r.PreRunStats.SpecsThatWillRun, suites, r.SuiteConfig.RandomSeed, 1, r.SuiteConfig.DryRun)
	})
	ginkgo.ReportBeforeEach(p.starting)
	ginkgo.ReportAfterEach(p.finished)
	ginkgo.ReportAfterSuite("wirecert progress", func(types.Report) { p.end() })
}

// consoleReporter is what a -p parent prints from the workers' reports:
// Ginkgo's stream with -v, else the progress.
func consoleReporter(f runFlags, stdout io.Writer, suites string, procs int) reporters.Reporter {
	if f.verbose {
		return reporters.NewDefaultReporter(reporterConfig(f), stdout)
	}
	return progressReporter{p: newRunProgress(f, stdout), suites: suites, procs: procs}
}
