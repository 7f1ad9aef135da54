package report_test

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/wirecert/wirecert/conformance/ccproxy"
	"github.com/wirecert/wirecert/conformance/report"
	"github.com/wirecert/wirecert/conformance/requirement"
)

// An implementer's _test.go file registers a suite and runs it with
// RunSpecs in place of ginkgo.RunSpecs: the run prints wirecert's summary,
// writes the reports and fails only when the summary does (a should-level
// failure does not, unless Strict). In a real suite the ServerSpecs call
// stands at package level (var _ = ...) and the body of testConformance is
// the package's TestXxx function. This example does not run: RunSpecs
// runs once per process.
func ExampleRunSpecs() {
	ccproxy.ServerSpecs(ccproxy.CommandServer([]string{"myproxy", "--socket", "{socket}"}))

	testConformance := func(t *testing.T) {
		_, err := report.RunSpecs(t, "myproxy conformance", report.Options{
			Suite:     "ccproxy-server",
			Target:    "myproxy",
			JSONFile:  "reports/conformance.json",
			JUnitFile: "reports/conformance.junit.xml",
		})
		if err != nil {
			t.Error(err)
		}
	}
	_ = testConformance
}

// AfterSuite judges a finished run's report, prints the summary and writes
// the report files; a suite calls it from its own ReportAfterSuite node
// (see AfterSuite). Here it judges a synthetic report: a passed RegisterVM
// spec, and a Hyper spec blocked because its VM could not be registered.
// Nothing checked CCP-S-19, so the run is INCOMPLETE, never a pass.
func ExampleAfterSuite() {
	r := types.Report{
		SuiteDescription: "myproxy conformance",
		RunTime:          1500 * time.Millisecond,
		SpecReports: types.SpecReports{{
			LeafNodeType:   types.NodeTypeIt,
			LeafNodeText:   requirement.Describe("CCP-S-13/tokens-and-url", requirement.Must, "tokens and URL"),
			LeafNodeLabels: []string{"CCP-S-13", "must"},
			State:          types.SpecStatePassed,
		}, {
			LeafNodeType:   types.NodeTypeIt,
			LeafNodeText:   requirement.Describe("CCP-S-19/newcontainer", requirement.Must, "newcontainer"),
			LeafNodeLabels: []string{"CCP-S-19", "must"},
			State:          types.SpecStateSkipped,
			Failure:        types.Failure{Message: "blocked by CCP-S-13: RegisterVM timed out"},
		}},
	}
	s, err := report.AfterSuite(r, report.Options{Suite: "ccproxy-server", Target: "myproxy", Out: os.Stdout})
	fmt.Println(s.ExitCode, err)
	// Output:
	// wirecert conformance summary
	//   suite:  ccproxy-server
	//   target: myproxy
	//   strict: no
	//
	// REQUIREMENT  LEVEL  VERDICT                PASSED  FAILED  BLOCKED  SKIPPED  N/A  INTR
	// CCP-S-13     must   passed                      1       0        0        0    0     0
	// CCP-S-19     must   blocked (by CCP-S-13)       0       0        1        0    0     0
	//              must blocked by CCP-S-13: CCP-S-19/newcontainer: newcontainer
	//                RegisterVM timed out
	//
	// 2 requirements: 1 passed, 0 passed (limited), 0 failed, 0 failed (should), 1 blocked, 0 skipped, 0 not applicable, 0 interrupted
	// 2 specs: 1 passed (0 limited), 0 failed at must level, 0 failed at should level (0 of them in requirements that also failed at must level), 1 blocked, 0 skipped, 0 not applicable, 0 interrupted; in 1.5s
	// 1 must-level requirement left unchecked:
	//   CCP-S-19: blocked by CCP-S-13
	// RESULT: INCOMPLETE (exit 3): must-level requirements left unchecked; not certified
	// 3 <nil>
}

// Summarize judges a report without printing it. A should-level failure
// is reported but passes the run, unless Strict makes it count.
func ExampleSummarize() {
	r := types.Report{
		SuiteDescription: "myproxy conformance",
		SpecReports: types.SpecReports{{
			LeafNodeType:   types.NodeTypeIt,
			LeafNodeText:   "CCP-S-01 (must): the emitted header",
			LeafNodeLabels: []string{"CCP-S-01", "must"},
			State:          types.SpecStatePassed,
		}, {
			LeafNodeType:   types.NodeTypeIt,
			LeafNodeText:   "CCP-S-16 (should): a silent agent",
			LeafNodeLabels: []string{"CCP-S-16", "should"},
			State:          types.SpecStateFailed,
			Failure:        types.Failure{Message: "RegisterVM still waiting after 30s"},
		}},
	}
	for _, strict := range []bool{false, true} {
		s := report.Summarize(r, report.Options{Strict: strict})
		fmt.Printf("strict %t: %s (exit %d)\n", strict, s.Result, s.ExitCode)
		for _, req := range s.Requirements {
			fmt.Printf("  %s %s\n", req.ID, req.Verdict)
		}
	}
	// Output:
	// strict false: PASS (exit 0)
	//   CCP-S-01 passed
	//   CCP-S-16 failed (should)
	// strict true: FAIL (exit 1)
	//   CCP-S-01 passed
	//   CCP-S-16 failed
}

// SpecFocus turns spec IDs into Ginkgo focus expressions, one per spec,
// as `wirecert run --spec` does; a malformed ID is an error.
func ExampleSpecFocus() {
	focus, err := report.SpecFocus([]string{"CCP-S-05/header-length-0", "SPC-S-01/net"})
	fmt.Println(focus, err)
	_, err = report.SpecFocus([]string{"CCP-S-05/Header_Length"})
	fmt.Println(err)
	// Output:
	// [\bCCP-S-05/header-length-0 \( \bSPC-S-01/net \(] <nil>
	// malformed spec ID "CCP-S-05/Header_Length": slug "Header_Length", allowed lower-case kebab (a-z, 0-9, single '-' between words) (see `wirecert list`)
}

// RequireFilter turns requirement IDs into a Ginkgo label filter, and
// AndFilters narrows it, here to must-level specs.
func ExampleRequireFilter() {
	ids, err := report.RequireFilter([]string{"CCP-S-05", "CCP-S-07"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(report.AndFilters(ids, "must"))
	_, err = report.RequireFilter([]string{"CCP-S-5"})
	fmt.Println(err)
	// Output:
	// ((CCP-S-05 || CCP-S-07)) && (must)
	// unknown requirement ID: "CCP-S-5", allowed an ID of the catalogue such as CCP-S-01 (see `wirecert list`)
}
