package scenarios

import (
	"flag"
	"testing"

	"github.com/onsi/ginkgo/v2"

	"github.com/wirecert/wirecert/conformance/report"
)

// The flags of an inner suite's test binary: where its reports go. The outer
// suite passes them; a plain `go test` writes none.
const (
	FlagJUnit = "scenarios.junit"
	FlagJSON  = "scenarios.json"
)

var (
	junitFile = flag.String(FlagJUnit, "", "write the scenario suite's JUnit XML report to this file")
	jsonFile  = flag.String(FlagJSON, "", "write the scenario suite's JSON report (per requirement and per spec) to this file")
)

// RunSpecs runs the inner suite registered in this test binary and writes
// its reports to the files the flags name. area, when not empty, is a Ginkgo
// label filter selecting the specs the scenario is about; it is and-ed with
// any -ginkgo.label-filter given. The verdict is report's: a should-level
// failure is reported but does not fail the run.
func RunSpecs(t *testing.T, suite, area string) report.Summary {
	t.Helper()
	sc, rc := ginkgo.GinkgoConfiguration()
	sc.LabelFilter = report.AndFilters(area, sc.LabelFilter)
	summary, err := report.RunSpecs(t, suite, report.Options{
		Suite:     suite,
		Target:    "scenario " + suite,
		JUnitFile: *junitFile,
		JSONFile:  *jsonFile,
	}, sc, rc)
	if err != nil {
		t.Errorf("scenario suite %s: %v", suite, err)
	}
	return summary
}
