// Command teethrun runs one spacer conformance suite against one target
// and writes Ginkgo's JSON report, so the teeth tests can run the suite
// once per fake (Ginkgo runs specs once per process):
//
//	teethrun --suite service --break old-time --json report.json
//
// --break none (or --target reference) runs against the reference.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"

	"github.com/wirecert/wirecert/conformance/spacer"
	"github.com/wirecert/wirecert/fakes/fakespacer"
)

// verdict is the GinkgoTestingT of a run outside `go test`.
type verdict struct{ failed bool }

func (v *verdict) Fail() { v.failed = true }

func main() {
	fs := flag.NewFlagSet("teethrun", flag.ExitOnError)
	suite := fs.String("suite", "service", "service or client")
	target := fs.String("target", "fake", "fake or reference")
	brk := fs.String("break", "none", "the fake's break (fakespacer.Breaks or a client break)")
	jsonReport := fs.String("json", "", "where to write Ginkgo's JSON report (required)")
	step := fs.Duration("step", 2*time.Second, "the step timeout against a fake: how long a lingering fake holds a spec up")
	_ = fs.Parse(os.Args[1:])
	if *jsonReport == "" {
		fmt.Fprintln(os.Stderr, "teethrun: --json is required")
		os.Exit(2)
	}

	switch {
	case *suite == "service" && *target == "reference":
		spacer.ServiceSpecs(spacer.ReferenceService())
	case *suite == "service":
		if _, err := fakespacer.LookupBreak(*brk); err != nil {
			fmt.Fprintln(os.Stderr, "teethrun:", err)
			os.Exit(2)
		}
		t := spacer.FakeService(fakespacer.Break(*brk))
		t.StepTimeout = *step
		spacer.ServiceSpecs(t)
	case *suite == "client" && *target == "reference":
		spacer.ClientSpecs(spacer.ReferenceClient())
	case *suite == "client":
		t := spacer.FakeClient(fakespacer.ClientBreak(*brk))
		t.StepTimeout = *step
		spacer.ClientSpecs(t)
	default:
		fmt.Fprintf(os.Stderr, "teethrun: --suite is %q, allowed service or client\n", *suite)
		os.Exit(2)
	}

	suiteConfig, reporterConfig := ginkgo.GinkgoConfiguration()
	reporterConfig.JSONReport = *jsonReport
	reporterConfig.Succinct = true
	reporterConfig.NoColor = true
	gomega.RegisterFailHandler(ginkgo.Fail)
	v := &verdict{}
	ginkgo.RunSpecs(v, "spacer teeth: "+*suite+" "+*target+" "+*brk, suiteConfig, reporterConfig)
	if v.failed {
		os.Exit(1)
	}
}
