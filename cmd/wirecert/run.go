package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/wirecert/wirecert/conformance/ccproxy"
	"github.com/wirecert/wirecert/conformance/report"
)

// errHelp is -h: print the flags, exit 0.
var errHelp = flag.ErrHelp

// Default report files of `wirecert reference`, under ./reports/.
var (
	referenceJSON  = filepath.Join("reports", "wirecert-reference.json")
	referenceJUnit = filepath.Join("reports", "wirecert-reference.junit.xml")
)

// runFlags are the flags of run and reference.
type runFlags struct {
	suites      string
	socket      string
	command     string
	require     string
	labelFilter string
	focus       string
	skip        string
	specs       specIDs // --spec, repeatable
	strict      bool
	specTimeout time.Duration
	stepTimeout time.Duration
	fixedSteps  bool
	// startTimeout bounds each start of a started proxy
	startTimeout time.Duration
	timeout      time.Duration
	junit        string
	json         string
	html         string
	verbose      bool
	quiet        bool
	noColor      bool
	inContainer  bool
	perPod       bool
	noPreflight  bool
	dryRun       bool
	// procs is the number of worker processes (-p); 1 runs in this one.
	procs int
	// failFast stops the run at the first failed spec.
	failFast bool
	// argv is the command line after the program name (run or reference
	// and its flags), which -p's workers are started with.
	argv []string
}

// newRunFlagSet binds the flags of run (withTarget) or reference. A
// FlagSet of its own: Ginkgo binds its flags to flag.CommandLine.
func newRunFlagSet(name string, f *runFlags, withTarget bool) *flag.FlagSet {
	fs := flag.NewFlagSet("wirecert "+name, flag.ContinueOnError)
	if withTarget {
		fs.StringVar(&f.suites, "suite", "", "suite to run (required): "+suiteNames())
		fs.StringVar(&f.socket, "socket", "", "unix socket of a running proxy under test")
		fs.StringVar(&f.command, "command", "", "command starting the target; split like a shell would, without expansion; or give argv after --.\n"+
			"ccproxy-server: {socket} is the socket to listen on (fresh per spec); ccproxy-client: {socket} is the fake\n"+
			"proxy to dial, {token} the session's token, {container} the container id (64 hex digits) the shim stands\n"+
			"for; spacer-service: the connected socket is fd 3 (no placeholder)")
		fs.BoolVar(&f.noPreflight, "no-preflight", false, "skip the check of the target before the first spec: every spec then meets a dead target\n"+
			"on its own (each within its timeouts)")
		fs.BoolVar(&f.perPod, "per-pod", false, "ccproxy-server: the proxy is per-pod (serves one VM, exits after UnregisterVM\n"+
			"or when its agent goes); specs needing a second VM start a second proxy")
		fs.BoolVar(&f.inContainer, "in-container", false, "run the suite and the --command target in a privileged container (image FROM scratch:\n"+
			"this binary and the target's are copied in; both must be static, CGO_ENABLED=0)")
	} else {
		fs.StringVar(&f.suites, "suite", "", "comma-separated suites to run (default all): "+suiteNames())
	}
	fs.StringVar(&f.require, "require", "", "comma-separated requirement IDs to check, e.g. CCP-S-05,CCP-S-07")
	fs.StringVar(&f.labelFilter, "label-filter", "", "Ginkgo label filter, e.g. 'must && !CCP-S-39'")
	fs.StringVar(&f.focus, "focus", "", "regular expression: run only specs whose text matches")
	fs.StringVar(&f.skip, "skip", "", "regular expression: skip specs whose text matches")
	fs.Var(&f.specs, "spec", "run the spec `ID`, e.g. CCP-S-05/header-length-0, as wirecert list lists them; repeat it\n"+
		"or separate IDs with commas. It adds to --focus; --require, --label-filter and --skip narrow it")
	fs.BoolVar(&f.strict, "strict", false, "should-level failures fail the run too")
	fs.BoolVar(&f.dryRun, "dry-run", false, "list the selected specs in the report without running them (result DRY RUN,\n"+
		"exit 0, nothing counted as passed)")
	fs.DurationVar(&f.specTimeout, "spec-timeout", ccproxy.DefaultSpecTimeout, "bound on each spec")
	fs.DurationVar(&f.stepTimeout, "step-timeout", ccproxy.DefaultStepTimeout, "bound on each wait for the target")
	fs.BoolVar(&f.fixedSteps, "fixed-steps", false, "ccproxy-server: a wait for a response lasts the step timeout even when the response is\n"+
		"far overdue while the proxy answers a fresh connection at once (by default such a wait ends early)")
	fs.DurationVar(&f.startTimeout, "start-timeout", ccproxy.DefaultStartTimeout, "bound on each start of a --command proxy, until it accepts on {socket}, and on the\n"+
		"preflight's wait for a --command target (a proxy listening, a spacer service answering)")
	fs.DurationVar(&f.timeout, "timeout", time.Hour, "bound on the whole run")
	procsHelp := "run the specs in N worker processes of this binary, N at a time; one merged summary and\n" +
		"the same report files as a run in one process (default 1: in this process)"
	fs.IntVar(&f.procs, "p", 1, procsHelp)
	fs.IntVar(&f.procs, "procs", 1, "the same as -p")
	fs.BoolVar(&f.failFast, "fail-fast", false, "stop at the first failed spec: the specs not run are skipped (with -p, the ones\n"+
		"running elsewhere interrupted)")
	junit, json := "", ""
	if !withTarget {
		junit, json = referenceJUnit, referenceJSON
	}
	fs.StringVar(&f.junit, "junit", junit, "write the JUnit XML report to this file (empty: none)")
	fs.StringVar(&f.json, "json", json, "write the JSON report to this file (empty: none)")
	fs.StringVar(&f.html, "html", "", "write the HTML report to this file: one self-contained page (requirement matrix,\n"+
		"filters, each spec's failure and transcript) that fetches nothing")
	fs.BoolVar(&f.verbose, "v", false, "Ginkgo's verbose output, every spec as it runs, before the summary (by default a run\n"+
		"prints one line saying what runs, on a terminal a progress line, then the summary)")
	fs.BoolVar(&f.quiet, "q", false, "print only the summary's totals and result (and the report files written)")
	fs.BoolVar(&f.noColor, "no-color", !isTerminal(os.Stdout), "no colors in Ginkgo's output")
	return fs
}

// parseFlags parses args into fs: -h prints the flags on stdout; a bad
// flag is a usage error carrying the flag package's message, which names
// the flag and the value.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	fs.SetOutput(io.Discard) // errors are returned, not printed twice
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stdout)
		fmt.Fprintf(stdout, "usage of %s:\n", fs.Name())
		fs.PrintDefaults()
		return errHelp
	}
	if err != nil {
		return usageErrorf("%s: %v (see '%s -h' for the allowed values)", fs.Name(), err, fs.Name())
	}
	return nil
}

// selection is the validated selection of a run.
type selection struct {
	suites      []suite
	labelFilter string
	focus, skip []string
	// specs are the --spec IDs, whose focus expressions are in focus.
	specs    []string
	timeouts timeouts
}

// validate checks the flags shared by run and reference.
func (f *runFlags) validate() (selection, error) {
	var sel selection
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"--spec-timeout", f.specTimeout}, {"--step-timeout", f.stepTimeout}, {"--start-timeout", f.startTimeout}, {"--timeout", f.timeout}} {
		if d.v <= 0 {
			return sel, usageErrorf("%s %v: allowed a positive duration such as 30s", d.name, d.v)
		}
	}
	sel.timeouts = timeouts{spec: f.specTimeout, step: f.stepTimeout, start: f.startTimeout, fixedSteps: f.fixedSteps}
	if f.quiet && f.verbose {
		return sel, usageErrorf("-q and -v both given: allowed one of them")
	}
	if f.procs < 1 {
		return sel, usageErrorf("-p %d: allowed a number of worker processes of 1 or more", f.procs)
	}
	ss, err := findSuites(f.suites)
	if err != nil {
		return sel, err
	}
	sel.suites = ss
	var ids []string
	for _, id := range strings.Split(f.require, ",") {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	required, err := report.RequireFilter(ids)
	if err != nil {
		return sel, usageErrorf("--require: %v", err)
	}
	if err := checkRequire(ids, ss); err != nil {
		return sel, err
	}
	if f.labelFilter != "" {
		if _, err := types.ParseLabelFilter(f.labelFilter); err != nil {
			return sel, usageErrorf("--label-filter %q: %s", f.labelFilter, ginkgoErrorText(err))
		}
	}
	if err := checkReportPaths(f.reportFiles()); err != nil {
		return sel, err
	}
	sel.labelFilter = report.AndFilters(required, f.labelFilter)
	for _, re := range []struct {
		name, v string
		dst     *[]string
	}{{"--focus", f.focus, &sel.focus}, {"--skip", f.skip, &sel.skip}} {
		if re.v == "" {
			continue
		}
		if _, err := regexp.Compile(re.v); err != nil {
			return sel, usageErrorf("%s %q: %v: allowed a Go regular expression", re.name, re.v, err)
		}
		*re.dst = []string{re.v}
	}
	if len(f.specs) > 0 {
		focus, err := report.SpecFocus(f.specs)
		if err != nil {
			return sel, usageErrorf("--spec: %v", err)
		}
		if err := checkSpecSuites(f.specs, ss); err != nil {
			return sel, err
		}
		sel.focus, sel.specs = append(sel.focus, focus...), f.specs
	}
	return sel, nil
}

// runCommand is `wirecert run`.
func runCommand(args []string, stdout, stderr io.Writer) (int, error) {
	f := runFlags{argv: append([]string{"run"}, args...)}
	fs := newRunFlagSet("run", &f, true)
	if err := parseFlags(fs, args, stdout); err != nil {
		return exitUsage, err
	}
	if f.suites == "" {
		return exitUsage, usageErrorf("--suite is required: allowed %s", suiteNames())
	}
	if strings.Contains(f.suites, ",") {
		return exitUsage, usageErrorf("--suite %q: run takes one suite, allowed %s", f.suites, suiteNames())
	}
	sel, err := f.validate()
	if err != nil {
		return exitUsage, err
	}
	tf := targetFlags{flag: "--command", socket: f.socket, perPod: f.perPod, timeouts: sel.timeouts}
	switch {
	case f.command != "" && fs.NArg() > 0:
		return exitUsage, usageErrorf("--command %q and arguments %q both given: allowed one of them", f.command, fs.Args())
	case f.command != "":
		if tf.command, err = splitCommand(f.command); err != nil {
			return exitUsage, usageErrorf("--command: %v", err)
		}
	case fs.NArg() > 0:
		tf.flag, tf.command = "command after --", fs.Args()
	}
	reg, err := sel.suites[0].target(tf)
	if err != nil {
		return exitUsage, err
	}
	if f.inContainer {
		return runInContainer(f, tf, stdout)
	}
	// The target is checked once, before any spec: a worker of -p runs
	// after its parent checked it, and a dry run starts nothing.
	if err := checkSelection(f); err != nil {
		return exitUsage, err
	}
	if _, worker := workerFromEnv(); !worker && !counting() && !f.dryRun && !f.noPreflight {
		if err := preflight(sel.suites[0], tf, stdout); err != nil {
			return exitUsage, err
		}
	}
	return execute([]registration{reg}, sel, f, stdout)
}

// referenceCommand is `wirecert reference`: `make conformance`.
func referenceCommand(args []string, stdout, stderr io.Writer) (int, error) {
	f := runFlags{argv: append([]string{"reference"}, args...)}
	fs := newRunFlagSet("reference", &f, false)
	if err := parseFlags(fs, args, stdout); err != nil {
		return exitUsage, err
	}
	if fs.NArg() > 0 {
		return exitUsage, usageErrorf("unexpected arguments %q: reference takes flags only", fs.Args())
	}
	sel, err := f.validate()
	if err != nil {
		return exitUsage, err
	}
	if err := checkSelection(f); err != nil {
		return exitUsage, err
	}
	regs := make([]registration, len(sel.suites))
	for i, s := range sel.suites {
		regs[i] = s.reference(sel.timeouts)
	}
	return execute(regs, sel, f, stdout)
}

// execute registers the suites and runs them: in this process, once
// (Ginkgo runs one suite per process), or with -p in worker processes; in
// a worker, its share.
func execute(regs []registration, sel selection, f runFlags, stdout io.Writer) (int, error) {
	if wc, worker := workerFromEnv(); worker {
		return runWorker(wc, regs, sel, f)
	}
	if counting() {
		for _, r := range regs {
			r.register()
		}
		return printSelectedCount(suiteDescription(reportOptions(regs, f, stdout)), suiteConfig(sel, f), sel.specs, os.Stdout)
	}
	if f.procs > 1 && !f.dryRun {
		return runParallel(regs, sel, f, stdout)
	}
	for _, r := range regs {
		r.register()
	}
	opts := reportOptions(regs, f, stdout)
	if !f.verbose {
		followProgress(newRunProgress(f, stdout), opts.Suite)
	}
	summary, err := report.RunSpecs(&verdictOnly{}, suiteDescription(opts), opts, suiteConfig(sel, f), reporterConfig(f))
	if err != nil {
		return exitFail, err
	}
	printReportFiles(f, stdout)
	return summary.ExitCode, nil
}

// suiteDescription is the Ginkgo suite description of a run: the focus
// and skip expressions match it too, so a worker must use the same.
func suiteDescription(opts report.Options) string { return "wirecert " + opts.Suite }

// reportOptions names the run's suites and targets for the report.
func reportOptions(regs []registration, f runFlags, stdout io.Writer) report.Options {
	names, targets := make([]string, len(regs)), make([]string, len(regs))
	for i, r := range regs {
		names[i], targets[i] = r.suite, r.target
	}
	return report.Options{
		Suite:     strings.Join(names, ", "),
		Target:    strings.Join(targets, ", "),
		Strict:    f.strict,
		JUnitFile: f.junit,
		JSONFile:  f.json,
		HTMLFile:  f.html,
		Out:       stdout,
		Quiet:     f.quiet,
	}
}

// suiteConfig is the Ginkgo configuration of the run's selection.
func suiteConfig(sel selection, f runFlags) types.SuiteConfig {
	sc := types.NewDefaultSuiteConfig()
	sc.LabelFilter = sel.labelFilter
	sc.FocusStrings, sc.SkipStrings = sel.focus, sel.skip
	sc.Timeout = f.timeout
	sc.DryRun = f.dryRun
	sc.FailFast = f.failFast
	return sc
}

// reporterConfig is the configuration of Ginkgo's console output.
func reporterConfig(f runFlags) types.ReporterConfig {
	rc := types.NewDefaultReporterConfig()
	rc.NoColor, rc.Verbose = f.noColor, f.verbose
	rc.SilenceSkips = true // a --require run would print a line of S
	return rc
}

// printReportFiles names the report files written.
func printReportFiles(f runFlags, stdout io.Writer) {
	if f.json != "" || f.junit != "" || f.html != "" {
		fmt.Fprintf(stdout, "reports: %s\n", strings.Join(nonEmpty(f.json, f.junit, f.html), ", "))
	}
}

// verdictOnly is the GinkgoTestingT of a CLI run: the summary's exit code
// is the verdict.
type verdictOnly struct{}

func (*verdictOnly) Fail() {}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// isTerminal says whether f is a character device, i.e. colors make sense.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// ginkgoErrorText is a Ginkgo error's heading and message as plain text:
// Ginkgo colours its error strings for a terminal, and a usage error may go
// to a file or a CI log.
func ginkgoErrorText(err error) string {
	var ge types.GinkgoError
	if errors.As(err, &ge) {
		return strings.TrimSpace(ge.Heading + ":\n" + ge.Message)
	}
	return ansiEscape.ReplaceAllString(err.Error(), "")
}

// ansiEscape matches a terminal colour or style sequence.
var ansiEscape = regexp.MustCompile("\x1b\\[[0-9;]*m")
