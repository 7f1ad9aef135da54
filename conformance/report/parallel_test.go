package report_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/conformance/report"
)

// The fixture suite run by the ginkgo CLI, serially and with -p, as an
// implementer runs a vendored suite: the parallel run prints one summary
// and writes one report, with the serial run's verdicts and outcomes.
var _ = Describe("a vendored suite under the ginkgo CLI", Ordered, Label("slow"), func() {

	type run struct {
		summary report.Summary
		output  string
	}
	// The fixture is compiled once, outside the source tree: the ginkgo CLI
	// would compile it in its package directory and remove it after, under
	// the feet of a `ginkgo -r` that runs the same package.
	var fixture string
	BeforeAll(func(ctx SpecContext) {
		fixture = filepath.Join(GinkgoT().TempDir(), "preconditions.test")
		out, err := exec.CommandContext(ctx, "go", "test", "-c", "-o", fixture, "./testdata/preconditions").CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), "compiling the fixture: %s", out)
	}, NodeTimeout(3*time.Minute))
	ginkgoRun := func(ctx SpecContext, filter string, exit int, extra ...string) run {
		GinkgoHelper()
		jsonFile := filepath.Join(GinkgoT().TempDir(), "fixture.json")
		args := append([]string{"tool", "ginkgo", "--no-color", "--label-filter", filter}, extra...)
		args = append(args, fixture, "--", "-json", jsonFile)
		cmd := exec.CommandContext(ctx, "go", args...)
		var out strings.Builder
		session := Successful(gexec.Start(cmd, &out, &out))
		Eventually(ctx, session).WithTimeout(3*time.Minute).Should(gexec.Exit(exit), func() string { return out.String() })
		var r run
		Expect(json.Unmarshal(Successful(os.ReadFile(jsonFile)), &r.summary)).To(Succeed())
		r.output = out.String()
		return r
	}
	outcomes := func(s report.Summary) map[string]report.Outcome {
		m := map[string]report.Outcome{}
		for _, sp := range s.Specs {
			m[sp.Text] = sp.Outcome
		}
		return m
	}

	DescribeTable("merges the parallel processes' specs into one summary and report",
		func(ctx SpecContext, filter string, exit int, result report.Result) {
			serial := ginkgoRun(ctx, filter, exit)
			parallel := ginkgoRun(ctx, filter, exit, "-p", "--procs", "3")
			Expect(parallel.summary.Result).To(Equal(result))
			Expect(outcomes(parallel.summary)).To(Equal(outcomes(serial.summary)))
			Expect(verdicts(parallel.summary)).To(Equal(verdicts(serial.summary)))
			Expect(parallel.summary.Totals).To(Equal(serial.summary.Totals))
			Expect(strings.Count(parallel.output, "wirecert conformance summary")).To(Equal(1), parallel.output)
		},
		Entry("passing specs only: the run passes", "CCP-S-13 || CCP-S-39 || CCP-S-25", 0, report.ResultPass, SpecTimeout(6*time.Minute)),
		Entry("every spec: the run fails by the verdicts", "", 1, report.ResultFail, SpecTimeout(6*time.Minute)),
	)
})
