package report

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/wirecert/wirecert/conformance/requirement"
)

// The HTML report's page, style and script, inlined into every report so
// that the file needs nothing else.
var (
	//go:embed html/report.html.tmpl
	htmlPageText string
	//go:embed html/report.css
	htmlCSS string
	//go:embed html/report.js
	htmlJS string

	htmlPage = template.Must(template.New("report").Funcs(template.FuncMap{"join": strings.Join}).Parse(htmlPageText))
)

// htmlCSP is the report's Content-Security-Policy: nothing is fetched, and
// only the report's own style and script run (by their hashes), so a
// report opened from a CI artifact cannot reach the network whatever a
// target put in a message.
var htmlCSP = "default-src 'none'; style-src " + cspHash(htmlCSS) + "; script-src " + cspHash(htmlJS) +
	"; base-uri 'none'; form-action 'none'"

// cspHash is a CSP source matching an inline element whose content is s.
func cspHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// WriteHTML writes s as one self-contained HTML page to path, creating its
// directory: the run's header, the requirement matrix coloured by verdict,
// and per requirement its specs with their messages and transcripts (a hex
// dump beside the decoded form of each event). Style and script are inline
// and the page fetches nothing; without script it shows everything, with
// it the filters (failed, failed (should), blocked) work, also from the
// address: report.html?filter=failed.
func (s Summary) WriteHTML(path string) error {
	var buf bytes.Buffer
	if err := htmlPage.Execute(&buf, newHTMLView(s)); err != nil {
		return fmt.Errorf("rendering the HTML report: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("HTML report %s: %w", path, err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("HTML report %s: %w", path, err)
	}
	return nil
}

// htmlView is what the page template reads: the summary, and what the
// template cannot compute.
type htmlView struct {
	S            Summary
	Result       string
	ResultClass  string
	Started      string
	Duration     string
	Build        string
	SpecTotals   string
	Legend       []htmlCount
	Filters      []htmlCount
	Requirements []htmlRequirement
	CSP          string
	CSS          template.CSS
	JS           template.JS
}

// htmlCount is a legend entry or a filter button.
type htmlCount struct {
	Name, Label, Class string
	Count              int
}

// htmlRequirement is one requirement: a matrix row and its section.
type htmlRequirement struct {
	RequirementResult
	Anchor string
	Class  string
	// Tags are the filters that show it: those of its specs, and its
	// verdict's.
	Tags string
	// Counts are its specs passed, failed, blocked, skipped, not
	// applicable and interrupted: the matrix's columns.
	Counts []int
	Specs  []htmlSpec
}

// Levels is the requirement's levels as the console shows them.
func (r htmlRequirement) Levels() string { return levels(r.RequirementResult.Levels) }

// htmlSpec is one spec's section.
type htmlSpec struct {
	SpecResult
	Anchor            string
	Class             string
	Tags              string
	Open              bool
	Duration          string
	MessageHeading    string
	RequirementAnchor string
	RequirementText   string
	Transcript        *htmlTranscript
}

// Filter tags: which filter button shows a spec or requirement.
const (
	tagFailed  = "failed"
	tagShould  = "should"
	tagBlocked = "blocked"
)

// verdictClass is the CSS class colouring a verdict (or the outcome of the
// same name).
var verdictClass = map[Verdict]string{
	VerdictPassed:        "v-passed",
	VerdictLimited:       "v-limited",
	VerdictFailed:        "v-failed",
	VerdictFailedShould:  "v-failed-should",
	VerdictBlocked:       "v-blocked",
	VerdictSkipped:       "v-skipped",
	VerdictNotApplicable: "v-na",
	VerdictInterrupted:   "v-interrupted",
}

func newHTMLView(s Summary) htmlView {
	v := htmlView{
		S:           s,
		Result:      fmt.Sprintf("%s (exit %d)", s.Result, s.ExitCode),
		ResultClass: "r-" + strings.ReplaceAll(strings.ToLower(string(s.Result)), " ", "-"),
		Duration:    strconv.FormatFloat(s.DurationSeconds, 'f', 1, 64) + " s",
		Build:       strings.TrimSpace(strings.Join(nonEmptyStrings(s.Wirecert.Version, commitText(s.Wirecert.Commit)), " ")),
		CSP:         htmlCSP,
		CSS:         template.CSS(htmlCSS),
		JS:          template.JS(htmlJS),
	}
	if !s.StartTime.IsZero() {
		v.Started = s.StartTime.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	c := s.Totals.SpecOutcomes
	v.SpecTotals = fmt.Sprintf("%d: %d passed (%d limited), %d failed at must level, %d at should level, %d blocked, %d skipped, %d not applicable, %d interrupted",
		s.Totals.Specs, c.Passed, c.Limited, c.FailedMust, c.FailedShould, c.Blocked, c.Skipped, c.NotApplicable, c.Interrupted)
	t := s.Totals
	for _, l := range []struct {
		v Verdict
		n int
	}{{VerdictPassed, t.Passed}, {VerdictLimited, t.Limited}, {VerdictFailed, t.Failed}, {VerdictFailedShould, t.FailedShould},
		{VerdictBlocked, t.Blocked}, {VerdictSkipped, t.Skipped}, {VerdictNotApplicable, t.NotApplicable}, {VerdictInterrupted, t.Interrupted}} {
		v.Legend = append(v.Legend, htmlCount{Label: string(l.v), Class: verdictClass[l.v], Count: l.n})
	}

	reqText := map[string]string{}
	for _, r := range s.Requirements {
		reqText[r.ID] = r.Text
	}
	specsOf := map[string][]htmlSpec{}
	tagCount := map[string]int{}
	hexLeft := htmlHexBudget
	for i, sp := range s.Specs {
		hs := newHTMLSpec(i, sp, s.Strict, &hexLeft)
		hs.RequirementText = reqText[sp.Requirement]
		specsOf[sp.Requirement] = append(specsOf[sp.Requirement], hs)
		if hs.Tags != "" {
			tagCount[hs.Tags]++
		}
	}
	for _, r := range s.Requirements {
		hr := htmlRequirement{
			RequirementResult: r,
			Anchor:            requirementAnchor(r.ID),
			Class:             verdictClass[r.Verdict],
			Counts:            []int{r.Passed, r.Failed, r.Blocked, r.Skipped, r.NotApplicable, r.Interrupted},
			Specs:             specsOf[r.ID],
		}
		tags := map[string]bool{}
		switch r.Verdict {
		case VerdictFailed:
			tags[tagFailed] = true
		case VerdictFailedShould:
			tags[tagShould] = true
		case VerdictBlocked:
			tags[tagBlocked] = true
		}
		for _, hs := range hr.Specs {
			if hs.Tags != "" {
				tags[hs.Tags] = true
			}
		}
		for _, tag := range []string{tagFailed, tagShould, tagBlocked} {
			if tags[tag] {
				hr.Tags = strings.TrimSpace(hr.Tags + " " + tag)
			}
		}
		v.Requirements = append(v.Requirements, hr)
	}
	v.Filters = []htmlCount{
		{Name: "all", Label: "all", Count: len(s.Specs)},
		{Name: tagFailed, Label: "failed", Count: tagCount[tagFailed]},
		{Name: tagShould, Label: "failed (should)", Count: tagCount[tagShould]},
		{Name: tagBlocked, Label: "blocked", Count: tagCount[tagBlocked]},
	}
	return v
}

// newHTMLSpec is the i-th spec of a run, strict or not; its hex dumps
// spend hexLeft.
func newHTMLSpec(i int, sp SpecResult, strict bool, hexLeft *int) htmlSpec {
	hs := htmlSpec{
		SpecResult:        sp,
		Anchor:            "spec-" + strconv.Itoa(i+1),
		Class:             verdictClass[Verdict(sp.Outcome)],
		Duration:          strconv.FormatFloat(sp.DurationSeconds, 'f', 3, 64) + " s",
		MessageHeading:    "reason",
		RequirementAnchor: requirementAnchor(sp.Requirement),
		Transcript:        htmlTranscriptOf(sp, hexLeft),
	}
	switch sp.Outcome {
	case OutcomeFailed:
		hs.Open, hs.Tags, hs.MessageHeading = true, tagFailed, "failure"
		if sp.Level == requirement.Should && !strict {
			hs.Class, hs.Tags = verdictClass[VerdictFailedShould], tagShould
		}
	case OutcomeBlocked:
		hs.Tags = tagBlocked
	case OutcomeInterrupted:
		hs.Open = sp.Message != notRunInterrupted
	}
	return hs
}

// requirementAnchor is the fragment of a requirement's section: its ID,
// which is made of letters, digits and dashes, or a stand-in for the
// Unlabelled group.
func requirementAnchor(id string) string {
	if id == Unlabelled {
		return "req-unlabelled"
	}
	return "req-" + id
}

// commitText names a VCS revision by its first 12 digits.
func commitText(c string) string {
	if c == "" {
		return ""
	}
	return "commit " + c[:min(len(c), 12)]
}

func nonEmptyStrings(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
