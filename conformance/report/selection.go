package report

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/wirecert/wirecert/conformance/requirement"
)

// selection replays the run's filters on a spec report. Ginkgo reports a
// spec its filters deselected as "skipped", just like one that called
// Skip; only the filters tell them apart, and a deselected spec must not
// appear in the verdicts.
type selection struct {
	description string
	suiteLabels []string
	labels      types.LabelFilter
	focus, skip *regexp.Regexp
	focusFiles  types.FileFilters
	skipFiles   types.FileFilters
}

// newSelection parses r's filters; Ginkgo already parsed them to run, so
// an error here cannot happen and only drops that filter.
func newSelection(r types.Report) selection {
	sel := selection{description: r.SuiteDescription, suiteLabels: r.SuiteLabels}
	cfg := r.SuiteConfig
	if cfg.LabelFilter != "" {
		sel.labels, _ = types.ParseLabelFilter(cfg.LabelFilter)
	}
	if len(cfg.FocusStrings) > 0 {
		sel.focus, _ = regexp.Compile(strings.Join(cfg.FocusStrings, "|"))
	}
	if len(cfg.SkipStrings) > 0 {
		sel.skip, _ = regexp.Compile(strings.Join(cfg.SkipStrings, "|"))
	}
	sel.focusFiles, _ = types.ParseFileFilters(cfg.FocusFiles)
	sel.skipFiles, _ = types.ParseFileFilters(cfg.SkipFiles)
	return sel
}

// selected says whether sr was selected to run; a spec that ran was.
func (sel selection) selected(sr types.SpecReport) bool {
	if !sr.State.Is(types.SpecStateSkipped) {
		return true
	}
	if sel.labels != nil && !sel.labels(union(sel.suiteLabels, sr.Labels())) {
		return false
	}
	text := sel.description + " " + sr.FullText()
	if sel.focus != nil && !sel.focus.MatchString(text) {
		return false
	}
	if sel.skip != nil && sel.skip.MatchString(text) {
		return false
	}
	locations := append(slices.Clone(sr.ContainerHierarchyLocations), sr.LeafNodeLocation)
	if len(sel.focusFiles) > 0 && !sel.focusFiles.Matches(locations) {
		return false
	}
	if len(sel.skipFiles) > 0 && sel.skipFiles.Matches(locations) {
		return false
	}
	return true
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, l := range b {
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// ErrUnknownRequirement is returned by RequireFilter for an ID that is not
// in the catalogue.
var ErrUnknownRequirement = errors.New("unknown requirement ID")

// RequireFilter returns the Ginkgo label filter selecting the specs of the
// requirements ids, e.g. "(CCP-S-05 || CCP-S-07)". Every ID must be in the
// catalogue, so a typo cannot select nothing and still pass.
func RequireFilter(ids []string) (string, error) {
	if len(ids) == 0 {
		return "", nil
	}
	for _, id := range ids {
		if _, ok := requirement.Lookup(id); !ok {
			return "", fmt.Errorf("%w: %q, allowed an ID of the catalogue such as CCP-S-01 (see `wirecert list`)",
				ErrUnknownRequirement, id)
		}
	}
	return "(" + strings.Join(ids, " || ") + ")", nil
}

// AndFilters joins label filters with &&, leaving out empty ones.
func AndFilters(filters ...string) string {
	var parts []string
	for _, f := range filters {
		if f = strings.TrimSpace(f); f != "" {
			parts = append(parts, f)
		}
	}
	if len(parts) < 2 {
		return strings.Join(parts, "")
	}
	return "(" + strings.Join(parts, ") && (") + ")"
}

// SpecFocus returns the Ginkgo focus expressions selecting the specs ids
// ("CCP-S-05/header-length-0"), one per ID: each matches the ID where
// requirement.Describe puts it, at the start of the spec's text before its
// level, so "SPC-S-01/net" does not select "SPC-S-01/net-in-process". A
// malformed ID is an error wrapping requirement.ErrSpecID; whether a spec
// has the ID only a run (or a dry run) can tell.
func SpecFocus(ids []string) ([]string, error) {
	var focus []string
	for _, id := range ids {
		if _, _, err := requirement.ParseSpecID(id); err != nil {
			return nil, fmt.Errorf("%w (see `wirecert list`)", err)
		}
		focus = append(focus, `\b`+regexp.QuoteMeta(id)+` \(`)
	}
	return focus, nil
}
