package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/formatter"
	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"
	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/conformance/report"
	"github.com/wirecert/wirecert/conformance/serving"
)

// Ginkgo's special suite failure reasons that -p adds or drops.
const (
	reasonInterrupted  = "Interrupted by User"
	reasonSuiteTimeout = "Suite Timeout Elapsed"
)

// workerKillGrace is how long the workers get, after the grace period
// Ginkgo gives a spec's cleanup, to end once the run was interrupted or
// timed out; then they are killed.
const workerKillGrace = 5 * time.Second

// outputTail is how much of a worker's output its failure shows.
const (
	outputTailLines = 20
	outputTailBytes = 8 << 10
)

// stopCause is why a -p run stopped handing out specs.
type stopCause int

const (
	notStopped stopCause = iota
	stoppedFailFast
	stoppedTimeout
	stoppedInterrupt
)

// runParallel is -p N: a dry run here gives every selected spec in the
// order a serial run with the same seed has; N workers (this binary
// re-executed, see runWorker) claim the specs one by one and report each;
// their reports, in the dry run's order, are judged, printed and written
// exactly as a serial run's report is. Only this process prints: Ginkgo's
// progress from the workers' reports, and a worker's own output when it
// ended abnormally (or with -v).
func runParallel(regs []registration, sel selection, f runFlags, stdout io.Writer) (int, error) {
	start := time.Now()
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)

	self, err := os.Executable()
	if err != nil {
		return exitFail, fmt.Errorf("-p: finding this binary to start the workers: %w", err)
	}
	opts := reportOptions(regs, f, stdout)
	for _, r := range regs {
		r.register()
	}
	sc := suiteConfig(sel, f)
	dry, err := dryRunReport(suiteDescription(opts), sc)
	if err != nil {
		return exitFail, err
	}
	run := newParallelRun(dry, f.failFast)
	if unknown := unknownSpecs(dry, sel.specs); len(unknown) > 0 {
		return exitUsage, unknownSpecError(unknown, f)
	}
	if len(run.selected) == 0 {
		return exitUsage, emptySelection(f)
	}
	n := min(f.procs, len(run.selected))
	sc.ParallelTotal = max(n, 1)

	dir, err := os.MkdirTemp("", "wirecert-workers-")
	if err != nil {
		return exitFail, fmt.Errorf("-p: %w", err)
	}
	defer os.RemoveAll(dir)
	// A worker that dies leaves its targets to the nearest subreaper: this
	// process, which kills and reaps them at the end.
	if err := serving.EnableSubreaper(); err != nil {
		fmt.Fprintf(stdout, "wirecert: %v: the targets of a worker that dies go to init\n", err)
	}
	defer reapAdopted(2 * time.Second)

	run.reporter = consoleReporter(f, stdout, opts.Suite, n)
	begin := dry
	begin.SuiteConfig, begin.SpecReports = sc, nil
	begin.PreRunStats.SpecsThatWillRun = len(run.selected)
	run.reporter.SuiteWillBegin(begin)

	deadline := start.Add(f.timeout)
	select {
	case <-sigs:
		run.setStop(stoppedInterrupt)
	default:
		wc := workerConfig{Total: n, Seed: sc.RandomSeed, Timeout: max(time.Until(deadline), time.Millisecond)}
		for i := 1; i <= n; i++ {
			wc.Index = i
			if err := run.startWorker(self, f.argv, wc, dir); err != nil {
				run.signalAll(syscall.SIGKILL, nil)
				run.waitAll()
				return exitFail, fmt.Errorf("-p: %w", err)
			}
		}
	}
	run.wait(sigs, deadline, sc.GracePeriod+workerKillGrace)

	merged := run.merge(sc, start)
	run.showOutput(stdout, f.verbose)
	run.reporter.SuiteDidEnd(merged)
	summary, err := report.AfterSuite(merged, opts)
	if err != nil {
		return exitFail, err
	}
	printReportFiles(f, stdout)
	return summary.ExitCode, nil
}

// dryRunReport runs the registered specs as a silent Ginkgo dry run and
// returns its report: every spec in the order of the run (sc's seed), the
// selected ones passed, the others skipped.
func dryRunReport(description string, sc types.SuiteConfig) (types.Report, error) {
	var dry types.Report
	got := false
	ginkgo.ReportAfterSuite("wirecert -p plan", func(r types.Report) { dry, got = r, true })
	sc.DryRun = true
	formatter.ColorableStdOut = io.Discard // the workers' reports are printed instead
	gomega.RegisterFailHandler(ginkgo.Fail)
	ginkgo.RunSpecs(&verdictOnly{}, description, sc, types.NewDefaultReporterConfig())
	if !got {
		return dry, report.ErrNoReport
	}
	return dry, nil
}

// parallelRun is the parent's state of a -p run.
type parallelRun struct {
	dry        types.Report
	selected   []int // indices in dry.SpecReports of the specs to run
	isSelected map[int]bool
	index      map[specClaim]int // a worker's claim: the spec's index
	failFast   bool

	mu      sync.Mutex
	owner   []*procWorker       // by index: the worker that claimed it
	results []*types.SpecReport // by index: its report
	stop    stopCause
	// firstFailure names the spec whose failure stopped a --fail-fast run.
	firstFailure string
	workers      []*procWorker

	reporterMu sync.Mutex
	reporter   reporters.Reporter
}

// procWorker is one worker process.
type procWorker struct {
	n, total int
	cmd      *exec.Cmd
	claims   *os.File // write end: the answers to its claims
	events   *os.File // read end: its workerEvents
	output   string   // file of its stdout and stderr
	exited   chan struct{}
	drained  chan struct{} // its events are read
	// guarded by parallelRun.mu
	inflight  int // index of the spec it claimed and has not reported, or -1
	final     *types.Report
	signalled bool // stopped by this process (fail-fast, interrupt)
	killed    bool // killed by this process
}

func newParallelRun(dry types.Report, failFast bool) *parallelRun {
	r := &parallelRun{dry: dry, index: map[specClaim]int{}, isSelected: map[int]bool{}, failFast: failFast}
	seen := map[string]int{}
	for i, sr := range dry.SpecReports {
		if !sr.LeafNodeType.Is(types.NodeTypeIt) || sr.State.Is(types.SpecStateSkipped|types.SpecStatePending) {
			continue
		}
		key := specKey(sr)
		r.index[specClaim{Key: key, Occurrence: seen[key]}] = i
		seen[key]++
		r.selected = append(r.selected, i)
		r.isSelected[i] = true
	}
	r.owner = make([]*procWorker, len(dry.SpecReports))
	r.results = make([]*types.SpecReport, len(dry.SpecReports))
	return r
}

// startWorker starts worker wc.Index: this binary with the parent's
// command line, its protocol pipes as fds 3 and 4, its output in a file,
// in a process group of its own (a terminal's ^C reaches only this
// process, which forwards it once), sent SIGTERM should this process die.
func (r *parallelRun) startWorker(self string, argv []string, wc workerConfig, dir string) error {
	cfg, err := json.Marshal(wc)
	if err != nil {
		return err
	}
	out, err := os.CreateTemp(dir, fmt.Sprintf("worker-%d-*.out", wc.Index))
	if err != nil {
		return err
	}
	defer out.Close()
	evR, evW, err := os.Pipe()
	if err != nil {
		return err
	}
	clR, clW, err := os.Pipe()
	if err != nil {
		evR.Close()
		evW.Close()
		return err
	}
	cmd := exec.Command(self, argv...)
	cmd.Env = append(os.Environ(), workerEnvVar+"="+string(cfg))
	cmd.ExtraFiles = []*os.File{evW, clR} // fds 3 and 4
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	err = cmd.Start()
	evW.Close()
	clR.Close()
	if err != nil {
		evR.Close()
		clW.Close()
		return fmt.Errorf("starting worker %d: %w", wc.Index, err)
	}
	w := &procWorker{n: wc.Index, total: wc.Total, cmd: cmd, claims: clW, events: evR, output: out.Name(),
		exited: make(chan struct{}), drained: make(chan struct{}), inflight: -1}
	r.mu.Lock()
	r.workers = append(r.workers, w)
	r.mu.Unlock()
	go r.serve(w)
	go func() {
		_ = cmd.Wait()
		close(w.exited)
		select {
		case <-w.drained:
		case <-time.After(time.Second): // a process that escaped with the pipe
			w.events.Close()
		}
		clW.Close()
	}()
	return nil
}

// serve reads a worker's events until it ends.
func (r *parallelRun) serve(w *procWorker) {
	defer close(w.drained)
	dec := json.NewDecoder(w.events)
	for {
		var ev workerEvent
		if err := dec.Decode(&ev); err != nil {
			return
		}
		switch {
		case ev.Claim != nil:
			r.claim(w, *ev.Claim)
		case ev.Done != nil:
			r.done(w, *ev.Done)
		case ev.End != nil:
			r.mu.Lock()
			w.final = ev.End
			r.mu.Unlock()
		}
	}
}

// claim gives the spec to w unless another worker has it or the run stops.
func (r *parallelRun) claim(w *procWorker, c specClaim) {
	r.mu.Lock()
	idx, ok := r.index[c]
	switch {
	case !ok, r.stop != notStopped, r.owner[idx] != nil:
		idx = -1
	default:
		r.owner[idx] = w
		w.inflight = idx
	}
	r.mu.Unlock()
	_, _ = fmt.Fprintf(w.claims, "%d\n", idx) // a worker gone has nothing to claim
}

// done takes the report of a spec w claimed, prints it, and with
// --fail-fast stops the other workers at the first failure.
func (r *parallelRun) done(w *procWorker, d specDone) {
	sr := d.Report
	sr.RunningInParallel, sr.ParallelProcess = true, w.n
	r.mu.Lock()
	if d.Index < 0 || d.Index >= len(r.owner) || r.owner[d.Index] != w {
		r.mu.Unlock()
		return
	}
	w.inflight = -1
	if r.stop == stoppedFailFast && w.signalled && sr.State.Is(types.SpecStateInterrupted) {
		sr.Failure.Message = "interrupted by --fail-fast: " + r.firstFailure + " failed first"
	}
	stop := r.failFast && r.stop == notStopped && sr.State.Is(types.SpecStateFailureStates)
	if stop {
		r.stop, r.firstFailure = stoppedFailFast, sr.FullText()
	}
	r.results[d.Index] = &sr
	r.mu.Unlock()
	r.reporterMu.Lock()
	r.reporter.DidRun(sr)
	r.reporterMu.Unlock()
	if stop {
		r.signalAll(syscall.SIGINT, w)
	}
}

// setStop records why the run stops: an interrupt wins over anything,
// anything else only over running on.
func (r *parallelRun) setStop(c stopCause) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stop == notStopped || c == stoppedInterrupt {
		r.stop = c
	}
}

// signalAll sends sig to every worker still running but except.
func (r *parallelRun) signalAll(sig syscall.Signal, except *procWorker) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, w := range r.workers {
		if w == except {
			continue
		}
		select {
		case <-w.exited:
			continue
		default:
		}
		if sig == syscall.SIGKILL {
			w.killed = true
		} else {
			w.signalled = true
		}
		_ = w.cmd.Process.Signal(sig)
	}
}

// waitAll waits until every worker ended and its events were read.
func (r *parallelRun) waitAll() {
	r.mu.Lock()
	workers := slices.Clone(r.workers)
	r.mu.Unlock()
	for _, w := range workers {
		<-w.exited
		<-w.drained
	}
}

// wait waits for the workers: an interrupt (Ctrl-C, SIGTERM) is forwarded
// to each, and the run's deadline stops the claims (each worker has the
// same deadline as its suite timeout); workers still running grace after
// either are killed.
func (r *parallelRun) wait(sigs <-chan os.Signal, deadline time.Time, grace time.Duration) {
	all := make(chan struct{})
	go func() {
		r.waitAll()
		close(all)
	}()
	timeout := time.NewTimer(time.Until(deadline))
	defer timeout.Stop()
	var kill <-chan time.Time
	for {
		select {
		case <-all:
			return
		case sig := <-sigs:
			r.setStop(stoppedInterrupt)
			if s, ok := sig.(syscall.Signal); ok {
				r.signalAll(s, nil)
			}
			if kill == nil {
				kill = time.After(grace)
			}
		case <-timeout.C:
			r.setStop(stoppedTimeout)
			if kill == nil {
				kill = time.After(grace)
			}
		case <-kill:
			r.signalAll(syscall.SIGKILL, nil)
		}
	}
}

// merge is the report of the run: the dry run's, each selected spec's
// report taken from the worker that ran it. A spec whose worker ended
// while running it failed (aborted), or was interrupted when the run was
// cut short and the worker killed for not ending; a spec no worker ran is
// skipped as Ginkgo skips the specs after an interrupt, a suite timeout
// or --fail-fast, or, when the workers died first, interrupted, and the
// run fails by their deaths.
func (r *parallelRun) merge(sc types.SuiteConfig, start time.Time) types.Report {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.dry
	m.SuiteConfig = sc
	m.StartTime, m.EndTime = start, time.Now()
	m.RunTime = m.EndTime.Sub(start)

	var reasons []string
	add := func(reason string) {
		if !slices.Contains(reasons, reason) {
			reasons = append(reasons, reason)
		}
	}
	var suiteNodes types.SpecReports
	crashed := false
	for _, w := range r.workers {
		if w.final == nil {
			if !w.killed {
				crashed = true
				add(w.ending() + " before it finished its run" + w.tailNote(3))
			}
			continue
		}
		for _, reason := range w.final.SpecialSuiteFailureReasons {
			if reason == reasonInterrupted && w.signalled && r.stop == stoppedFailFast {
				continue // stopped by this process, not by the user
			}
			add(reason)
		}
		for _, sr := range w.final.SpecReports {
			sr.RunningInParallel, sr.ParallelProcess = true, w.n
			suiteNodes = append(suiteNodes, sr)
		}
	}
	switch r.stop {
	case stoppedInterrupt:
		add(reasonInterrupted)
	case stoppedTimeout:
		add(reasonSuiteTimeout)
	}

	specs := make(types.SpecReports, 0, len(r.dry.SpecReports)+len(suiteNodes))
	unrun := 0
	for i, sr := range r.dry.SpecReports {
		switch res, w := r.results[i], r.owner[i]; {
		case !r.isSelected[i]:
		case res != nil:
			sr = *res
		case w != nil:
			sr = r.lost(sr, w)
		default:
			sr = r.unrun(sr)
			unrun++
		}
		specs = append(specs, sr)
	}
	if unrun > 0 && r.stop == notStopped && !crashed {
		add(fmt.Sprintf("the wirecert workers ended without running %d selected specs", unrun))
	}
	m.SpecReports = append(specs, suiteNodes...)
	m.SpecialSuiteFailureReasons = reasons
	m.SuiteSucceeded = len(reasons) == 0 && len(m.SpecReports.WithState(types.SpecStateFailureStates)) == 0
	return m
}

// lost is the report of spec sr, which w claimed and never reported.
func (r *parallelRun) lost(sr types.SpecReport, w *procWorker) types.SpecReport {
	sr.RunningInParallel, sr.ParallelProcess = true, w.n
	sr.Failure = types.Failure{Location: sr.LeafNodeLocation, FailureNodeType: types.NodeTypeIt,
		FailureNodeLocation: sr.LeafNodeLocation, ProgressReport: types.ProgressReport{}}
	if w.killed {
		sr.State = types.SpecStateInterrupted
		sr.Failure.Message = fmt.Sprintf("interrupted: %s, killed for not ending within the grace period after the run was cut short", w.name())
		return sr
	}
	sr.State = types.SpecStateAborted
	sr.Failure.Message = w.ending() + " while this spec ran" + w.tailNote(outputTailLines)
	return sr
}

// unrun is the report of selected spec sr, which no worker claimed.
func (r *parallelRun) unrun(sr types.SpecReport) types.SpecReport {
	if r.stop != notStopped {
		sr.State, sr.Failure = types.SpecStateSkipped, types.Failure{}
		return sr
	}
	sr.State = types.SpecStateInterrupted
	sr.Failure = types.Failure{Message: "not run: the wirecert workers ended before it (see the suite failures)",
		Location: sr.LeafNodeLocation, FailureNodeType: types.NodeTypeIt, FailureNodeLocation: sr.LeafNodeLocation}
	return sr
}

// name names the worker for messages.
func (w *procWorker) name() string {
	return fmt.Sprintf("wirecert worker %d of %d (pid %d)", w.n, w.total, w.cmd.Process.Pid)
}

// ending says how the worker ended: "wirecert worker 2 of 4 (pid 123)
// ended (signal: killed)".
func (w *procWorker) ending() string {
	how := "without an exit status"
	if st := w.cmd.ProcessState; st != nil {
		how = st.String()
	}
	return fmt.Sprintf("%s ended (%s)", w.name(), how)
}

// tail returns the last lines of the worker's output, at most lines.
func (w *procWorker) tail(lines int) []string {
	return tailLines(w.output, lines)
}

// tailNote is ": its last output lines: ..." for a message, or "".
func (w *procWorker) tailNote(lines int) string {
	t := w.tail(lines)
	if len(t) == 0 {
		return ""
	}
	return "; its last output:\n" + strings.Join(t, "\n")
}

// showOutput prints the output of each worker that ended abnormally (its
// last lines), and with verbose every worker's output.
func (r *parallelRun) showOutput(out io.Writer, verbose bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, w := range r.workers {
		abnormal := w.final == nil && !w.killed
		if !abnormal && !verbose {
			continue
		}
		if verbose {
			b, _ := os.ReadFile(w.output)
			if len(bytes.TrimSpace(b)) > 0 {
				fmt.Fprintf(out, "\n--- output of %s ---\n%s\n--- end of the output of worker %d ---\n", w.name(), bytes.TrimRight(b, "\n"), w.n)
			}
		}
		if abnormal {
			fmt.Fprintf(out, "\n%s before it finished its run%s\n", w.ending(), w.tailNote(outputTailLines))
		}
	}
}

// tailLines returns the last lines of file path (of its last
// outputTailBytes), at most n.
func tailLines(path string, n int) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil
	}
	off := max(st.Size()-outputTailBytes, 0)
	b := make([]byte, st.Size()-off)
	if _, err := f.ReadAt(b, off); err != nil && err != io.EOF {
		return nil
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if off > 0 && len(lines) > 1 {
		lines = lines[1:] // a partial first line
	}
	if len(lines) == 1 && strings.TrimSpace(lines[0]) == "" {
		return nil
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}

// reapAdopted kills and reaps the children this process adopted as a
// subreaper (the targets of a worker that died), and theirs in turn,
// within the bound.
func reapAdopted(within time.Duration) {
	deadline := time.Now().Add(within)
	for {
		kids := children()
		if len(kids) == 0 || time.Now().After(deadline) {
			return
		}
		for _, pid := range kids {
			_ = unix.Kill(pid, unix.SIGKILL)
			var ws unix.WaitStatus
			_, _ = unix.Wait4(pid, &ws, unix.WNOHANG, nil)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// children returns the pids of this process's children, from /proc.
func children() []int { return childrenOf(os.Getpid()) }

// childrenOf returns the pids of the children of process parent.
func childrenOf(parent int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil || fmt.Sprint(pid) != e.Name() {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(string(b[i+1:]))
		var ppid int
		if len(fields) > 1 {
			_, _ = fmt.Sscanf(fields[1], "%d", &ppid)
		}
		if ppid == parent {
			pids = append(pids, pid)
		}
	}
	return pids
}
