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

// Verdict is the outcome of one requirement.
type Verdict string

// The verdicts. VerdictFailedShould is a should-level failure in a run
// without Strict: reported, but it does not fail the run.
const (
	VerdictPassed       Verdict = "passed"
	VerdictFailed       Verdict = "failed"
	VerdictFailedShould Verdict = "failed (should)"
	VerdictSkipped      Verdict = "skipped"
	// VerdictNotApplicable: every selected spec of the requirement said
	// it cannot apply to the target's shape, with its reason.
	VerdictNotApplicable Verdict = "not applicable"
)

// Unlabelled is the ID under which specs citing no requirement are grouped;
// they count as must, so a suite cannot pass by forgetting a label.
const Unlabelled = "(unlabelled)"

// Outcome is what became of one spec, Ginkgo's states folded into three.
type Outcome string

// The outcomes.
const (
	OutcomePassed  Outcome = "passed"
	OutcomeFailed  Outcome = "failed"
	OutcomeSkipped Outcome = "skipped"
	// OutcomeNotApplicable is a spec that skipped itself as not
	// applicable to the target (requirement.NotApplicable).
	OutcomeNotApplicable Outcome = "not applicable"
)

// SpecResult is one selected spec.
type SpecResult struct {
	ID    string            `json:"id"`
	Level requirement.Level `json:"level"`
	// Text is the spec's full text (containers and leaf).
	Text    string  `json:"text"`
	Outcome Outcome `json:"outcome"`
	// State is Ginkgo's state: passed, skipped, pending, failed, panicked,
	// timedout, interrupted, aborted.
	State           string  `json:"state"`
	DurationSeconds float64 `json:"durationSeconds"`
	// Message is the failure message, or the reason given to Skip.
	Message string `json:"message,omitempty"`
	// Location is where the failure happened, file:line.
	Location string `json:"location,omitempty"`
}

// RequirementResult is the verdict on one requirement over its selected
// specs.
type RequirementResult struct {
	ID      string              `json:"id"`
	Text    string              `json:"text"`
	Levels  []requirement.Level `json:"levels"`
	Verdict Verdict             `json:"verdict"`
	Passed  int                 `json:"passed"`
	Failed  int                 `json:"failed"`
	Skipped int                 `json:"skipped"`
	// NotApplicable counts specs that cannot apply to the target.
	NotApplicable int `json:"notApplicable"`
}

// Totals counts requirements by verdict, and specs.
type Totals struct {
	Requirements int `json:"requirements"`
	Passed       int `json:"passed"`
	Failed       int `json:"failed"`
	FailedShould int `json:"failedShould"`
	Skipped      int `json:"skipped"`
	// NotApplicable counts requirements none of whose specs apply.
	NotApplicable int `json:"notApplicable"`
	Specs         int `json:"specs"`
}

// Summary is the outcome of a run, per requirement and per spec: what the
// console table shows and the JSON report holds.
type Summary struct {
	Suite  string `json:"suite"`
	Target string `json:"target"`
	Strict bool   `json:"strict"`
	// LabelFilter, Focus and Skip are the selection the run used.
	LabelFilter     string    `json:"labelFilter,omitempty"`
	Focus           []string  `json:"focus,omitempty"`
	Skip            []string  `json:"skip,omitempty"`
	StartTime       time.Time `json:"startTime"`
	DurationSeconds float64   `json:"durationSeconds"`
	// ExitCode is 0 when the run certifies the target, else 1.
	ExitCode int `json:"exitCode"`
	// SuiteFailures are failures outside any spec: a failed setup node, an
	// interrupt, a suite timeout, nothing selected.
	SuiteFailures []string            `json:"suiteFailures,omitempty"`
	Totals        Totals              `json:"totals"`
	Requirements  []RequirementResult `json:"requirements"`
	Specs         []SpecResult        `json:"specs"`
}

// Summarize computes the verdicts of r. Specs the run's filters (label
// filter, focus, skip, focus and skip files) deselected are left out; specs
// that were selected but skipped count as skipped.
func Summarize(r types.Report, opts Options) Summary {
	s := Summary{
		Suite:           opts.Suite,
		Target:          opts.Target,
		Strict:          opts.Strict,
		LabelFilter:     r.SuiteConfig.LabelFilter,
		Focus:           r.SuiteConfig.FocusStrings,
		Skip:            r.SuiteConfig.SkipStrings,
		StartTime:       r.StartTime,
		DurationSeconds: r.RunTime.Seconds(),
		SuiteFailures:   slices.Clone(r.SpecialSuiteFailureReasons),
		Requirements:    []RequirementResult{},
		Specs:           []SpecResult{},
	}
	if s.Suite == "" {
		s.Suite = r.SuiteDescription
	}
	sel := newSelection(r)
	byID := map[string]*RequirementResult{}
	for _, sr := range r.SpecReports {
		if !sr.LeafNodeType.Is(types.NodeTypeIt) {
			if sr.State.Is(types.SpecStateFailureStates) {
				s.SuiteFailures = append(s.SuiteFailures, fmt.Sprintf("%s at %s %s: %s",
					sr.LeafNodeType, sr.LeafNodeLocation, sr.State, firstLine(failureMessage(sr))))
			}
			continue
		}
		if !sel.selected(sr) {
			continue
		}
		res := specResult(sr)
		s.Specs = append(s.Specs, res)
		req := byID[res.ID]
		if req == nil {
			req = &RequirementResult{ID: res.ID}
			if q, ok := requirement.Lookup(res.ID); ok {
				req.Text = q.Text
			}
			byID[res.ID] = req
		}
		if !slices.Contains(req.Levels, res.Level) {
			req.Levels = append(req.Levels, res.Level)
		}
		switch res.Outcome {
		case OutcomePassed:
			req.Passed++
		case OutcomeFailed:
			req.Failed++
		case OutcomeNotApplicable:
			req.NotApplicable++
		default:
			req.Skipped++
		}
	}
	for _, req := range byID {
		slices.Sort(req.Levels) // "must" before "should"
		req.Verdict = verdict(*req, s.Specs, opts.Strict)
		s.Requirements = append(s.Requirements, *req)
	}
	sort.Slice(s.Requirements, func(i, j int) bool { return s.Requirements[i].ID < s.Requirements[j].ID })

	s.Totals = Totals{Requirements: len(s.Requirements), Specs: len(s.Specs)}
	for _, req := range s.Requirements {
		switch req.Verdict {
		case VerdictPassed:
			s.Totals.Passed++
		case VerdictFailed:
			s.Totals.Failed++
		case VerdictFailedShould:
			s.Totals.FailedShould++
		case VerdictNotApplicable:
			s.Totals.NotApplicable++
		default:
			s.Totals.Skipped++
		}
	}
	if len(s.Specs) == 0 {
		s.SuiteFailures = append(s.SuiteFailures, "no spec selected: nothing was certified")
	}
	if s.Totals.Failed > 0 || len(s.SuiteFailures) > 0 {
		s.ExitCode = 1
	}
	return s
}

// verdict judges req from its specs: a failed spec that counts fails it, a
// should-level failure without strict gives "failed (should)", no pass and
// no failure means skipped.
func verdict(req RequirementResult, specs []SpecResult, strict bool) Verdict {
	if req.Failed > 0 {
		for _, sp := range specs {
			if sp.ID == req.ID && sp.Outcome == OutcomeFailed && (sp.Level != requirement.Should || strict) {
				return VerdictFailed
			}
		}
		return VerdictFailedShould
	}
	if req.Passed == 0 {
		if req.NotApplicable > 0 && req.Skipped == 0 {
			return VerdictNotApplicable
		}
		return VerdictSkipped
	}
	return VerdictPassed
}

func specResult(sr types.SpecReport) SpecResult {
	id, level := requirement.FromLabels(sr.Labels())
	if id == "" {
		id = Unlabelled
	}
	if level == "" {
		level = requirement.Must // an unlevelled spec must not be waived
	}
	res := SpecResult{
		ID:              id,
		Level:           level,
		Text:            sr.FullText(),
		State:           sr.State.String(),
		DurationSeconds: sr.RunTime.Seconds(),
		Message:         failureMessage(sr),
	}
	switch {
	case sr.State.Is(types.SpecStatePassed):
		res.Outcome = OutcomePassed
	case sr.State.Is(types.SpecStateSkipped) && strings.HasPrefix(res.Message, requirement.NotApplicablePrefix):
		res.Outcome = OutcomeNotApplicable
	case sr.State.Is(types.SpecStateSkipped | types.SpecStatePending):
		res.Outcome = OutcomeSkipped
	default:
		res.Outcome = OutcomeFailed
		if loc := sr.Failure.Location; loc.FileName != "" {
			res.Location = fmt.Sprintf("%s:%d", loc.FileName, loc.LineNumber)
		}
	}
	return res
}

// failureMessage is the failure (or skip) message, with a forwarded panic.
func failureMessage(sr types.SpecReport) string {
	msg := sr.Failure.Message
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
