package requirement_test

import (
	"context"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/conformance/requirement"
)

// The specs under "ends" end the way a precondition makes them end (some
// skipped: blocked); ReportAfterEach keeps their reports and the Ordered
// "judges" spec checks them. A precondition that fails through ginkgo.Fail
// fails its spec, so that case runs in package report's fixture suite.
var _ = Describe("Precondition and Limited", Ordered, func() {
	reports := map[string]types.SpecReport{}

	Context("ends", func() {
		ReportAfterEach(func(r SpecReport) { reports[r.LeafNodeText] = r })

		It("blocked by a failed assertion", requirement.Labels("CCP-S-20", requirement.Must), func() {
			requirement.Precondition("CCP-S-13", func() {
				Expect(1).To(Equal(1))
				Expect("no tokens").To(BeEmpty(), "RegisterVM")
			})
			Fail("not reached: a failed precondition ends the spec")
		})

		It("blocked by an Eventually that timed out", requirement.Labels("CCP-S-20", requirement.Must), func() {
			requirement.Precondition("CCP-S-13", func() {
				Eventually(func() bool { return false }).WithTimeout(20*time.Millisecond).WithPolling(5*time.Millisecond).Should(BeTrue(), "READY")
			})
			Fail("not reached")
		})

		It("blocked by a bounded step that outlived its bound", requirement.Labels("CCP-S-20", requirement.Must), func(ctx SpecContext) {
			requirement.PreconditionWithin(ctx, "CCP-S-13", 20*time.Millisecond, func(ctx context.Context) {
				<-ctx.Done() // a wait that honours its context
			})
			Fail("not reached")
		})

		It("blocked by requirement.Fail", requirement.Labels("CCP-S-20", requirement.Must), func() {
			requirement.Precondition("CCP-S-13", func() { requirement.Fail("no response to RegisterVM within 5s") })
			Fail("not reached")
		})

		It("failed by requirement.Fail outside a precondition", requirement.Labels("CCP-S-20", requirement.Must), func() {
			Expect(InterceptGomegaFailure(func() { requirement.Fail("the message alone") })).To(MatchError("the message alone"))
		})

		It("passed through a precondition that held", requirement.Labels("CCP-S-20", requirement.Must), func(ctx SpecContext) {
			ran := 0
			requirement.Precondition("CCP-S-13", func() { ran++; Expect(ran).To(Equal(1)) })
			requirement.PreconditionWithin(ctx, "CCP-S-13", time.Second, func(context.Context) { ran++ })
			Expect(ran).To(Equal(2))
		})

		It("passed, then a later assertion is the spec's own again", requirement.Labels("CCP-S-20", requirement.Must), func() {
			requirement.Precondition("CCP-S-13", func() {})
			Expect(InterceptGomegaFailure(func() { Expect(1).To(Equal(2)) })).To(HaveOccurred(),
				"the precondition's handler is gone once it returned")
		})

		// Its failure fails the spec, also inside another requirement's
		// precondition: that case runs in package report's fixture suite.
		It("own requirement: no blocking by itself", requirement.Labels("CCP-S-13", requirement.Must), func() {
			ran := false
			requirement.Precondition("CCP-S-13", func() { ran = true; Expect(ran).To(BeTrue()) })
			Expect(ran).To(BeTrue())
		})

		It("limited", requirement.Labels("CCP-S-39", requirement.Must), func() {
			requirement.Limited("the target gives no PID")
		})
	})

	It("judges", func() {
		for text, want := range map[string]string{
			"blocked by a failed assertion":                     "blocked by CCP-S-13: RegisterVM",
			"blocked by an Eventually that timed out":           "blocked by CCP-S-13: Timed out after",
			"blocked by a bounded step that outlived its bound": "blocked by CCP-S-13: the step did not finish within 20ms",
			"blocked by requirement.Fail":                       "blocked by CCP-S-13: no response to RegisterVM within 5s",
		} {
			r := reports[text]
			Expect(r.State).To(Equal(types.SpecStateSkipped), text)
			Expect(strings.HasPrefix(r.Failure.Message, want)).To(BeTrue(), "%s: %q", text, r.Failure.Message)
		}
		for _, text := range []string{"passed through a precondition that held", "passed, then a later assertion is the spec's own again",
			"own requirement: no blocking by itself", "limited", "failed by requirement.Fail outside a precondition"} {
			Expect(reports[text].State).To(Equal(types.SpecStatePassed), text)
		}
		var limits []string
		for _, e := range reports["limited"].ReportEntries {
			if e.Name == requirement.LimitedEntry {
				limits = append(limits, e.StringRepresentation())
			}
		}
		Expect(limits).To(Equal([]string{"the target gives no PID"}))
	})

	It("panics on an ID not in the catalogue", func() {
		Expect(func() { requirement.Precondition("CCP-S-99", func() {}) }).To(PanicWith(ContainSubstring(`"CCP-S-99"`)))
	})
})
