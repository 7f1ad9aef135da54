package report_test

import (
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/conformance/report"
)

// validJUnit runs xmllint on a JUnit file against report.JUnitSchema and
// returns what it said; it skips the spec when xmllint is not installed.
func validJUnit(path string) error {
	GinkgoHelper()
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		Skip("xmllint not installed (apt-get install libxml2-utils): the JUnit report is not validated against its XSD")
	}
	xsd := filepath.Join(GinkgoT().TempDir(), "junit.xsd")
	Expect(os.WriteFile(xsd, report.JUnitSchema(), 0o644)).To(Succeed())
	out, err := exec.Command(xmllint, "--noout", "--schema", xsd, path).CombinedOutput()
	if err != nil {
		return &xmllintError{path: path, out: strings.TrimSpace(string(out)), err: err}
	}
	return nil
}

// xmllintError is xmllint's verdict on a file it did not validate.
type xmllintError struct {
	path, out string
	err       error
}

func (e *xmllintError) Error() string {
	return "xmllint " + e.path + ": " + e.err.Error() + ":\n" + e.out
}

// writtenJUnit writes r's JUnit report and returns its path.
func writtenJUnit(r types.Report, opts report.Options) string {
	GinkgoHelper()
	path := filepath.Join(GinkgoT().TempDir(), "junit.xml")
	Expect(report.Summarize(r, opts).WriteJUnit(path)).To(Succeed())
	return path
}

var _ = Describe("the JUnit report", func() {
	withOutput := func(sr types.SpecReport, out string) types.SpecReport {
		sr.CapturedGinkgoWriterOutput = out
		return sr
	}
	mixed := run(
		withOutput(spec("CCP-S-01", must, types.SpecStatePassed, ""), "STEP: a passing spec's steps\n"),
		withOutput(spec("CCP-S-05", must, types.SpecStateFailed, "hostile connection: expected it closed\nExpected\n    <bool>: false\nto be true"), "STEP: sending the header\n"),
		spec("CCP-S-06", must, types.SpecStateTimedout, "A spec timeout occurred"),
		spec("CCP-S-08", should, types.SpecStatePanicked, "runtime error: index out of range"),
		blocked("CCP-S-20", must, "CCP-S-13", "RegisterVM: Expected\n<bool>: false"),
		limited("CCP-S-39", must, "no PID"),
		notApplicable("CCP-S-25", should, "a per-pod proxy exits after UnregisterVM"),
		spec("SPC-S-01", must, types.SpecStateSkipped, "needs root: the service creates namespaces"),
		spec("SPC-C-02", must, types.SpecStatePassed, ""),
		spec("", must, types.SpecStatePassed, ""),
	)

	It("has one testsuite per suite, classes by requirement, names by spec ID", func() {
		path := writtenJUnit(mixed, report.Options{Suite: "all", Target: "reference"})
		suites := readJUnit(path)
		var names []string
		for _, ts := range suites.TestSuites {
			names = append(names, ts.Name)
		}
		Expect(names).To(Equal([]string{"all", "ccproxy-server", "spacer-client", "spacer-service"}),
			"the suite of each requirement prefix; a spec citing none goes with the run's")
		Expect(suites.Tests).To(Equal(10))
		Expect(suites.Failures).To(Equal(2), "the failed and the timed-out spec")
		Expect(suites.Errors).To(Equal(1), "the panic")
		cc := suites.TestSuites[1]
		Expect(cc.Tests).To(Equal(7))
		Expect(cc.Skipped).To(Equal(2), "blocked and not applicable")
		Expect(cc.Timestamp).To(Equal("2026-01-02T03:04:05"))
		Expect(cc.Properties.WithName("target")).To(Equal("reference"))
		Expect(cc.Properties.WithName("result")).To(Equal("FAIL"))
		Expect(cc.TestCases[0].Name).To(Equal("CCP-S-01/must-passed: checks something"))
		Expect(cc.TestCases[0].Classname).To(Equal("CCP-S-01"))
		Expect(cc.TestCases[0].Status).To(Equal("passed"))
		Expect(suites.TestSuites[0].TestCases[0].Name).To(Equal("cc-proxy server conformance checks something"),
			"a spec without an ID is named by its text")
		Expect(suites.TestSuites[0].TestCases[0].Classname).To(Equal(report.Unlabelled))
	})

	It("gives failures their whole message, type and location, and passes nothing but their status", func() {
		cases := junitCases(readJUnit(writtenJUnit(mixed, report.Options{})))
		pass := cases["CCP-S-01"]
		Expect(pass.Failure).To(BeNil())
		Expect(pass.Skipped).To(BeNil())
		Expect(pass.SystemOut).To(BeEmpty(), "no timeline of a passing spec")
		Expect(pass.SystemErr).To(BeEmpty())

		fail := cases["CCP-S-05"]
		Expect(fail.Failure).NotTo(BeNil())
		Expect(fail.Failure.Message).To(Equal("hostile connection: expected it closed\nExpected\n    false\nto be true"),
			"expected and actual in the message")
		Expect(fail.Failure.Type).To(Equal("failed"))
		Expect(fail.Failure.Description).To(HaveSuffix("to be true\nat server_header.go:50"))
		Expect(fail.SystemOut).To(Equal("STEP: sending the header"), "what the failed spec wrote")
		Expect(cases["CCP-S-06"].Failure.Type).To(Equal("timedout"))
		Expect(cases["CCP-S-08"].Error).NotTo(BeNil(), "a panic is an error")
		Expect(cases["CCP-S-08"].Error.Type).To(Equal("panicked"))
	})

	It("skips what was not judged, with the reason, and shows the outcome as the status", func() {
		cases := junitCases(readJUnit(writtenJUnit(mixed, report.Options{})))
		Expect(cases["CCP-S-20"].Skipped.Message).To(Equal("blocked by CCP-S-13: RegisterVM: Expected\nfalse"))
		Expect(cases["CCP-S-20"].Status).To(Equal("blocked (by CCP-S-13)"))
		Expect(cases["CCP-S-25"].Skipped.Message).To(Equal("not applicable: a per-pod proxy exits after UnregisterVM"))
		Expect(cases["SPC-S-01"].Skipped.Message).To(Equal("skipped: needs root: the service creates namespaces"))
		Expect(cases["CCP-S-39"].Skipped).To(BeNil(), "a limited pass is a pass")
		Expect(cases["CCP-S-39"].Status).To(Equal("passed (limited: no PID)"))
	})

	It("leaves out the specs the selection left out, rather than skipping them", func() {
		r := run(spec("CCP-S-01", must, types.SpecStatePassed, ""), spec("CCP-S-05", must, types.SpecStateSkipped, ""))
		r.SuiteConfig.LabelFilter = "CCP-S-01"
		suites := readJUnit(writtenJUnit(r, report.Options{}))
		Expect(suites.Tests).To(Equal(1))
		Expect(junitCases(suites)).To(HaveKey("CCP-S-01"))
		Expect(junitCases(suites)).NotTo(HaveKey("CCP-S-05"))
		Expect(suites.TestSuites[0].Properties.WithName("label filter")).To(Equal("CCP-S-01"))
	})

	It("escapes what XML cannot hold", func() {
		path := writtenJUnit(run(spec("CCP-S-05", must, types.SpecStateFailed, "got \x00\x1b[1m <frame> & \"quotes\"")), report.Options{})
		var suites reporters.JUnitTestSuites
		Expect(xml.Unmarshal(Successful(os.ReadFile(path)), &suites)).To(Succeed())
		Expect(suites.TestSuites[0].TestCases[0].Failure.Message).To(ContainSubstring(`<frame> & "quotes"`))
		Expect(validJUnit(path)).To(Succeed())
	})

	DescribeTable("validates against the JUnit XSD Jenkins and GitLab read",
		func(r types.Report) {
			Expect(validJUnit(writtenJUnit(r, report.Options{Suite: "ccproxy-server", Target: "socket /run/p.sock"}))).To(Succeed())
		},
		Entry("every outcome", mixed),
		Entry("a dry run", dry(run(spec("CCP-S-01", must, types.SpecStatePassed, "")))),
		Entry("an interrupted run", cut(run(spec("CCP-S-05", must, types.SpecStateInterrupted, "Interrupted by User")), "Interrupted by User")),
		Entry("no spec at all", run()),
	)

	It("is checked by an XSD that rejects what the readers reject", func() {
		path := writtenJUnit(mixed, report.Options{})
		b := Successful(os.ReadFile(path))
		for what, damaged := range map[string]string{
			"a testcase without a name":  strings.Replace(string(b), `<testcase name="CCP-S-01/must-passed: checks something"`, `<testcase`, 1),
			"a count that is no number":  strings.Replace(string(b), `tests="10"`, `tests="ten"`, 1),
			"a failure after its output": strings.Replace(string(b), "<failure", "<system-out>x</system-out><failure", 1),
		} {
			Expect(damaged).NotTo(Equal(string(b)), what)
			Expect(os.WriteFile(path, []byte(damaged), 0o644)).To(Succeed())
			Expect(validJUnit(path)).NotTo(Succeed(), what)
		}
	})
})
