// Command teethrun runs one spacer conformance suite against one target
// and writes Ginkgo's JSON report, so the teeth tests can run the suite
// once per fake (Ginkgo runs specs once per process):
//
//	teethrun --suite service --break old-time --json report.json
//	teethrun --suite service --target variant --variant allowances --json report.json
//
// --break none (or --target reference) runs against the reference.
// --target variant runs the service suite against a legitimate variant of
// the fake service (fakespacer.Variants).
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
	target := fs.String("target", "fake", "fake, reference or variant (service suite only)")
	brk := fs.String("break", "none", "the fake's break (fakespacer.Breaks or a client break)")
	variant := fs.String("variant", string(fakespacer.Allowances), "the variant of --target variant (fakespacer.Variants)")
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
	case *suite == "service" && *target == "variant":
		if _, err := fakespacer.LookupVariant(*variant); err != nil {
			fmt.Fprintln(os.Stderr, "teethrun:", err)
			os.Exit(2)
		}
		t := spacer.VariantService(fakespacer.Variant(*variant))
		t.StepTimeout = *step
		spacer.ServiceSpecs(t)
	case *target == "variant":
		fmt.Fprintf(os.Stderr, "teethrun: --target variant with --suite %q, allowed only with --suite service\n", *suite)
		os.Exit(2)
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
	name := *brk
	if *target == "variant" {
		name = *variant
	}
	ginkgo.RunSpecs(v, "spacer teeth: "+*suite+" "+*target+" "+name, suiteConfig, reporterConfig)
	if v.failed {
		os.Exit(1)
	}
}
