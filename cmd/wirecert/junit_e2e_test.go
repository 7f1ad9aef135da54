package main

import (
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/reporters"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/conformance/report"
)

// xmllintJUnit validates a JUnit file against the XSD of package report
// with xmllint, and returns what xmllint said when it did not validate; it
// skips the spec when xmllint is not installed.
func xmllintJUnit(path string) (string, error) {
	GinkgoHelper()
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		Skip("xmllint not installed (apt-get install libxml2-utils): the JUnit report is not validated against its XSD")
	}
	xsd := filepath.Join(GinkgoT().TempDir(), "junit.xsd")
	Expect(os.WriteFile(xsd, report.JUnitSchema(), 0o644)).To(Succeed())
	out, err := exec.Command(xmllint, "--noout", "--schema", xsd, path).CombinedOutput()
	return string(out), err
}

// junitNames are a JUnit file's test cases as "classname | name", sorted.
func junitNames(suites reporters.JUnitTestSuites) []string {
	var names []string
	for _, ts := range suites.TestSuites {
		for _, tc := range ts.TestCases {
			names = append(names, tc.Classname+" | "+tc.Name)
		}
	}
	slices.Sort(names)
	return names
}

// The proof: the same suite run against one target binary
// installed under two paths gives the same spec IDs and JUnit test names,
// and the JUnit of that failing run (a fault) is what Jenkins and GitLab
// read.
var _ = Describe("spec IDs and the JUnit report of a CLI run against a fault", Ordered, func() {
	type run struct {
		install string
		session *gexec.Session
		summary report.Summary
		junit   reporters.JUnitTestSuites
		xmlPath string
	}
	var runs []run

	BeforeAll(func(_ SpecContext) {
		wirecert := Successful(gexec.Build("github.com/wirecert/wirecert/cmd/wirecert"))
		faulty := Successful(gexec.Build("github.com/wirecert/wirecert/fakes/faultyproxy/cmd/faultyproxy"))
		bin := Successful(os.ReadFile(faulty))
		base := GinkgoT().TempDir()
		for _, install := range []string{
			filepath.Join(base, "opt", "faultyproxy", "bin"),
			filepath.Join(base, "home", "ci", "builds", "1234", "tools"),
		} {
			Expect(os.MkdirAll(install, 0o755)).To(Succeed())
			target := filepath.Join(install, "faultyproxy")
			Expect(os.WriteFile(target, bin, 0o755)).To(Succeed())
			dir := GinkgoT().TempDir()
			r := run{install: install, xmlPath: filepath.Join(dir, "r.xml")}
			cmd := exec.Command(wirecert, "run", "--suite", "ccproxy-server", "-p", "2", "--no-color",
				"--command", target+" --fault CCP-S-05 --socket {socket}",
				"--json", filepath.Join(dir, "r.json"), "--junit", r.xmlPath)
			cmd.Dir = dir
			r.session = Successful(gexec.Start(cmd, GinkgoWriter, GinkgoWriter))
			DeferCleanup(func() { r.session.Kill().Wait() })
			Eventually(r.session).WithTimeout(runTimeout).Should(gexec.Exit())
			r.summary = readSummary(filepath.Join(dir, "r.json"))
			Expect(xml.Unmarshal(Successful(os.ReadFile(r.xmlPath)), &r.junit)).To(Succeed())
			runs = append(runs, r)
		}
	}, NodeTimeout(2*runTimeout+time.Minute))

	It("fails the fault's requirement, the target named once per report", func() {
		for _, r := range runs {
			Expect(r.session.ExitCode()).To(Equal(exitFail))
			Expect(r.summary.Target).To(ContainSubstring(r.install), "the report names the target once")
			for _, sp := range r.summary.Specs {
				Expect(sp.Text).NotTo(ContainSubstring(r.install), "no spec text names the target")
			}
		}
	})

	It("gives the same spec IDs and JUnit test names wherever the target is installed", func() {
		ids := func(s report.Summary) []string {
			var out []string
			for _, sp := range s.Specs {
				Expect(sp.ID).NotTo(BeEmpty(), sp.Text)
				out = append(out, sp.ID)
			}
			slices.Sort(out)
			return out
		}
		Expect(runs).To(HaveLen(2))
		Expect(ids(runs[0].summary)).To(HaveLen(len(runs[0].summary.Specs)))
		Expect(ids(runs[0].summary)).To(Equal(ids(runs[1].summary)))
		Expect(junitNames(runs[0].junit)).To(HaveLen(len(runs[0].summary.Specs)), "one test case per selected spec")
		Expect(junitNames(runs[0].junit)).To(Equal(junitNames(runs[1].junit)))
		Expect(strings.Join(junitNames(runs[1].junit), "\n")).NotTo(ContainSubstring(runs[1].install))
	})

	It("writes JUnit that validates against the XSD, its failures with their messages", func() {
		for _, r := range runs {
			out, err := xmllintJUnit(r.xmlPath)
			Expect(err).NotTo(HaveOccurred(), "xmllint: %s", out)
			Expect(r.junit.TestSuites).To(HaveLen(1))
			Expect(r.junit.TestSuites[0].Name).To(Equal("ccproxy-server"))
			Expect(r.junit.Failures).To(BeNumerically(">", 0))
			var failed []string
			for _, tc := range r.junit.TestSuites[0].TestCases {
				Expect(tc.Name).To(HavePrefix(tc.Classname+"/"), "a test case of the class of its requirement")
				switch {
				case tc.Failure != nil:
					failed = append(failed, tc.Classname)
					Expect(tc.Failure.Message).NotTo(BeEmpty())
					Expect(tc.Failure.Type).NotTo(BeEmpty())
				case tc.Status == string(report.OutcomePassed):
					Expect(tc.SystemOut).To(BeEmpty(), "no timeline of the passing %s", tc.Name)
					Expect(tc.SystemErr).To(BeEmpty())
				}
			}
			Expect(failed).To(ContainElement("CCP-S-05"), "the fault's requirement failed")
		}
	})
})
