package report

import (
	_ "embed"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/wirecert/wirecert/conformance/requirement"
)

// The JUnit XML report, in the shape the JUnit readers of Jenkins (the
// junit and xunit plugins) and GitLab take: schema/junit.xsd is that
// shape, and the tests validate what WriteJUnit writes against it.

//go:embed schema/junit.xsd
var junitSchema []byte

// JUnitSchema returns the XML Schema (schema/junit.xsd) of the JUnit report
// WriteJUnit writes, the shape Jenkins and GitLab read: a copy the caller
// may keep or change, e.g. to validate a report with xmllint.
func JUnitSchema() []byte { return slices.Clone(junitSchema) }

// junitSuites is the document: one junitSuite per conformance suite.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

// junitSuite is one conformance suite's selected specs.
type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

// junitProperty is one fact about the run.
type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// junitCase is one spec. Status holds wirecert's outcome.
type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Status    string        `xml:"status,attr"`
	Skipped   *junitMessage `xml:"skipped"`
	Error     *junitMessage `xml:"error"`
	Failure   *junitMessage `xml:"failure"`
	SystemOut string        `xml:"system-out,omitempty"`
}

// junitMessage is a <failure>, <error> or <skipped>: the message as an
// attribute (what a CI page shows first), the details as text.
type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes s as JUnit XML to path, creating its directory: one
// <testsuite> per conformance suite (named as `wirecert run --suite` names
// it), holding the selected specs only, with the run's target, result and
// selection as properties. A test case is named by its spec ID and short
// text ("CCP-S-05/header-length-0: HeaderLength 0 [...]: ..."), of the
// class of its requirement ID, and its status attribute is its outcome as
// OutcomeText gives it ("passed (limited: reason)", "blocked (by
// CCP-S-13)"). Only failures of the implementation are <failure>, with the
// whole failure message (expected and actual) and its location, and the
// output the spec captured; a panic is <error>. Blocked, not applicable,
// skipped and interrupted specs are <skipped> with their reason. Passing
// specs carry nothing else.
func (s Summary) WriteJUnit(path string) error {
	b, err := xml.MarshalIndent(s.junit(), "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the JUnit report: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("JUnit report %s: %w", path, err)
	}
	out := append([]byte(xml.Header), b...)
	if err := os.WriteFile(path, append(out, '\n'), 0o644); err != nil {
		return fmt.Errorf("JUnit report %s: %w", path, err)
	}
	return nil
}

// junit is s as a JUnit document, its suites in name order and each
// suite's specs in the order they were reported.
func (s Summary) junit() junitSuites {
	doc := junitSuites{Name: "wirecert " + s.Suite, Time: seconds(s.DurationSeconds)}
	bySuite := map[string]*junitSuite{}
	var names []string
	times := map[string]float64{}
	for _, sp := range s.Specs {
		name := requirement.SuiteOf(sp.Requirement)
		if name == "" {
			name = s.Suite
		}
		ts := bySuite[name]
		if ts == nil {
			ts = &junitSuite{Name: name, Timestamp: s.StartTime.UTC().Format("2006-01-02T15:04:05"), Properties: s.junitProperties()}
			bySuite[name] = ts
			names = append(names, name)
		}
		tc := sp.junitCase()
		ts.Tests++
		switch {
		case tc.Failure != nil:
			ts.Failures++
		case tc.Error != nil:
			ts.Errors++
		case tc.Skipped != nil:
			ts.Skipped++
		}
		times[name] += sp.DurationSeconds
		ts.Cases = append(ts.Cases, tc)
	}
	slices.Sort(names)
	for _, name := range names {
		ts := bySuite[name]
		ts.Time = seconds(times[name])
		doc.Tests += ts.Tests
		doc.Failures += ts.Failures
		doc.Errors += ts.Errors
		doc.Suites = append(doc.Suites, *ts)
	}
	return doc
}

// junitProperties are the facts of the run every suite carries: what ran
// against what, with which selection, and the verdict.
func (s Summary) junitProperties() []junitProperty {
	props := []junitProperty{
		{"target", s.Target},
		{"result", string(s.Result)},
		{"exit code", strconv.Itoa(s.ExitCode)},
		{"strict", strconv.FormatBool(s.Strict)},
	}
	for _, p := range []junitProperty{
		{"label filter", s.LabelFilter},
		{"focus", strings.Join(s.Focus, " | ")},
		{"skip", strings.Join(s.Skip, " | ")},
		{"wirecert version", s.Wirecert.Version},
		{"wirecert commit", s.Wirecert.Commit},
	} {
		if p.Value != "" {
			props = append(props, p)
		}
	}
	if s.DryRun {
		props = append(props, junitProperty{"dry run", "true"})
	}
	return props
}

// junitCase is sp as a JUnit test case.
func (sp SpecResult) junitCase() junitCase {
	tc := junitCase{Name: sp.Name(), Classname: sp.Requirement, Time: seconds(sp.DurationSeconds), Status: sp.OutcomeText()}
	switch sp.Outcome {
	case OutcomeFailed:
		details := sp.Message
		if sp.Location != "" {
			details += "\nat " + sp.Location
		}
		if sp.Note != "" {
			details += "\nnote: " + sp.Note
		}
		m := &junitMessage{Message: sp.Message, Type: sp.State, Text: details}
		if sp.State == "panicked" {
			tc.Error = m
		} else {
			tc.Failure = m
		}
		tc.SystemOut = sp.Output
	case OutcomeBlocked, OutcomeNotApplicable:
		tc.Skipped = &junitMessage{Message: sp.Message}
	case OutcomeSkipped, OutcomeInterrupted:
		msg := string(sp.Outcome)
		if sp.Message != "" {
			msg += ": " + sp.Message
		}
		tc.Skipped = &junitMessage{Message: msg}
	}
	return tc
}

// Name is how reports name sp: "spec ID: short text", the short text being
// what the spec checks in particular (requirement.SpecText.Short), e.g.
// "CCP-S-05/header-length-0: HeaderLength 0 [...]: the connection is closed
// without an answer". A spec without an ID is named by its full text.
func (sp SpecResult) Name() string {
	if sp.ID == "" {
		return sp.Text
	}
	if i := strings.Index(sp.Text, sp.ID+" ("); i >= 0 {
		if t, ok := requirement.ParseText(sp.Text[i:]); ok {
			return sp.ID + ": " + t.Short()
		}
	}
	return sp.ID
}

// seconds formats a duration in seconds as JUnit readers parse it.
func seconds(s float64) string { return strconv.FormatFloat(s, 'f', 3, 64) }
