package ccproxy_test

import (
	"fmt"
	"os"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/conformance/report"
	"github.com/wirecert/wirecert/conformance/requirement"
)

// variantSuite is one suite's legitimate variants: the variant target
// binary's package, its variants, and the CLI arguments that run one.
type variantSuite struct {
	suite    string // the CLI's --suite
	prefix   string // the suite's requirement ID prefix
	binary   string // the package of the variant target's binary
	variants []string
	// args are the run's target arguments for one variant (--command and,
	// for a per-pod proxy, --per-pod).
	args func(binary, variant string) []string
}

// describeVariants registers the variant specs of vs: the whole suite, run
// through the CLI with --strict against each variant, passes every must
// and should spec. A variant does only what the protocol allows, so any
// failure is the suite's fault: a false failure.
func describeVariants(vs variantSuite) bool {
	return Describe(vs.suite+" suite variants", Ordered, ContinueOnFailure, Label("variants"), func() {
		var results map[string]report.Summary

		BeforeAll(func(_ SpecContext) {
			dir := Successful(os.MkdirTemp("", "variants-"))
			DeferCleanup(os.RemoveAll, dir)
			wirecert := Successful(gexec.Build("github.com/wirecert/wirecert/cmd/wirecert"))
			binary := Successful(gexec.Build(vs.binary))
			DeferCleanup(gexec.CleanupBuildArtifacts)
			results = teethRuns(dir, wirecert, vs.variants, true, func(variant string) []string {
				return append([]string{"run", "--suite", vs.suite, "--strict", "--spec-timeout", "30s"}, vs.args(binary, variant)...)
			})
		}, NodeTimeout(teethTimeout()))

		for _, name := range vs.variants {
			It("passes every spec against the variant "+name, func() {
				s := results[name]
				var wrong []string
				notApplicable := 0
				for _, spec := range s.Specs {
					switch spec.Outcome {
					case report.OutcomePassed, report.OutcomeLimited:
					case report.OutcomeNotApplicable:
						notApplicable++
					default:
						wrong = append(wrong, fmt.Sprintf("%s %s: %s\n    %s", spec.Outcome, spec.Text, firstLineOf(spec.Message), spec.Location))
					}
				}
				AddReportEntry("variants", fmt.Sprintf("%s: %d specs, %d not applicable, %d not passed", name, len(s.Specs), notApplicable, len(wrong)))
				Expect(wrong).To(BeEmpty(), "variant %s: specs that failed a legitimate implementation", name)
				Expect(s.SuiteFailures).To(BeEmpty(), "variant %s: suite failures", name)
				Expect(s.ExitCode).To(BeZero(), "variant %s: exit code", name)
				Expect(s.Requirements).To(HaveLen(len(requirement.All(vs.prefix))), "variant %s: every requirement judged", name)
			})
		}
	})
}

// firstLineOf is a message's first line, for lists of failures.
func firstLineOf(s string) string {
	for i := range len(s) {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}
