package report

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/wirecert/wirecert/conformance/requirement"
)

// Verdict is the outcome of one requirement over its selected specs. The
// rules, the first that applies (a spec "counts" when it is must-level, or
// should-level with Options.Strict; the "deciding" specs are the
// requirement's must-level ones, or all of them when it has none):
//
//  1. failed: a counting spec failed.
//  2. interrupted: a spec was interrupted (the run was cut short).
//  3. blocked: a deciding spec was blocked by another requirement
//     (RequirementResult.BlockedBy names it).
//  4. failed (should): a should-level spec failed, without Strict.
//  5. skipped: a deciding spec was skipped (e.g. needs root).
//  6. not applicable: every deciding spec said it cannot apply.
//  7. passed (limited): specs passed, one of them limited.
//  8. passed: deciding specs passed, the others passed or did not apply.
type Verdict string

// The verdicts.
const (
	VerdictPassed Verdict = "passed"
	// VerdictLimited is a pass of which some spec checked less than the
	// requirement asks, for the reasons in RequirementResult.Limits.
	VerdictLimited Verdict = "passed (limited)"
	VerdictFailed  Verdict = "failed"
	// VerdictFailedShould is a should-level failure in a run without
	// Strict: reported, but it does not fail the run.
	VerdictFailedShould Verdict = "failed (should)"
	// VerdictBlocked: a step of another requirement failed first, so the
	// requirement was not judged; RequirementResult.BlockedBy names them.
	VerdictBlocked Verdict = "blocked"
	// VerdictNotApplicable: every deciding spec said it cannot apply to
	// the target's shape, with its reason.
	VerdictNotApplicable Verdict = "not applicable"
	VerdictSkipped       Verdict = "skipped"
	// VerdictInterrupted: the run was cut short (Ctrl-C, suite timeout)
	// while or before the requirement's specs ran.
	VerdictInterrupted Verdict = "interrupted"
)

// Unlabelled is the ID under which specs citing no requirement are grouped;
// they count as must, so a suite cannot pass by forgetting a label.
const Unlabelled = "(unlabelled)"

// Outcome is what became of one spec, Ginkgo's states refined by what the
// spec said of itself (package requirement).
type Outcome string

// The outcomes.
const (
	OutcomePassed Outcome = "passed"
	// OutcomeLimited is a pass that checked less than the requirement
	// asks because of the target's form (requirement.Limited); the
	// reasons are in SpecResult.Limits.
	OutcomeLimited Outcome = "passed (limited)"
	// OutcomeFailed is a failure of the implementation: an assertion, a
	// spec timeout, a panic.
	OutcomeFailed Outcome = "failed"
	// OutcomeBlocked is a spec whose step belonging to another
	// requirement failed (requirement.Precondition), or that could not
	// reach the target (requirement.BlockedByTarget); SpecResult.BlockedBy
	// names the requirement, or requirement.Target. Neither a pass nor a
	// failure of the spec's requirement.
	OutcomeBlocked Outcome = "blocked"
	// OutcomeNotApplicable is a spec that skipped itself as not
	// applicable to the target (requirement.NotApplicable).
	OutcomeNotApplicable Outcome = "not applicable"
	// OutcomeSkipped is a selected spec that did not run or skipped
	// itself (no root; a dry run).
	OutcomeSkipped Outcome = "skipped"
	// OutcomeInterrupted is a spec cut short, or never run, because the
	// run was interrupted or hit its suite timeout: no verdict on the
	// implementation.
	OutcomeInterrupted Outcome = "interrupted"
)

// Passed says whether o is a pass, limited or not.
func (o Outcome) Passed() bool { return o == OutcomePassed || o == OutcomeLimited }

// Result is the outcome of a whole run, with its exit status.
type Result string

// The results, in the order they are decided.
const (
	// ResultDryRun: Ginkgo's dry run; nothing ran, nothing is certified.
	ResultDryRun Result = "DRY RUN"
	// ResultFail: a requirement failed, or the suite itself did (a setup
	// node, nothing selected).
	ResultFail Result = "FAIL"
	// ResultInterrupted: the run was cut short (Ctrl-C, suite timeout)
	// before anything failed; not a verdict on the implementation.
	ResultInterrupted Result = "INTERRUPTED"
	// ResultIncomplete: a selected must-level requirement was left
	// unchecked (blocked, skipped, not applicable): never a pass.
	ResultIncomplete Result = "INCOMPLETE"
	// ResultPass: every selected must-level requirement passed (with
	// Strict, every should-level one too).
	ResultPass Result = "PASS"
)

// Exit statuses of a run, Summary.ExitCode. ExitUsage is the CLI's, for a
// wrong command line.
const (
	ExitPass        = 0 // PASS, and DRY RUN
	ExitFail        = 1 // FAIL
	ExitUsage       = 2 // wirecert only: a usage error
	ExitIncomplete  = 3 // INCOMPLETE
	ExitInterrupted = 4 // INTERRUPTED
)

// Exit is the exit status of r.
func (r Result) Exit() int {
	switch r {
	case ResultPass, ResultDryRun:
		return ExitPass
	case ResultIncomplete:
		return ExitIncomplete
	case ResultInterrupted:
		return ExitInterrupted
	}
	return ExitFail
}

// SpecResult is one selected spec.
type SpecResult struct {
	// ID is the spec's ID, e.g. "CCP-S-05/header-length-0": the same
	// for every target, so CI can follow a spec from run to run. Empty for
	// a spec whose text does not start with one (requirement.Describe).
	ID string `json:"id,omitempty"`
	// Requirement is the requirement the spec cites, or Unlabelled.
	Requirement string `json:"requirement"`
	// Level is the level the spec checks it at; an unlevelled spec is
	// must, so it cannot be waived.
	Level requirement.Level `json:"level"`
	// Text is the spec's full text (containers and leaf).
	Text string `json:"text"`
	// Outcome is one of the Outcome constants: "passed", "passed
	// (limited)", "failed", "blocked", "not applicable", "skipped",
	// "interrupted".
	Outcome Outcome `json:"outcome"`
	// State is Ginkgo's state: passed, skipped, pending, failed, panicked,
	// timedout, interrupted, aborted.
	State string `json:"state"`
	// DurationSeconds is how long the spec ran.
	DurationSeconds float64 `json:"durationSeconds"`
	// Message is the failure message, or the reason given to Skip
	// ("blocked by CCP-S-13: ...", "not applicable: ...").
	Message string `json:"message,omitempty"`
	// Location is where the failure happened, file:line.
	Location string `json:"location,omitempty"`
	// BlockedBy is the requirement whose step failed, for "blocked".
	BlockedBy string `json:"blockedBy,omitempty"`
	// Limits are the reasons a pass was limited (requirement.Limited).
	Limits []string `json:"limits,omitempty"`
	// Note says what else the report knows, e.g. that a precondition
	// ended by ginkgo.Fail or a panic and so was not attributed.
	Note string `json:"note,omitempty"`
	// Leftovers say which processes the target left running after the
	// process the suite started ended (killed by the suite; no failure).
	Leftovers []string `json:"leftovers,omitempty"`
	// Transcript is what the suite's fakes sent and received during the
	// spec, bounded; nil when nothing moved on the wire.
	Transcript *Transcript `json:"transcript,omitempty"`
	// Output is what was written while the spec ran: its target's output
	// (a started target's stdout and stderr, the tail the harness kept)
	// and the harness's notes, from GinkgoWriter, stdout and stderr; its
	// last OutputLimit bytes, from a line's start where one is near.
	Output string `json:"output,omitempty"`
	// OutputDroppedBytes counts the bytes of the output before Output.
	OutputDroppedBytes int `json:"outputDroppedBytes,omitempty"`
}

// OutputLimit bounds SpecResult.Output: its last bytes are kept.
const OutputLimit = 8 << 10

// outputTail is the last OutputLimit bytes of out, starting after a
// newline when one is in the first 256 of them, and how many were dropped.
func outputTail(out string) (string, int) {
	if len(out) <= OutputLimit {
		return out, 0
	}
	cut := len(out) - OutputLimit
	if i := strings.IndexByte(out[cut:min(cut+256, len(out))], '\n'); i >= 0 {
		cut += i + 1
	}
	return out[cut:], cut
}

// RequirementResult is the verdict on one requirement over its selected
// specs, and the specs counted by outcome.
type RequirementResult struct {
	// ID is the requirement's ID, or Unlabelled.
	ID string `json:"id"`
	// Text is the requirement's text from the catalogue; empty for
	// Unlabelled.
	Text string `json:"text"`
	// Levels are the levels its selected specs check, must first.
	Levels []requirement.Level `json:"levels"`
	// Verdict is one of the Verdict constants; see Verdict for the rules.
	Verdict Verdict `json:"verdict"`
	// BlockedBy are the requirements that blocked it, for "blocked".
	BlockedBy []string `json:"blockedBy,omitempty"`
	// Limits are the reasons of its limited passes.
	Limits []string `json:"limits,omitempty"`
	// Unchecked, when not empty, says why this must-level requirement was
	// left unchecked ("blocked by CCP-S-13", "skipped: needs root"): it
	// makes the run INCOMPLETE.
	Unchecked string `json:"unchecked,omitempty"`
	// Passed counts passed specs, limited ones included.
	Passed int `json:"passed"`
	// Limited counts the passed specs that were limited.
	Limited int `json:"limited"`
	// Failed counts failed specs at any level.
	Failed int `json:"failed"`
	// FailedShould counts the failed specs at should level.
	FailedShould int `json:"failedShould"`
	// Blocked counts specs blocked by another requirement.
	Blocked int `json:"blocked"`
	// Skipped counts specs that were selected but did not run.
	Skipped int `json:"skipped"`
	// NotApplicable counts specs that cannot apply to the target.
	NotApplicable int `json:"notApplicable"`
	// Interrupted counts specs cut short or never run by an interrupt.
	Interrupted int `json:"interrupted"`
}

// Totals counts requirements by verdict, and specs by outcome.
type Totals struct {
	// Requirements counts the requirements with a selected spec.
	Requirements int `json:"requirements"`
	// Passed counts requirements passed fully.
	Passed int `json:"passed"`
	// Limited counts requirements passed limited.
	Limited int `json:"limited"`
	// Failed counts requirements failed at must level (or at should
	// level with Strict).
	Failed int `json:"failed"`
	// FailedShould counts requirements failed at should level only,
	// without Strict.
	FailedShould int `json:"failedShould"`
	// Blocked counts requirements blocked by another one.
	Blocked int `json:"blocked"`
	// Skipped counts requirements whose deciding specs were skipped.
	Skipped int `json:"skipped"`
	// NotApplicable counts requirements none of whose specs apply.
	NotApplicable int `json:"notApplicable"`
	// Interrupted counts requirements the interrupt left without a verdict.
	Interrupted int `json:"interrupted"`
	// Unchecked counts must-level requirements left unchecked.
	Unchecked int `json:"unchecked"`
	// Specs counts the selected specs.
	Specs int `json:"specs"`
	// SpecOutcomes counts the selected specs by outcome.
	SpecOutcomes SpecCounts `json:"specOutcomes"`
}

// SpecCounts counts specs by outcome, over all requirements. A
// requirement's verdict hides its should-level failures once a must-level
// spec failed; these counts do not.
type SpecCounts struct {
	// Passed counts passes, limited ones included.
	Passed int `json:"passed"`
	// Limited counts the limited passes.
	Limited int `json:"limited"`
	// FailedMust counts the failed must-level specs.
	FailedMust int `json:"failedMust"`
	// FailedShould counts the failed should-level specs.
	FailedShould int `json:"failedShould"`
	// FailedShouldInFailed counts the should-level failures in
	// requirements that also failed at must level.
	FailedShouldInFailed int `json:"failedShouldInFailed"`
	// Blocked counts specs blocked by another requirement.
	Blocked int `json:"blocked"`
	// NotApplicable counts specs that cannot apply to the target.
	NotApplicable int `json:"notApplicable"`
	// Skipped counts specs that were selected but did not run.
	Skipped int `json:"skipped"`
	// Interrupted counts specs cut short or never run by an interrupt.
	Interrupted int `json:"interrupted"`
}

// Summary is the outcome of a run, per requirement and per spec: what the
// console table shows and the JSON report holds.
type Summary struct {
	// SchemaVersion is SchemaVersion: the shape schema/report.schema.json
	// describes.
	SchemaVersion string `json:"schemaVersion"`
	// Wirecert is the build that wrote the report, omitted when unknown.
	Wirecert Build `json:"wirecert,omitzero"`

	// Suite names the suite(s) run: Options.Suite, else the Ginkgo suite
	// description.
	Suite string `json:"suite"`
	// Target names what was tested, once for the whole report: Options.Target,
	// else the targets the specs recorded (requirement.RecordTarget). Spec
	// texts and IDs leave it out.
	Target string `json:"target"`
	// Strict says should-level failures failed the run (Options.Strict).
	Strict bool `json:"strict"`
	// DryRun is Ginkgo's dry run: specs were listed, not run.
	DryRun bool `json:"dryRun,omitempty"`
	// LabelFilter is the run's Ginkgo label filter.
	LabelFilter string `json:"labelFilter,omitempty"`
	// Focus are the run's focus regular expressions.
	Focus []string `json:"focus,omitempty"`
	// Skip are the run's skip regular expressions.
	Skip []string `json:"skip,omitempty"`
	// StartTime is when the run started.
	StartTime time.Time `json:"startTime"`
	// DurationSeconds is how long the whole run took.
	DurationSeconds float64 `json:"durationSeconds"`
	// Result is one of PASS, FAIL, INCOMPLETE, INTERRUPTED, DRY RUN.
	Result Result `json:"result"`
	// ExitCode is Result's exit status: 0 PASS or DRY RUN, 1 FAIL,
	// 3 INCOMPLETE, 4 INTERRUPTED.
	ExitCode int `json:"exitCode"`
	// SuiteFailures are failures outside any spec: a failed setup node,
	// nothing selected. They fail the run.
	SuiteFailures []string `json:"suiteFailures,omitempty"`
	// Interruptions say why the run was cut short: "Interrupted by User",
	// "Suite Timeout Elapsed".
	Interruptions []string `json:"interruptions,omitempty"`
	// Totals counts requirements by verdict and specs by outcome.
	Totals Totals `json:"totals"`
	// Parallel is set, and nothing else, in what RunSpecs returns on a
	// parallel process other than the first (`ginkgo -p`): only the first
	// gets the merged report and judges every process's specs.
	Parallel bool `json:"-"`
	// Requirements are the verdicts, one per requirement, in ID order.
	Requirements []RequirementResult `json:"requirements"`
	// Specs are the selected specs, in the order they were reported.
	Specs []SpecResult `json:"specs"`
}

// Ginkgo's SpecialSuiteFailureReasons for a run cut short, and for a
// suite that skipped itself in BeforeSuite (its specs show as skipped).
var (
	interruptReasons = []string{"Interrupted by User", "Interrupted by Other Ginkgo Process", "Suite Timeout Elapsed"}
	skippedSuite     = "Suite skipped in BeforeSuite"
)

// suiteTimeoutPrefix starts the failure of a spec that was running when the
// suite timeout elapsed: the run's bound, not the target's fault.
const suiteTimeoutPrefix = "A suite timeout occurred"

// notRunInterrupted is the message of a selected spec that never ran
// because the run was cut short first.
const notRunInterrupted = "not run: the run was interrupted first"

// notRunDry is the message of every spec of a dry run.
const notRunDry = "not run: dry run"

// Summarize computes the verdicts of r. Specs the run's filters (label
// filter, focus, skip, focus and skip files) deselected are left out; specs
// that were selected but skipped count as skipped.
func Summarize(r types.Report, opts Options) Summary {
	s := Summary{
		SchemaVersion:   SchemaVersion,
		Wirecert:        wirecertBuild(),
		Suite:           opts.Suite,
		Target:          opts.Target,
		Strict:          opts.Strict,
		DryRun:          r.SuiteConfig.DryRun,
		LabelFilter:     r.SuiteConfig.LabelFilter,
		Focus:           r.SuiteConfig.FocusStrings,
		Skip:            r.SuiteConfig.SkipStrings,
		StartTime:       r.StartTime,
		DurationSeconds: r.RunTime.Seconds(),
		Requirements:    []RequirementResult{},
		Specs:           []SpecResult{},
	}
	if s.Suite == "" {
		s.Suite = r.SuiteDescription
	}
	for _, reason := range r.SpecialSuiteFailureReasons {
		switch {
		case slices.Contains(interruptReasons, reason):
			s.Interruptions = append(s.Interruptions, reason)
		case reason == skippedSuite: // its specs are skipped: unchecked, not failed
		default:
			s.SuiteFailures = append(s.SuiteFailures, reason)
		}
	}
	ctx := classifyContext{interrupted: len(s.Interruptions) > 0, dryRun: s.DryRun}
	sel := newSelection(r)
	byID := map[string]*RequirementResult{}
	for _, sr := range r.SpecReports {
		if !sr.LeafNodeType.Is(types.NodeTypeIt) {
			if sr.State.Is(types.SpecStateFailureStates) && !ctx.interruptedState(sr) {
				s.SuiteFailures = append(s.SuiteFailures, fmt.Sprintf("%s at %s %s: %s",
					sr.LeafNodeType, sr.LeafNodeLocation, sr.State, firstLine(failureMessage(sr))))
			}
			continue
		}
		if !sel.selected(sr) {
			continue
		}
		res := ctx.specResult(sr)
		s.Specs = append(s.Specs, res)
		req := byID[res.Requirement]
		if req == nil {
			req = &RequirementResult{ID: res.Requirement}
			if q, ok := requirement.Lookup(res.Requirement); ok {
				req.Text = q.Text
			}
			byID[res.Requirement] = req
		}
		if !slices.Contains(req.Levels, res.Level) {
			req.Levels = append(req.Levels, res.Level)
		}
		req.Count(res)
	}
	for _, req := range byID {
		slices.Sort(req.Levels) // "must" before "should"
		s.Requirements = append(s.Requirements, *req)
	}
	sort.Slice(s.Requirements, func(i, j int) bool { return s.Requirements[i].ID < s.Requirements[j].ID })
	failed := map[string]bool{}
	for i := range s.Requirements {
		judge(&s.Requirements[i], s.Specs, opts.Strict)
		failed[s.Requirements[i].ID] = s.Requirements[i].Verdict == VerdictFailed
	}
	if !s.DryRun {
		for i := range s.Requirements {
			s.Requirements[i].Unchecked = unchecked(s.Requirements[i], s.Specs, failed)
		}
	}
	s.Totals = totals(s.Requirements, s.Specs)
	if s.Target == "" {
		s.Target = recordedTargets(r)
	}
	if len(s.Specs) == 0 {
		s.SuiteFailures = append(s.SuiteFailures, "no spec selected: nothing was certified")
	}
	s.Result = result(s)
	s.ExitCode = s.Result.Exit()
	return s
}

// result decides the run: a failure found is true whatever came after, so
// FAIL comes before INTERRUPTED, and both before INCOMPLETE.
func result(s Summary) Result {
	switch {
	case len(s.SuiteFailures) > 0:
		return ResultFail
	case s.DryRun:
		return ResultDryRun
	case s.Totals.Failed > 0:
		return ResultFail
	case len(s.Interruptions) > 0 || s.Totals.SpecOutcomes.Interrupted > 0:
		return ResultInterrupted
	case s.Totals.Unchecked > 0:
		return ResultIncomplete
	}
	return ResultPass
}

// count adds res to req's counts.
func (req *RequirementResult) Count(res SpecResult) {
	switch res.Outcome {
	case OutcomePassed:
		req.Passed++
	case OutcomeLimited:
		req.Passed++
		req.Limited++
		for _, l := range res.Limits {
			if !slices.Contains(req.Limits, l) {
				req.Limits = append(req.Limits, l)
			}
		}
	case OutcomeFailed:
		req.Failed++
		if res.Level == requirement.Should {
			req.FailedShould++
		}
	case OutcomeBlocked:
		req.Blocked++
	case OutcomeNotApplicable:
		req.NotApplicable++
	case OutcomeInterrupted:
		req.Interrupted++
	default:
		req.Skipped++
	}
}

// specsOf returns the specs of req, and the deciding ones: its must-level
// specs, or all when it has none.
func specsOf(id string, specs []SpecResult) (all, deciding []SpecResult) {
	for _, sp := range specs {
		if sp.Requirement == id {
			all = append(all, sp)
			if sp.Level != requirement.Should {
				deciding = append(deciding, sp)
			}
		}
	}
	if len(deciding) == 0 {
		deciding = all
	}
	return all, deciding
}

// judge sets req's verdict (and BlockedBy) by the rules documented on
// Verdict.
func judge(req *RequirementResult, specs []SpecResult, strict bool) {
	all, deciding := specsOf(req.ID, specs)
	has := func(sps []SpecResult, ok func(SpecResult) bool) bool { return slices.ContainsFunc(sps, ok) }
	is := func(o Outcome) func(SpecResult) bool { return func(sp SpecResult) bool { return sp.Outcome == o } }
	switch {
	case has(all, func(sp SpecResult) bool {
		return sp.Outcome == OutcomeFailed && (sp.Level != requirement.Should || strict)
	}):
		req.Verdict = VerdictFailed
	case has(all, is(OutcomeInterrupted)):
		req.Verdict = VerdictInterrupted
	case has(deciding, is(OutcomeBlocked)):
		req.Verdict = VerdictBlocked
		for _, sp := range deciding {
			if sp.Outcome == OutcomeBlocked && !slices.Contains(req.BlockedBy, sp.BlockedBy) {
				req.BlockedBy = append(req.BlockedBy, sp.BlockedBy)
			}
		}
		slices.Sort(req.BlockedBy)
	case has(all, is(OutcomeFailed)):
		req.Verdict = VerdictFailedShould
	case has(deciding, is(OutcomeSkipped)):
		req.Verdict = VerdictSkipped
	case !has(deciding, func(sp SpecResult) bool { return sp.Outcome.Passed() }):
		req.Verdict = VerdictNotApplicable
	case req.Limited > 0:
		req.Verdict = VerdictLimited
	default:
		req.Verdict = VerdictPassed
	}
}

// unchecked says why req, when it has must-level specs, was left unchecked
// at must level; "" when it was checked or failed (a failure fails the run
// anyway). failed says which requirements failed, to tell a blocked one
// whose blocker failed (the run fails) from one whose blocker passed or was
// not selected.
func unchecked(req RequirementResult, specs []SpecResult, failed map[string]bool) string {
	if req.Verdict == VerdictFailed || !slices.Contains(req.Levels, requirement.Must) {
		return ""
	}
	_, must := specsOf(req.ID, specs)
	var blockers []string
	seen := map[string]bool{}
	for _, sp := range must {
		if sp.Outcome != OutcomeBlocked || seen[sp.BlockedBy] {
			continue
		}
		seen[sp.BlockedBy] = true
		b := sp.BlockedBy
		switch _, ran := failed[b]; {
		case b == requirement.Target:
			b = "the target, which could not be reached"
		case failed[b]:
			b += ", which failed"
		case !ran:
			b += ", not selected"
		}
		blockers = append(blockers, b)
	}
	if len(blockers) > 0 {
		slices.Sort(blockers)
		return "blocked by " + strings.Join(blockers, "; ")
	}
	for _, o := range []Outcome{OutcomeInterrupted, OutcomeSkipped} {
		if i := slices.IndexFunc(must, func(sp SpecResult) bool { return sp.Outcome == o }); i >= 0 {
			if msg := firstLine(must[i].Message); msg != "" {
				return string(o) + ": " + msg
			}
			return string(o)
		}
	}
	if !slices.ContainsFunc(must, func(sp SpecResult) bool { return sp.Outcome.Passed() }) {
		if len(must) > 0 {
			return firstLine(must[0].Message)
		}
		return string(OutcomeNotApplicable)
	}
	return ""
}

// totals counts the requirements by verdict and the specs by outcome.
func totals(reqs []RequirementResult, specs []SpecResult) Totals {
	t := Totals{Requirements: len(reqs), Specs: len(specs)}
	failedMust := map[string]bool{}
	for _, req := range reqs {
		switch req.Verdict {
		case VerdictPassed:
			t.Passed++
		case VerdictLimited:
			t.Limited++
		case VerdictFailed:
			t.Failed++
		case VerdictFailedShould:
			t.FailedShould++
		case VerdictBlocked:
			t.Blocked++
		case VerdictNotApplicable:
			t.NotApplicable++
		case VerdictInterrupted:
			t.Interrupted++
		default:
			t.Skipped++
		}
		if req.Unchecked != "" {
			t.Unchecked++
		}
		failedMust[req.ID] = req.Failed > req.FailedShould
	}
	c := &t.SpecOutcomes
	for _, sp := range specs {
		switch sp.Outcome {
		case OutcomePassed:
			c.Passed++
		case OutcomeLimited:
			c.Passed++
			c.Limited++
		case OutcomeFailed:
			switch {
			case sp.Level != requirement.Should:
				c.FailedMust++
			case failedMust[sp.Requirement]:
				c.FailedShould++
				c.FailedShouldInFailed++
			default:
				c.FailedShould++
			}
		case OutcomeBlocked:
			c.Blocked++
		case OutcomeNotApplicable:
			c.NotApplicable++
		case OutcomeInterrupted:
			c.Interrupted++
		default:
			c.Skipped++
		}
	}
	return t
}

// classifyContext is what the run as a whole says about its specs.
type classifyContext struct {
	interrupted bool // the run was cut short
	dryRun      bool
}

// interruptedState says whether sr ended because the run was cut short,
// not because of the target: an interrupt, or the suite timeout elapsing
// while it ran.
func (c classifyContext) interruptedState(sr types.SpecReport) bool {
	return sr.State.Is(types.SpecStateInterrupted) ||
		(sr.State.Is(types.SpecStateTimedout) && strings.HasPrefix(sr.Failure.Message, suiteTimeoutPrefix))
}

// outcome classifies sr.
func (c classifyContext) outcome(sr types.SpecReport) (Outcome, string) {
	msg := failureMessage(sr)
	switch {
	case c.dryRun && !sr.State.Is(types.SpecStateFailureStates):
		return OutcomeSkipped, notRunDry
	case c.interruptedState(sr):
		return OutcomeInterrupted, msg
	case sr.State.Is(types.SpecStatePassed):
		if len(entries(sr, requirement.LimitedEntry)) > 0 {
			return OutcomeLimited, msg
		}
		return OutcomePassed, msg
	case sr.State.Is(types.SpecStateSkipped) && strings.HasPrefix(msg, requirement.NotApplicablePrefix):
		return OutcomeNotApplicable, msg
	case sr.State.Is(types.SpecStateSkipped) && strings.HasPrefix(msg, requirement.BlockedPrefix):
		return OutcomeBlocked, msg
	case sr.State.Is(types.SpecStateSkipped) && msg == "" && c.interrupted:
		// Ginkgo skips the specs left after an interrupt, silently.
		return OutcomeInterrupted, notRunInterrupted
	case sr.State.Is(types.SpecStateSkipped | types.SpecStatePending):
		return OutcomeSkipped, msg
	}
	return OutcomeFailed, msg
}

func (c classifyContext) specResult(sr types.SpecReport) SpecResult {
	id, level := requirement.FromLabels(sr.Labels())
	if id == "" {
		id = Unlabelled
	}
	if level == "" {
		level = requirement.Must // an unlevelled spec must not be waived
	}
	res := SpecResult{
		ID:              requirement.SpecIDOf(sr.LeafNodeText),
		Requirement:     id,
		Level:           level,
		Text:            sr.FullText(),
		State:           sr.State.String(),
		DurationSeconds: sr.RunTime.Seconds(),
		Limits:          entries(sr, requirement.LimitedEntry),
		Leftovers:       entries(sr, requirement.LeftoverEntry),
		Transcript:      entryTranscript(sr),
	}
	res.Outcome, res.Message = c.outcome(sr)
	switch res.Outcome {
	case OutcomeBlocked:
		rest := strings.TrimPrefix(res.Message, requirement.BlockedPrefix)
		res.BlockedBy, _, _ = strings.Cut(rest, ": ")
	case OutcomeFailed:
		if loc := sr.Failure.Location; loc.FileName != "" {
			res.Location = fmt.Sprintf("%s:%d", loc.FileName, loc.LineNumber)
		}
		if esc := entries(sr, requirement.EscapedEntry); len(esc) > 0 {
			res.Note = fmt.Sprintf("the precondition of %s ended by ginkgo.Fail or a panic, not a Gomega assertion: not attributed to it", esc[0])
		}
	}
	res.Output, res.OutputDroppedBytes = outputTail(strings.TrimSpace(sr.CapturedGinkgoWriterOutput + "\n" + sr.CapturedStdOutErr))
	return res
}

// recordedTargets joins the targets r's specs recorded, in the order first
// seen.
func recordedTargets(r types.Report) string {
	var targets []string
	for _, sr := range r.SpecReports {
		for _, t := range entries(sr, requirement.TargetEntry) {
			if !slices.Contains(targets, t) {
				targets = append(targets, t)
			}
		}
	}
	return strings.Join(targets, ", ")
}

// entries returns the values of sr's report entries named name.
func entries(sr types.SpecReport, name string) []string {
	var out []string
	for _, e := range sr.ReportEntries {
		if e.Name == name {
			v := e.StringRepresentation()
			if v == "" {
				v = e.Value.Representation // a report decoded from JSON
			}
			if !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	return out
}

// failureMessage is the failure (or skip) message, with a forwarded panic.
func failureMessage(sr types.SpecReport) string {
	msg := plainMessage(sr.Failure.Message)
	if sr.Failure.ForwardedPanic != "" {
		msg = strings.TrimSpace(msg + "\n" + sr.Failure.ForwardedPanic)
	}
	return msg
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return strings.TrimSpace(s[:i])
	}
	return s
}
