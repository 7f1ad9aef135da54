package requirement

import (
	"fmt"
	"sort"
	"strings"

	"github.com/onsi/ginkgo/v2"
)

// Level says whether failing a requirement fails certification (Must) or
// only with --strict (Should).
type Level string

// The levels, as they appear in spec labels.
const (
	Must   Level = "must"
	Should Level = "should"
)

// Requirement is one numbered requirement.
type Requirement struct {
	ID   string
	Text string
}

// Lookup returns the requirement with id.
func Lookup(id string) (Requirement, bool) {
	text, ok := catalogue[id]
	return Requirement{ID: id, Text: text}, ok
}

// All returns every requirement whose ID starts with prefix, in ID order.
func All(prefix string) []Requirement {
	var reqs []Requirement
	for id, text := range catalogue {
		if strings.HasPrefix(id, prefix) {
			reqs = append(reqs, Requirement{ID: id, Text: text})
		}
	}
	sort.Slice(reqs, func(i, j int) bool { return reqs[i].ID < reqs[j].ID })
	return reqs
}

// Labels returns the Ginkgo labels of a spec checking id at level: the ID
// and the level, so `--label-filter 'CCP-S-05 && must'` selects it. An
// unknown ID panics at spec registration: a typo must not silently drop a
// spec from a report.
func Labels(id string, level Level) ginkgo.Labels {
	if _, ok := catalogue[id]; !ok {
		panic(fmt.Sprintf("requirement %q is not in the catalogue", id))
	}
	return ginkgo.Label(id, string(level))
}

// Describe names a spec by its requirement: "CCP-S-05 (must): text — what".
func Describe(id string, level Level, what string) string {
	r, ok := Lookup(id)
	if !ok {
		panic(fmt.Sprintf("requirement %q is not in the catalogue", id))
	}
	if what == "" {
		return fmt.Sprintf("%s (%s): %s", r.ID, level, r.Text)
	}
	return fmt.Sprintf("%s (%s): %s: %s", r.ID, level, r.Text, what)
}

// FromLabels returns the requirement ID and level among a spec's labels.
func FromLabels(labels []string) (id string, level Level) {
	for _, l := range labels {
		switch {
		case l == string(Must) || l == string(Should):
			level = Level(l)
		case catalogue[l] != "":
			id = l
		}
	}
	return id, level
}

// NotApplicablePrefix starts the Skip message of a spec that cannot apply
// to the target's shape (a per-pod proxy has no second VM and no socket
// after UnregisterVM): reports show it as not applicable, never as a pass
// or a failure.
const NotApplicablePrefix = "not applicable: "

// NotApplicable ends the running spec as not applicable, for reason.
func NotApplicable(reason string) {
	ginkgo.GinkgoHelper()
	ginkgo.Skip(NotApplicablePrefix + reason)
}
