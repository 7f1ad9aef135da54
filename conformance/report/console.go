package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/wirecert/wirecert/conformance/requirement"
)

// WriteConsole prints s as a table, one line per requirement (ID, levels,
// verdict, specs passed, failed, blocked, skipped, not applicable and
// interrupted), under it each failed, blocked, not-applicable or
// interrupted spec by its Name (its spec ID first, for --spec) with its
// message (a failed one's whole, bounded, and the last events of its wire
// transcript; the others' first line) and the reasons of its limited passes, then the
// totals, the requirements left unchecked and the result.
func (s Summary) WriteConsole(w io.Writer) error {
	bw := bufio.NewWriter(w)
	strict := "no"
	if s.Strict {
		strict = "yes (should-level failures fail the run)"
	}
	fmt.Fprintf(bw, "\nwirecert conformance summary\n  suite:  %s\n  target: %s\n  strict: %s\n", s.Suite, s.Target, strict)
	if s.DryRun {
		fmt.Fprintf(bw, "  DRY RUN: specs listed, none run\n")
	}
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
		verdictW = max(verdictW, len(r.VerdictText()))
	}
	indent := strings.Repeat(" ", idW+2)
	fmt.Fprintf(bw, "\n%-*s  %-*s  %-*s  %6s  %6s  %7s  %7s  %3s  %4s\n", idW, "REQUIREMENT", levelW, "LEVEL", verdictW, "VERDICT",
		"PASSED", "FAILED", "BLOCKED", "SKIPPED", "N/A", "INTR")
	for _, r := range s.Requirements {
		fmt.Fprintf(bw, "%-*s  %-*s  %-*s  %6d  %6d  %7d  %7d  %3d  %4d\n", idW, r.ID, levelW, levels(r.Levels), verdictW, r.VerdictText(),
			r.Passed, r.Failed, r.Blocked, r.Skipped, r.NotApplicable, r.Interrupted)
		notRun := 0
		for _, sp := range s.Specs {
			if sp.Requirement != r.ID {
				continue
			}
			switch sp.Outcome {
			case OutcomeFailed:
				fmt.Fprintf(bw, "%s%s %s: %s\n", indent, sp.Level, sp.State, sp.Name())
				writeMessage(bw, indent+"  ", sp.Message)
			case OutcomeNotApplicable:
				fmt.Fprintf(bw, "%s%s not applicable: %s\n", indent, sp.Level, sp.Name())
				fmt.Fprintf(bw, "%s  %s\n", indent, firstLine(strings.TrimPrefix(sp.Message, requirement.NotApplicablePrefix)))
			case OutcomeBlocked:
				fmt.Fprintf(bw, "%s%s blocked by %s: %s\n", indent, sp.Level, sp.BlockedBy, sp.Name())
				fmt.Fprintf(bw, "%s  %s\n", indent, firstLine(strings.TrimPrefix(sp.Message, requirement.BlockedPrefix+sp.BlockedBy+": ")))
			case OutcomeInterrupted:
				if sp.Message == notRunInterrupted {
					notRun++
					continue
				}
				fmt.Fprintf(bw, "%s%s interrupted: %s\n", indent, sp.Level, sp.Name())
				fmt.Fprintf(bw, "%s  %s\n", indent, firstLine(sp.Message))
			default:
				continue
			}
			if sp.Note != "" {
				fmt.Fprintf(bw, "%s  note: %s\n", indent, sp.Note)
			}
			if sp.Location != "" {
				fmt.Fprintf(bw, "%s  at %s\n", indent, sp.Location)
			}
			if sp.Outcome == OutcomeFailed && sp.Transcript != nil {
				fmt.Fprintf(bw, "%s  %s\n", indent, strings.ReplaceAll(sp.Transcript.Tail(consoleTail), "\n", "\n"+indent+"  "))
			}
		}
		if notRun > 0 {
			fmt.Fprintf(bw, "%s%d not run: the run was interrupted first\n", indent, notRun)
		}
		for _, l := range r.Limits {
			fmt.Fprintf(bw, "%spassed (limited: %s)\n", indent, firstLine(l))
		}
	}
	bw.WriteString("\n")
	s.writeTotals(bw)
	return bw.Flush()
}

// WriteTotals prints what WriteConsole ends with: the suite failures and
// interruptions, the totals, the requirements left unchecked and the
// result, without the table (wirecert -q).
func (s Summary) WriteTotals(w io.Writer) error {
	bw := bufio.NewWriter(w)
	s.writeTotals(bw)
	return bw.Flush()
}

func (s Summary) writeTotals(bw *bufio.Writer) {
	for _, f := range s.SuiteFailures {
		fmt.Fprintf(bw, "suite failure: %s\n", firstLine(f))
	}
	for _, f := range s.Interruptions {
		fmt.Fprintf(bw, "interrupted: %s\n", firstLine(f))
	}
	t, c := s.Totals, s.Totals.SpecOutcomes
	fmt.Fprintf(bw, "%s: %d passed, %d passed (limited), %d failed, %d failed (should), %d blocked, %d skipped, %d not applicable, %d interrupted\n",
		Count(t.Requirements, "requirement"), t.Passed, t.Limited, t.Failed, t.FailedShould, t.Blocked, t.Skipped, t.NotApplicable, t.Interrupted)
	fmt.Fprintf(bw, "%s: %d passed (%d limited), %d failed at must level, %d failed at should level (%d of them in requirements that also failed at must level), %d blocked, %d skipped, %d not applicable, %d interrupted; in %.1fs\n",
		Count(t.Specs, "spec"), c.Passed, c.Limited, c.FailedMust, c.FailedShould, c.FailedShouldInFailed, c.Blocked, c.Skipped, c.NotApplicable, c.Interrupted, s.DurationSeconds)
	if t.Unchecked > 0 {
		fmt.Fprintf(bw, "%s left unchecked:\n", Count(t.Unchecked, "must-level requirement"))
		for _, r := range s.Requirements {
			if r.Unchecked != "" {
				fmt.Fprintf(bw, "  %s: %s\n", r.ID, firstLine(r.Unchecked))
			}
		}
	}
	fmt.Fprintf(bw, "RESULT: %s (exit %d)%s\n", s.Result, s.ExitCode, resultNote(s))
}

// consoleTail is how many transcript events the console shows under a
// failed spec.
const consoleTail = 8

// consoleMessageLines bounds the lines of a failure message the console
// shows: enough for what was expected and what came; the reports have all.
const consoleMessageLines = 12

// writeMessage prints a failure message under a spec, each line indented,
// blank lines dropped, at most consoleMessageLines of them.
func writeMessage(w io.Writer, indent, msg string) {
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(msg), "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, strings.TrimRight(l, " \t"))
		}
	}
	shown := lines[:min(len(lines), consoleMessageLines)]
	for _, l := range shown {
		fmt.Fprintf(w, "%s%s\n", indent, l)
	}
	if more := len(lines) - len(shown); more > 0 {
		fmt.Fprintf(w, "%s(%s more: the JSON and JUnit reports have the whole message)\n", indent, Count(more, "line"))
	}
}

// resultNote says what a result other than PASS and FAIL means.
func resultNote(s Summary) string {
	switch s.Result {
	case ResultDryRun:
		return ": nothing ran, nothing is certified"
	case ResultInterrupted:
		return ": the run was cut short; not a verdict on the target"
	case ResultIncomplete:
		return ": must-level requirements left unchecked; not certified"
	}
	return ""
}

// VerdictText is the verdict as the console shows it: "blocked (by
// CCP-S-13)" names the blockers.
func (r RequirementResult) VerdictText() string {
	if r.Verdict == VerdictBlocked && len(r.BlockedBy) > 0 {
		return fmt.Sprintf("%s (by %s)", r.Verdict, strings.Join(r.BlockedBy, ", "))
	}
	return string(r.Verdict)
}

// OutcomeText is the outcome as reports show it: "passed (limited:
// reason)", "blocked (by CCP-S-13)".
func (sp SpecResult) OutcomeText() string {
	switch {
	case sp.Outcome == OutcomeLimited && len(sp.Limits) > 0:
		return fmt.Sprintf("passed (limited: %s)", strings.Join(sp.Limits, "; "))
	case sp.Outcome == OutcomeBlocked && sp.BlockedBy != "":
		return fmt.Sprintf("blocked (by %s)", sp.BlockedBy)
	}
	return string(sp.Outcome)
}

func levels(ls []requirement.Level) string {
	parts := make([]string, len(ls))
	for i, l := range ls {
		parts[i] = string(l)
	}
	return strings.Join(parts, ",")
}
