package requirement

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// A spec ID names one spec for good: "CCP-S-05/header-length-0", the
// requirement the spec checks, a slash and a slug, short lower-case kebab
// words unique within the suite. It never depends on the target, so a
// report's spec IDs and CI's test history stay the same wherever the target
// is installed. It lives at the start of the spec's text (see Describe),
// where a dry run and every report see it: a Ginkgo label cannot hold the
// slash.

// MaxSlugLength bounds a spec ID's slug: a name to type after --spec, not a
// description.
const MaxSlugLength = 40

// ErrSpecID is the error of a malformed spec ID.
var ErrSpecID = errors.New("malformed spec ID")

// slugPattern is lower-case kebab: words of a-z and 0-9 joined by single
// hyphens.
var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// ParseSpecID splits a spec ID into its requirement ID and slug. The
// requirement must be in the catalogue and the slug lower-case kebab of at
// most MaxSlugLength characters; the error, wrapping ErrSpecID, says which
// part is wrong.
func ParseSpecID(specID string) (requirementID, slug string, err error) {
	req, slug, ok := strings.Cut(specID, "/")
	switch {
	case !ok:
		return "", "", fmt.Errorf("%w %q: no '/', allowed <requirement ID>/<slug> such as CCP-S-05/header-length-0", ErrSpecID, specID)
	case catalogue[req] == "":
		return "", "", fmt.Errorf("%w %q: requirement %q is not in the catalogue", ErrSpecID, specID, req)
	case !slugPattern.MatchString(slug):
		return "", "", fmt.Errorf("%w %q: slug %q, allowed lower-case kebab (a-z, 0-9, single '-' between words)", ErrSpecID, specID, slug)
	case len(slug) > MaxSlugLength:
		return "", "", fmt.Errorf("%w %q: slug of %d characters, allowed at most %d", ErrSpecID, specID, len(slug), MaxSlugLength)
	}
	return req, slug, nil
}

// requirementOf is the requirement ID of id, a requirement ID or a spec
// ID; a malformed spec ID or an unknown requirement panics, at spec
// registration: a typo must not silently drop a spec from a report.
func requirementOf(id string) string {
	if !strings.Contains(id, "/") {
		mustExist(id)
		return id
	}
	req, _, err := ParseSpecID(id)
	if err != nil {
		panic(err.Error())
	}
	return req
}

// SpecIDOf is the spec ID a spec's leaf text starts with, as Describe puts
// it there, or "" for a text that starts with none.
func SpecIDOf(leafText string) string {
	id, _, _ := strings.Cut(leafText, " ")
	if _, _, err := ParseSpecID(id); err != nil {
		return ""
	}
	return id
}

// SpecText is what Describe put into a spec's text.
type SpecText struct {
	// ID is the spec ID, e.g. "CCP-S-05/header-length-0".
	ID string
	// Requirement is the requirement the spec checks, the ID's first part.
	Requirement string
	// Level is the level it checks the requirement at.
	Level Level
	// What is what the spec checks in particular; empty when the spec
	// checks the requirement as its text says.
	What string
}

// Short is the spec's short text: What, or the requirement's text when
// What is empty.
func (t SpecText) Short() string {
	if t.What != "" {
		return t.What
	}
	r, _ := Lookup(t.Requirement)
	return r.Text
}

// ParseText reads back what Describe put into a spec's leaf text; ok is
// false for a text Describe did not make (a vendored spec of its own).
func ParseText(text string) (t SpecText, ok bool) {
	head, rest, found := strings.Cut(text, ": ")
	if !found {
		head, rest = text, ""
	}
	id, level, found := strings.Cut(head, " (")
	if !found || !strings.HasSuffix(level, ")") {
		return SpecText{}, false
	}
	t.ID, t.Level = id, Level(strings.TrimSuffix(level, ")"))
	req, _, err := ParseSpecID(t.ID)
	if err != nil || (t.Level != Must && t.Level != Should) {
		return SpecText{}, false
	}
	t.Requirement = req
	reqText := catalogue[req]
	switch {
	case rest == reqText:
	case strings.HasPrefix(rest, reqText+": "):
		t.What = strings.TrimPrefix(rest, reqText+": ")
	default:
		return SpecText{}, false
	}
	return t, true
}

// suites are the conformance suites, by the prefix of the requirement IDs
// each checks; the names are those `wirecert run --suite` takes.
var suites = []struct{ prefix, name string }{
	{"CCP-S-", "ccproxy-server"},
	{"CCP-C-", "ccproxy-client"},
	{"SPC-S-", "spacer-service"},
	{"SPC-C-", "spacer-client"},
}

// SuiteOf names the suite that checks requirement id (or spec ID), e.g.
// "ccproxy-server" for CCP-S-05; "" for an ID of no suite.
func SuiteOf(id string) string {
	for _, s := range suites {
		if strings.HasPrefix(id, s.prefix) {
			return s.name
		}
	}
	return ""
}
