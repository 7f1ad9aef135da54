// Package preconditions is a fixture suite for package report's tests: a
// spec of each state the requirement package lets a spec end in, run
// through report.RunSpecs in a process of its own (a spec that fails must
// not fail the suite testing the report).
package preconditions

import (
	"flag"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/conformance/report"
	"github.com/wirecert/wirecert/conformance/requirement"
)

var jsonFile = flag.String("json", "", "write the JSON report here")

var _ = Describe("fixture", func() {
	It("registers the VM", requirement.Labels("CCP-S-13", requirement.Must), func() {})

	It("is blocked by CCP-S-13", requirement.Labels("CCP-S-20", requirement.Must), func() {
		requirement.Precondition("CCP-S-13", func() { Expect(false).To(BeTrue(), "RegisterVM answered") })
	})

	It("fails through ginkgo.Fail inside a precondition", requirement.Labels("CCP-S-21", requirement.Must), func() {
		requirement.Precondition("CCP-S-13", func() { Fail("ginkgo.Fail, not an assertion") })
	})

	It("fails its own requirement inside another's precondition", requirement.Labels("CCP-S-01", requirement.Must), func() {
		requirement.Precondition("CCP-S-13", func() {
			requirement.Precondition("CCP-S-01", func() { Expect("reserved byte 0x5a").To(BeEmpty(), "a frame the proxy emitted") })
		})
	})

	It("panics inside a precondition", requirement.Labels("CCP-S-22", requirement.Must), func() {
		requirement.Precondition("CCP-S-13", func() { panic("a bug in the spec") })
	})

	It("is not applicable inside a precondition", requirement.Labels("CCP-S-25", requirement.Should), func() {
		requirement.Precondition("CCP-S-13", func() { requirement.NotApplicable("per-pod") })
	})

	It("passes limited", requirement.Labels("CCP-S-39", requirement.Must), func() {
		requirement.Limited("the target gives no PID")
	})

	It("passes", requirement.Labels("CCP-S-39", requirement.Must), func() {})
})

func TestFixture(t *testing.T) {
	if *jsonFile == "" {
		// ginkgo -r finds this suite too: its failing specs are meant for
		// package report's fixture_test.go, which runs it with -json.
		t.Skip("a fixture of package report's tests, run by fixture_test.go with -json")
	}
	report.RunSpecs(t, "fixture", report.Options{Suite: "fixture", JSONFile: *jsonFile})
}
