package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/wirecert/wirecert/conformance/requirement"
)

// WriteConsole prints s as a table, one line per requirement (ID, levels,
// verdict, passed/failed/skipped counts), each failed spec under its
// requirement with the first line of its failure message, then the totals
// and the result.
func (s Summary) WriteConsole(w io.Writer) error {
	bw := bufio.NewWriter(w)
	strict := "no"
	if s.Strict {
		strict = "yes (should-level failures fail the run)"
	}
	fmt.Fprintf(bw, "\nwirecert conformance summary\n  suite:  %s\n  target: %s\n  strict: %s\n", s.Suite, s.Target, strict)
	if s.LabelFilter != "" {
		fmt.Fprintf(bw, "  labels: %s\n", s.LabelFilter)
	}
	if len(s.Focus) > 0 {
		fmt.Fprintf(bw, "  focus:  %s\n", strings.Join(s.Focus, " | "))
	}

	idW, levelW, verdictW := len("REQUIREMENT"), len("LEVEL"), len(VerdictNotApplicable)
	for _, r := range s.Requirements {
		idW = max(idW, len(r.ID))
		levelW = max(levelW, len(levels(r.Levels)))
	}
	fmt.Fprintf(bw, "\n%-*s  %-*s  %-*s  %6s  %6s  %7s  %3s\n", idW, "REQUIREMENT", levelW, "LEVEL", verdictW, "VERDICT", "PASSED", "FAILED", "SKIPPED", "N/A")
	for _, r := range s.Requirements {
		fmt.Fprintf(bw, "%-*s  %-*s  %-*s  %6d  %6d  %7d  %3d\n", idW, r.ID, levelW, levels(r.Levels), verdictW, r.Verdict, r.Passed, r.Failed, r.Skipped, r.NotApplicable)
		for _, sp := range s.Specs {
			if sp.ID != r.ID || (sp.Outcome != OutcomeFailed && sp.Outcome != OutcomeNotApplicable) {
				continue
			}
			indent := strings.Repeat(" ", idW+2)
			fmt.Fprintf(bw, "%s%s %s: %s\n", indent, sp.Level, sp.State, sp.Text)
			fmt.Fprintf(bw, "%s  %s\n", indent, firstLine(sp.Message))
			if sp.Location != "" {
				fmt.Fprintf(bw, "%s  at %s\n", indent, sp.Location)
			}
		}
	}
	for _, f := range s.SuiteFailures {
		fmt.Fprintf(bw, "\nsuite failure: %s\n", firstLine(f))
	}
	t := s.Totals
	fmt.Fprintf(bw, "\n%d requirements: %d passed, %d failed, %d failed (should), %d skipped, %d not applicable; %d specs in %.1fs\n",
		t.Requirements, t.Passed, t.Failed, t.FailedShould, t.Skipped, t.NotApplicable, t.Specs, s.DurationSeconds)
	if s.ExitCode == 0 {
		fmt.Fprintf(bw, "RESULT: PASS (exit 0)\n")
	} else {
		fmt.Fprintf(bw, "RESULT: FAIL (exit %d)\n", s.ExitCode)
	}
	return bw.Flush()
}

func levels(ls []requirement.Level) string {
	parts := make([]string, len(ls))
	for i, l := range ls {
		parts[i] = string(l)
	}
	return strings.Join(parts, ",")
}
