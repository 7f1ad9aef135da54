package incontainer

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/wirecert/wirecert/conformance/report"
)

// ReadSummary reads an inner suite's JSON report.
func ReadSummary(path string) (report.Summary, error) {
	var s report.Summary
	b, err := os.ReadFile(path)
	if err != nil {
		return s, fmt.Errorf("inner JSON report: %w", err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("inner JSON report %s: %w", path, err)
	}
	return s, nil
}

// Failures lists what failed in an inner run, one entry per failed spec
// ("CCP-S-05 (must) failed: spec text: message at file:line") and per suite
// failure; should-level failures are listed only when they count.
func Failures(s report.Summary) []string {
	var out []string
	for _, f := range s.SuiteFailures {
		out = append(out, "suite: "+f)
	}
	counts := map[string]bool{}
	for _, r := range s.Requirements {
		counts[r.ID] = r.Verdict == report.VerdictFailed
	}
	for _, sp := range s.Specs {
		if sp.Outcome != report.OutcomeFailed || !counts[sp.Requirement] {
			continue
		}
		line := fmt.Sprintf("%s (%s) failed: %s: %s", sp.Requirement, sp.Level, sp.Text, clip(oneLine(sp.Message), maxMessage))
		if sp.Location != "" {
			line += " at " + sp.Location
		}
		out = append(out, line)
	}
	return out
}

// Totals is a one-line count of an inner run: requirements by verdict,
// should-level failures counted also where the requirement failed at must
// level, the requirements left unchecked, and the result.
func Totals(s report.Summary) string {
	t, c := s.Totals, s.Totals.SpecOutcomes
	return fmt.Sprintf("%s, %s: %d passed, %d passed (limited), %d failed, %d failed (should), %d blocked, %d skipped, %d not applicable, %d interrupted; "+
		"%s failed (%d in requirements failing at must level); %s unchecked; %s, exit %d",
		report.Count(t.Specs, "spec"), report.Count(t.Requirements, "requirement"), t.Passed, t.Limited, t.Failed, t.FailedShould, t.Blocked, t.Skipped, t.NotApplicable, t.Interrupted,
		report.Count(c.FailedShould, "should-level spec"), c.FailedShouldInFailed, report.Count(t.Unchecked, "must-level requirement"), s.Result, s.ExitCode)
}

// maxMessage clips a failure message: the first part says what failed, the
// inner JUnit and JSON reports have it whole.
const maxMessage = 400

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + " ..."
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
