package spacer_test

import (
	"fmt"
	"os"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/fakes/fakespacer"
)

// A variant does only what the protocol allows, in ways the reference does
// not: the whole service suite, judged strictly, passes it. A spec that
// fails against it fails a legitimate implementation.
var _ = Describe("variants of the spacer service", Label("variants"), func() {
	for _, info := range fakespacer.Variants() {
		It("passes every must and should spec against the variant "+string(info.Variant), func() {
			v := runSuite("service", "variant", string(info.Variant))
			passed, skipped := 0, 0
			for _, n := range v.passed {
				passed += n
			}
			for _, n := range v.skipped {
				skipped += n
			}
			AddReportEntry("variants", fmt.Sprintf("%s: %d passed, %d failed, %d skipped", info.Variant, passed, len(v.failures), skipped))
			Expect(v.failed).To(BeEmpty(), "specs that failed the legitimate variant %s:\n%s", info.Variant, strings.Join(v.failures, "\n"))
			if os.Geteuid() == 0 {
				Expect(v.skipped).To(BeEmpty(), "specs skipped against %s although we are root", info.Variant)
			}
			for _, r := range requirement.All("SPC-S-") {
				Expect(v.passed[r.ID+"/must"]+v.passed[r.ID+"/should"]).To(BeNumerically(">", 0), "%s has passing specs against %s", r.ID, info.Variant)
			}
			Expect(v.passed).To(HaveKey("SPC-S-06/should"), "should-level specs ran against %s", info.Variant)
		})
	}
})
