package report_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
	"github.com/thediveo/fdooze"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/conformance/report"
)

var _ = Describe("AfterSuite", func() {

	BeforeEach(func() {
		goods := gleak.Goroutines()
		fds := fdooze.Filedescriptors()
		DeferCleanup(func() {
			Eventually(gleak.Goroutines).ShouldNot(gleak.HaveLeaked(goods))
			Expect(fdooze.Filedescriptors()).NotTo(fdooze.HaveLeakedFds(fds))
		})
	})

	r := run(
		spec("CCP-S-01", must, types.SpecStatePassed, ""),
		spec("CCP-S-05", must, types.SpecStateFailed, "Expected the proxy to be alive\nbut it exited"),
		spec("CCP-S-16", should, types.SpecStateFailed, "READY wait unbounded"),
	)

	It("shows at most 12 lines of a failure message on the console, and says how many more the reports hold", func() {
		var lines []string
		for i := 1; i <= 20; i++ {
			lines = append(lines, fmt.Sprintf("line %d", i))
		}
		var out bytes.Buffer
		_, err := report.AfterSuite(run(spec("CCP-S-05", must, types.SpecStateFailed, strings.Join(lines, "\n\n"))), report.Options{Out: &out})
		Expect(err).NotTo(HaveOccurred())
		Expect(out.String()).To(ContainSubstring("line 12\n"))
		Expect(out.String()).NotTo(ContainSubstring("line 13"))
		Expect(out.String()).To(ContainSubstring("(8 lines more: the JSON and JUnit reports have the whole message)"))
	})

	It("prints the console table, writes JSON and JUnit, in directories it creates", func() {
		dir := GinkgoT().TempDir()
		jsonFile := filepath.Join(dir, "out", "summary.json")
		junitFile := filepath.Join(dir, "out", "junit.xml")
		var out bytes.Buffer
		s, err := report.AfterSuite(r, report.Options{
			Suite: "ccproxy-server", Target: "socket /run/p.sock",
			JSONFile: jsonFile, JUnitFile: junitFile, Out: &out,
		})
		Expect(err).NotTo(HaveOccurred())
		Expect(s.ExitCode).To(Equal(1))

		console := out.String()
		Expect(console).To(ContainSubstring("suite:  ccproxy-server"))
		Expect(console).To(ContainSubstring("target: socket /run/p.sock"))
		Expect(console).To(MatchRegexp(`CCP-S-01\s+must\s+passed\s+1\s+0\s+0`))
		Expect(console).To(MatchRegexp(`CCP-S-05\s+must\s+failed\s+0\s+1\s+0`))
		Expect(console).To(MatchRegexp(`CCP-S-16\s+should\s+failed \(should\)\s+0\s+1\s+0`))
		Expect(console).To(ContainSubstring("Expected the proxy to be alive"))
		Expect(console).To(MatchRegexp(`\n {15}Expected the proxy to be alive\n {15}but it exited\n {15}at server_header.go:50\n`),
			"the whole failure message, what was expected and what came, then where")
		Expect(console).To(ContainSubstring("must failed: CCP-S-05/must-failed: checks something\n"), "a failure named by its spec ID")
		Expect(console).To(ContainSubstring("3 requirements: 1 passed, 0 passed (limited), 1 failed, 1 failed (should), 0 blocked, 0 skipped, 0 not applicable, 0 interrupted\n"))
		Expect(console).To(ContainSubstring("3 specs: 1 passed (0 limited), 1 failed at must level, 1 failed at should level (0 of them in requirements that also failed at must level)"))
		Expect(console).To(ContainSubstring("RESULT: FAIL (exit 1)"))

		var back report.Summary
		Expect(json.Unmarshal(Successful(os.ReadFile(jsonFile)), &back)).To(Succeed())
		Expect(back.Suite).To(Equal("ccproxy-server"))
		Expect(back.Target).To(Equal("socket /run/p.sock"))
		Expect(back.ExitCode).To(Equal(1))
		Expect(back.Requirements).To(Equal(s.Requirements))
		Expect(back.Specs).To(HaveLen(3))
		Expect(back.Specs[1].Message).To(Equal("Expected the proxy to be alive\nbut it exited"))

		var suites reporters.JUnitTestSuites
		Expect(xml.Unmarshal(Successful(os.ReadFile(junitFile)), &suites)).To(Succeed())
		Expect(suites.Tests).To(Equal(3))
		Expect(suites.Failures).To(Equal(2))
		Expect(suites.TestSuites).To(HaveLen(1))
		Expect(suites.TestSuites[0].Name).To(Equal("ccproxy-server"))
		Expect(suites.TestSuites[0].Properties.WithName("target")).To(Equal("socket /run/p.sock"))
		names := []string{}
		for _, tc := range suites.TestSuites[0].TestCases {
			names = append(names, tc.Classname+" "+tc.Name)
		}
		Expect(names).To(Equal([]string{
			"CCP-S-01 CCP-S-01/must-passed: checks something",
			"CCP-S-05 CCP-S-05/must-failed: checks something",
			"CCP-S-16 CCP-S-16/should-failed: checks something",
		}))
	})

	It("passes a run whose only failure is a should, and says so", func() {
		var out bytes.Buffer
		s, err := report.AfterSuite(run(
			spec("CCP-S-01", must, types.SpecStatePassed, ""),
			spec("CCP-S-16", should, types.SpecStateFailed, "READY wait unbounded"),
		), report.Options{Out: &out})
		Expect(err).NotTo(HaveOccurred())
		Expect(s.ExitCode).To(Equal(0))
		Expect(out.String()).To(ContainSubstring("RESULT: PASS (exit 0)"))
		Expect(out.String()).To(ContainSubstring("strict: no"))
	})

	// the states other than pass and fail, in every report
	states := run(
		spec("CCP-S-13", must, types.SpecStatePassed, ""),
		blocked("CCP-S-20", must, "CCP-S-13", "RegisterVM: Expected\n<bool>: false"),
		limited("CCP-S-39", must, "the target gives no PID: fd table not compared"),
		notApplicable("CCP-S-25", should, "a per-pod proxy exits after UnregisterVM"),
		spec("CCP-S-25", must, types.SpecStatePassed, ""),
		spec("SPC-S-01", must, types.SpecStateSkipped, "needs root: the service creates namespaces"),
	)

	It("shows blocked, limited, not applicable and unchecked, and INCOMPLETE", func() {
		dir := GinkgoT().TempDir()
		var out bytes.Buffer
		s, err := report.AfterSuite(states, report.Options{
			JSONFile: filepath.Join(dir, "s.json"), JUnitFile: filepath.Join(dir, "s.xml"), Out: &out,
		})
		Expect(err).NotTo(HaveOccurred())
		Expect(s.ExitCode).To(Equal(report.ExitIncomplete))

		console := out.String()
		Expect(console).To(MatchRegexp(`CCP-S-20\s+must\s+blocked \(by CCP-S-13\)\s+0\s+0\s+1\s+0\s+0\s+0\n`))
		Expect(console).To(ContainSubstring("must blocked by CCP-S-13: CCP-S-20/must-skipped: checks something\n"))
		Expect(console).To(ContainSubstring("  RegisterVM: Expected\n"), "the precondition's first failure line")
		Expect(console).To(MatchRegexp(`CCP-S-39\s+must\s+passed \(limited\)\s+1\s+0`))
		Expect(console).To(ContainSubstring("passed (limited: the target gives no PID: fd table not compared)"))
		Expect(console).To(MatchRegexp(`CCP-S-25\s+must,should\s+passed\s+1\s+0\s+0\s+0\s+1\s+0\n`))
		Expect(console).To(ContainSubstring("should not applicable: CCP-S-25/should-skipped: checks something\n"))
		Expect(console).To(ContainSubstring("2 must-level requirements left unchecked:\n  CCP-S-20: blocked by CCP-S-13\n  SPC-S-01: skipped: needs root: the service creates namespaces\n"))
		Expect(console).To(ContainSubstring("RESULT: INCOMPLETE (exit 3): must-level requirements left unchecked; not certified"))

		var back report.Summary
		Expect(json.Unmarshal(Successful(os.ReadFile(filepath.Join(dir, "s.json"))), &back)).To(Succeed())
		Expect(back.Result).To(Equal(report.ResultIncomplete))
		Expect(back.Requirements).To(Equal(s.Requirements))
		Expect(back.Specs).To(Equal(s.Specs))
		Expect(back.Totals).To(Equal(s.Totals))

		suites := readJUnit(filepath.Join(dir, "s.xml"))
		Expect(suites.Failures).To(BeZero(), "nothing failed")
		Expect(suites.Errors).To(BeZero())
		cases := junitCases(suites)
		Expect(cases["CCP-S-20"].Skipped).NotTo(BeNil())
		Expect(cases["CCP-S-20"].Skipped.Message).To(ContainSubstring("blocked by CCP-S-13: RegisterVM"))
		Expect(cases["CCP-S-20"].Status).To(Equal("blocked (by CCP-S-13)"))
		Expect(cases["CCP-S-39"].Skipped).To(BeNil())
		Expect(cases["CCP-S-39"].Status).To(Equal("passed (limited: the target gives no PID: fd table not compared)"))
	})

	It("shows an interrupted run as INTERRUPTED, its specs skipped in JUnit, no failure", func() {
		dir := GinkgoT().TempDir()
		var out bytes.Buffer
		s, err := report.AfterSuite(cut(run(
			spec("CCP-S-01", must, types.SpecStatePassed, ""),
			spec("CCP-S-05", must, types.SpecStateInterrupted, "Interrupted by User\nprogress report"),
			spec("CCP-S-06", must, types.SpecStateSkipped, ""),
			spec("CCP-S-07", must, types.SpecStateSkipped, ""),
		), "Interrupted by User"), report.Options{JUnitFile: filepath.Join(dir, "i.xml"), Out: &out})
		Expect(err).NotTo(HaveOccurred())
		Expect(s.ExitCode).To(Equal(report.ExitInterrupted))
		console := out.String()
		Expect(console).To(ContainSubstring("must interrupted: CCP-S-05/must-interrupted: checks something\n"))
		Expect(console).To(ContainSubstring("1 not run: the run was interrupted first"))
		Expect(console).To(ContainSubstring("\ninterrupted: Interrupted by User\n"))
		Expect(console).NotTo(ContainSubstring("suite failure"))
		Expect(console).To(ContainSubstring("RESULT: INTERRUPTED (exit 4): the run was cut short; not a verdict on the target"))

		suites := readJUnit(filepath.Join(dir, "i.xml"))
		Expect(suites.Failures).To(BeZero())
		Expect(suites.Errors).To(BeZero(), "Ginkgo's <error> for an interrupt is not a verdict")
		Expect(junitCases(suites)["CCP-S-05"].Skipped.Message).To(ContainSubstring("interrupted: Interrupted by User"))
	})

	It("shows a dry run as DRY RUN, nothing passed, in JUnit neither", func() {
		dir := GinkgoT().TempDir()
		var out bytes.Buffer
		s, err := report.AfterSuite(dry(run(spec("CCP-S-01", must, types.SpecStatePassed, ""))),
			report.Options{JUnitFile: filepath.Join(dir, "d.xml"), Out: &out})
		Expect(err).NotTo(HaveOccurred())
		Expect(s.ExitCode).To(Equal(0))
		Expect(out.String()).To(ContainSubstring("DRY RUN: specs listed, none run"))
		Expect(out.String()).To(MatchRegexp(`CCP-S-01\s+must\s+skipped\s+0`))
		Expect(out.String()).To(ContainSubstring("RESULT: DRY RUN (exit 0): nothing ran, nothing is certified"))
		Expect(junitCases(readJUnit(filepath.Join(dir, "d.xml")))["CCP-S-01"].Skipped.Message).To(ContainSubstring("not run: dry run"))
	})

	It("reports a report file it cannot write, naming it", func() {
		dir := GinkgoT().TempDir()
		blocker := filepath.Join(dir, "file")
		Expect(os.WriteFile(blocker, nil, 0o644)).To(Succeed())
		_, err := report.AfterSuite(r, report.Options{JSONFile: filepath.Join(blocker, "x.json"), Out: &bytes.Buffer{}})
		Expect(err).To(MatchError(ContainSubstring("JSON report " + filepath.Join(blocker, "x.json"))))
	})
})

func readJUnit(path string) reporters.JUnitTestSuites {
	GinkgoHelper()
	var suites reporters.JUnitTestSuites
	Expect(xml.Unmarshal(Successful(os.ReadFile(path)), &suites)).To(Succeed())
	return suites
}

// junitCases maps each requirement ID (a test case's class) to the last
// test case of it.
func junitCases(suites reporters.JUnitTestSuites) map[string]reporters.JUnitTestCase {
	cases := map[string]reporters.JUnitTestCase{}
	for _, s := range suites.TestSuites {
		for _, tc := range s.TestCases {
			cases[tc.Classname] = tc
		}
	}
	return cases
}
