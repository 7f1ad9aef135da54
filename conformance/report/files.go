package report

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"
)

// WriteJSON writes s as indented JSON to path, creating its directory.
func (s Summary) WriteJSON(path string) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the JSON report: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("JSON report %s: %w", path, err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("JSON report %s: %w", path, err)
	}
	return nil
}

// WriteJUnit writes Ginkgo's JUnit XML report of r to path, creating its
// directory. Spec names carry their labels, so each test case shows its
// requirement ID and level. Only failures of the implementation are
// <failure> (or, for a panic, <error>): a blocked, not applicable,
// interrupted or dry-run spec is <skipped> with its outcome and reason in
// the message, and every selected spec carries its outcome ("passed
// (limited: reason)", "blocked (by CCP-S-13)") as the property
// OutcomeProperty.
func WriteJUnit(r types.Report, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("JUnit report %s: %w", path, err)
	}
	if err := reporters.GenerateJUnitReport(junitView(r), path); err != nil {
		return fmt.Errorf("JUnit report %s: %w", path, err)
	}
	return nil
}

// OutcomeProperty names the JUnit test case property holding wirecert's
// outcome of the spec (SpecResult.OutcomeText).
const OutcomeProperty = "wirecert outcome"

// junitView is r as the JUnit report shows it: Ginkgo's states mapped onto
// wirecert's outcomes, so that an interrupt (Ginkgo's <error>) or a dry run
// (Ginkgo's passes) is not shown as a verdict on the implementation.
func junitView(r types.Report) types.Report {
	ctx := classifyContext{dryRun: r.SuiteConfig.DryRun}
	for _, reason := range r.SpecialSuiteFailureReasons {
		ctx.interrupted = ctx.interrupted || slices.Contains(interruptReasons, reason)
	}
	sel := newSelection(r)
	specs := make(types.SpecReports, len(r.SpecReports))
	for i, sr := range r.SpecReports {
		specs[i] = sr
		if !sr.LeafNodeType.Is(types.NodeTypeIt) || !sel.selected(sr) {
			continue
		}
		res := ctx.specResult(sr)
		sr.ReportEntries = append(slices.Clone(sr.ReportEntries), types.ReportEntry{
			Name:       OutcomeProperty,
			Value:      types.WrapEntryValue(res.OutcomeText()),
			Visibility: types.ReportEntryVisibilityNever,
			Location:   sr.LeafNodeLocation,
		})
		switch res.Outcome {
		case OutcomeInterrupted, OutcomeSkipped:
			if sr.State.Is(types.SpecStateSkipped | types.SpecStatePending) {
				break
			}
			sr.State = types.SpecStateSkipped
			sr.Failure = types.Failure{Message: string(res.Outcome) + ": " + res.Message, Location: sr.Failure.Location}
		}
		specs[i] = sr
	}
	r.SpecReports = specs
	return r
}
