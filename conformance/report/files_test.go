package report_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"

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
		Expect(console).NotTo(ContainSubstring("but it exited"), "only the first line of a failure")
		Expect(console).To(ContainSubstring("must failed: cc-proxy server conformance CCP-S-05 (must): checks something"))
		Expect(console).To(ContainSubstring("3 requirements: 1 passed, 1 failed, 1 failed (should), 0 skipped, 0 not applicable; 3 specs"))
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
		names := []string{}
		for _, tc := range suites.TestSuites[0].TestCases {
			names = append(names, tc.Name)
		}
		Expect(names).To(ContainElement(ContainSubstring("[CCP-S-05, must]")))
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

	It("reports a report file it cannot write, naming it", func() {
		dir := GinkgoT().TempDir()
		blocker := filepath.Join(dir, "file")
		Expect(os.WriteFile(blocker, nil, 0o644)).To(Succeed())
		_, err := report.AfterSuite(r, report.Options{JSONFile: filepath.Join(blocker, "x.json"), Out: &bytes.Buffer{}})
		Expect(err).To(MatchError(ContainSubstring("JSON report " + filepath.Join(blocker, "x.json"))))
	})
})
