package main

import (
	"slices"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/wirecert/wirecert/conformance/requirement"
)

// specIDs is --spec: spec IDs, the flag repeated or comma-separated.
type specIDs []string

func (s *specIDs) String() string { return strings.Join(*s, ",") }

// Set adds the IDs of one --spec.
func (s *specIDs) Set(v string) error {
	for _, id := range strings.Split(v, ",") {
		if id = strings.TrimSpace(id); id != "" {
			*s = append(*s, id)
		}
	}
	return nil
}

// checkSpecSuites checks that every --spec ID is one of a selected suite's.
func checkSpecSuites(ids []string, ss []suite) error {
	for _, id := range ids {
		if !slices.ContainsFunc(ss, func(s suite) bool { return strings.HasPrefix(id, s.prefix) }) {
			names := make([]string, len(ss))
			for i, s := range ss {
				names[i] = s.name
			}
			return usageErrorf("--spec %q is not a spec of %s: allowed an ID `wirecert list --suite %s` lists",
				id, strings.Join(names, ", "), strings.Join(names, ","))
		}
	}
	return nil
}

// unknownSpecs are the ids that no spec of a dry run's report has, in the
// order given.
func unknownSpecs(dry types.Report, ids []string) []string {
	known := map[string]bool{}
	for _, sr := range dry.SpecReports {
		if sr.LeafNodeType.Is(types.NodeTypeIt) {
			known[requirement.SpecIDOf(sr.LeafNodeText)] = true
		}
	}
	var unknown []string
	for _, id := range ids {
		if !known[id] {
			unknown = append(unknown, id)
		}
	}
	return unknown
}

// unknownSpecError is the usage error naming the --spec IDs no spec has.
func unknownSpecError(unknown []string, f runFlags) error {
	suites := f.suites
	if suites == "" {
		suites = suiteNames()
	}
	quoted := make([]string, len(unknown))
	for i, id := range unknown {
		quoted[i] = `"` + id + `"`
	}
	return usageErrorf("--spec %s: no spec of %s has this ID: allowed an ID `wirecert list` lists",
		strings.Join(quoted, ", "), suites)
}
