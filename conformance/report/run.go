package report

import (
	"errors"
	"io"
	"os"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"
)

// Options says what a run is and where its reports go.
type Options struct {
	// Suite names the suite(s) run, e.g. "ccproxy-server"; empty takes the
	// Ginkgo suite description.
	Suite string
	// Target names what was tested, e.g. "socket /run/cc-proxy.sock".
	Target string
	// Strict makes should-level failures fail the run.
	Strict bool
	// JUnitFile and JSONFile, when set, receive the JUnit and JSON
	// reports (their directories are made); relative to the working
	// directory, which `go test` and ginkgo set to the package's.
	JUnitFile, JSONFile string
	// HTMLFile, when set, receives the HTML report (Summary.WriteHTML),
	// its directory made, relative like the others.
	HTMLFile string
	// Out receives the console summary; nil is os.Stdout.
	Out io.Writer
	// Quiet prints only the summary's totals and result
	// (Summary.WriteTotals), not the table.
	Quiet bool
}

// AfterSuite judges r, prints the console summary and writes the report
// files of opts. Call it from a ReportAfterSuite node to give a vendored
// suite the CLI's output:
//
//	var _ = ReportAfterSuite("wirecert", func(r Report) {
//		_, err := report.AfterSuite(r, report.Options{Suite: "ccproxy-server", Target: "my proxy"})
//		Expect(err).NotTo(HaveOccurred())
//	})
//
// Only RunSpecs can also keep a should-level failure from failing `go test`.
func AfterSuite(r types.Report, opts Options) (Summary, error) {
	s := Summarize(r, opts)
	out := opts.Out
	if out == nil {
		out = os.Stdout
	}
	write := s.WriteConsole
	if opts.Quiet {
		write = s.WriteTotals
	}
	errs := []error{write(out)}
	if opts.JSONFile != "" {
		errs = append(errs, s.WriteJSON(opts.JSONFile))
	}
	if opts.JUnitFile != "" {
		errs = append(errs, s.WriteJUnit(opts.JUnitFile))
	}
	if opts.HTMLFile != "" {
		errs = append(errs, s.WriteHTML(opts.HTMLFile))
	}
	return s, errors.Join(errs...)
}

// ErrNoReport is returned by RunSpecs when Ginkgo ended without handing
// over its report.
var ErrNoReport = errors.New("ginkgo ended the run without a report")

// RunSpecs runs the registered specs in-process like ginkgo.RunSpecs (args
// as there: a types.SuiteConfig and a types.ReporterConfig, else the
// -ginkgo.* flags apply), then does what AfterSuite does. It fails t exactly
// when the summary's ExitCode is not 0 or a report could not be written:
// Ginkgo alone would fail on any failed spec, a waived should-level one
// included. Like ginkgo.RunSpecs it runs once per process.
//
// Under `ginkgo -p` each parallel process runs a share of the specs and
// only the first gets the merged report: that one prints the summary,
// writes the report files and fails t by the verdicts of every process's
// specs; the others return an empty Summary (Parallel set) and leave t
// alone, since their specs are judged there.
func RunSpecs(t ginkgo.GinkgoTestingT, description string, opts Options, args ...any) (Summary, error) {
	var (
		got     types.Report
		gotOne  bool
		summary Summary
		err     error
	)
	// The report is taken here and judged after RunSpecs returns, so the
	// summary comes after Ginkgo's own output. Not in parallel: the ginkgo
	// CLI shows a parallel process's output only where a node captured it,
	// so there the summary is printed inside this node.
	ginkgo.ReportAfterSuite("wirecert summary", func(r types.Report) {
		got, gotOne = r, true
		if r.SuiteConfig.ParallelTotal > 1 {
			summary, err = AfterSuite(r, opts)
		}
	})
	gomega.RegisterFailHandler(ginkgo.Fail)
	ginkgo.RunSpecs(&verdictOnly{}, description, args...)
	switch {
	case !gotOne && ginkgo.GinkgoParallelProcess() != 1:
		return Summary{Parallel: true}, nil
	case !gotOne:
		t.Fail()
		return Summary{ExitCode: 1}, ErrNoReport
	case got.SuiteConfig.ParallelTotal <= 1:
		summary, err = AfterSuite(got, opts)
	}
	if err != nil {
		summary.ExitCode = 1
	}
	if summary.ExitCode != 0 {
		t.Fail()
	}
	return summary, err
}

// verdictOnly takes Ginkgo's pass/fail, which counts every failed spec, and
// drops it: the summary decides.
type verdictOnly struct{}

func (*verdictOnly) Fail() {}
