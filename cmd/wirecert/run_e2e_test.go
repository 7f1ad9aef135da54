package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/reporters"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gexec"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/conformance/report"
)

// specContent is what must not depend on -p in a report: each spec's
// identity, outcome and messages (not its duration), sorted, since the
// order of the suites follows the random seed.
type specContent struct {
	ID, Text, Level, Outcome, State, Message, Location, BlockedBy, Limits, Note string
}

// reportContent is a JSON report without its durations, times and seed.
type reportContent struct {
	Specs         []specContent
	Requirements  []report.RequirementResult
	Totals        report.Totals
	Result        report.Result
	ExitCode      int
	SuiteFailures []string
	Interruptions []string
	Suite, Target string
}

func contentOf(s report.Summary) reportContent {
	c := reportContent{Requirements: s.Requirements, Totals: s.Totals, Result: s.Result, ExitCode: s.ExitCode,
		SuiteFailures: s.SuiteFailures, Interruptions: s.Interruptions, Suite: s.Suite, Target: s.Target}
	for _, sp := range s.Specs {
		c.Specs = append(c.Specs, specContent{sp.ID, sp.Text, string(sp.Level), string(sp.Outcome), sp.State, sp.Message,
			sp.Location, sp.BlockedBy, strings.Join(sp.Limits, "; "), sp.Note})
	}
	slices.SortFunc(c.Specs, func(a, b specContent) int { return strings.Compare(a.Text, b.Text) })
	return c
}

// junitCases are a JUnit report's test cases: name, status and what they
// hold but their output, sorted.
func junitCases(path string) []string {
	GinkgoHelper()
	var suites reporters.JUnitTestSuites
	Expect(xml.Unmarshal(Successful(os.ReadFile(path)), &suites)).To(Succeed())
	var cases []string
	for _, ts := range suites.TestSuites {
		for _, tc := range ts.TestCases {
			c := tc.Name + " | " + tc.Status
			if tc.Failure != nil {
				c += " | failure " + tc.Failure.Message
			}
			if tc.Error != nil {
				c += " | error " + tc.Error.Message
			}
			if tc.Skipped != nil {
				c += " | skipped " + tc.Skipped.Message
			}
			cases = append(cases, c)
		}
	}
	slices.Sort(cases)
	return cases
}

// processesOf returns the pids of the processes running binary bin.
func processesOf(bin string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		if argv0, _, _ := bytes.Cut(cmdline, []byte{0}); string(argv0) == bin {
			var pid int
			fmt.Sscan(e.Name(), &pid)
			pids = append(pids, pid)
		}
	}
	return pids
}

// stderrLines are the non-empty lines a session wrote on stderr.
func stderrLines(session *gexec.Session) []string {
	var lines []string
	for _, l := range strings.Split(string(session.Err.Contents()), "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

var _ = Describe("wirecert run and reference with -p, --fail-fast and the preflight, built and run", Ordered, ContinueOnFailure, func() {

	BeforeAll(func() {
		wirecertBin = Successful(gexec.Build("github.com/wirecert/wirecert/cmd/wirecert"))
		DeferCleanup(os.RemoveAll, filepath.Dir(wirecertBin))
	})

	// Every run leaves no process of the binary behind: its workers and
	// the targets it started are reaped.
	AfterEach(func() {
		Eventually(func() []int { return processesOf(wirecertBin) }).WithTimeout(10*time.Second).Should(BeEmpty(),
			"wirecert processes left running")
	})

	Context("-p", func() {
		// The whole reference run, serially or in worker processes.
		referenceRun := func(dir string, procs ...string) (*gexec.Session, report.Summary, []string) {
			GinkgoHelper()
			jsonFile, junitFile := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.xml")
			session := wirecertRun(dir, append([]string{"reference", "--no-color",
				"--json", jsonFile, "--junit", junitFile}, procs...)...)
			Expect(session).To(gexec.Exit(exitPass), func() string { return string(session.Out.Contents()) })
			return session, readSummary(jsonFile), junitCases(junitFile)
		}

		It("gives the reference run in 2 and in 4 worker processes the serial run's report, and prints one summary", func() {
			_, serial, serialCases := referenceRun(GinkgoT().TempDir())
			Expect(serial.Specs).To(HaveLen(serial.Totals.Specs))
			for _, procs := range []string{"2", "4"} {
				session, parallel, cases := referenceRun(GinkgoT().TempDir(), "-p", procs)
				Expect(contentOf(parallel)).To(Equal(contentOf(serial)), "-p %s", procs)
				Expect(cases).To(Equal(serialCases), "-p %s: the JUnit test cases", procs)
				out := string(session.Out.Contents())
				Expect(out).To(ContainSubstring("in %s worker processes", procs))
				Expect(strings.Count(out, "wirecert: running ")).To(Equal(1), out)
				Expect(strings.Count(out, "wirecert conformance summary")).To(Equal(1), out)
				Expect(out).NotTo(ContainSubstring("Ran "), "Ginkgo's stream only with -v")
			}
		})

		It("fails a run whose worker is killed, and runs its unclaimed specs in the other worker", func() {
			dir := GinkgoT().TempDir()
			jsonFile := filepath.Join(dir, "killed.json")
			cmd := exec.Command(wirecertBin, "reference", "--suite", "ccproxy-server", "-p", "2",
				"--no-color", "-v", "--json", jsonFile, "--junit", "")
			cmd.Dir = dir
			session := Successful(gexec.Start(cmd, GinkgoWriter, GinkgoWriter))
			DeferCleanup(func() { session.Kill().Wait(10 * time.Second) })
			Eventually(session.Out).WithTimeout(runTimeout).Should(gbytes.Say("•"), "a spec done")
			workers := childrenOf(cmd.Process.Pid)
			Expect(workers).To(HaveLen(2))
			Expect(syscall.Kill(workers[0], syscall.SIGKILL)).To(Succeed())
			Eventually(session).WithTimeout(runTimeout).Should(gexec.Exit(exitFail))
			Expect(session.Out).To(gbytes.Say(`RESULT: FAIL \(exit 1\)`))

			s := readSummary(jsonFile)
			Expect(s.Result).To(Equal(report.ResultFail))
			Expect(s.SuiteFailures).To(ContainElement(MatchRegexp(
				`^wirecert worker [12] of 2 \(pid %d\) ended \(signal: killed\) before it finished its run`, workers[0])))
			aborted := 0
			for _, sp := range s.Specs {
				// the survivor ran everything the dead one had not claimed
				Expect(sp.Outcome).To(BeElementOf(report.OutcomePassed, report.OutcomeFailed), sp.Text)
				if sp.State == "aborted" {
					aborted++
					Expect(sp.Message).To(ContainSubstring("(pid %d) ended (signal: killed) while this spec ran", workers[0]))
				}
			}
			Expect(aborted).To(BeNumerically("<=", 1), "only the spec it was running is lost")
		})
	})

	DescribeTable("--fail-fast stops at the first failure: FAIL, fewer specs run than selected",
		func(procs ...string) {
			dir := GinkgoT().TempDir()
			jsonFile := filepath.Join(dir, "ff.json")
			socket, _ := silentTarget(dir)
			session := wirecertRun(dir, append([]string{"run", "--suite", "ccproxy-server", "--socket", socket,
				"--fail-fast", "--step-timeout", "500ms", "--no-color", "--json", jsonFile}, procs...)...)
			Expect(session).To(gexec.Exit(exitFail))
			Expect(session.Out).To(gbytes.Say(`RESULT: FAIL \(exit 1\)`))
			s := readSummary(jsonFile)
			Expect(s.Result).To(Equal(report.ResultFail))
			Expect(s.Interruptions).To(BeEmpty(), "nobody interrupted the run")
			ran := 0
			for _, sp := range s.Specs {
				if sp.Outcome != report.OutcomeSkipped {
					ran++
				}
			}
			Expect(s.Totals.SpecOutcomes.FailedMust + s.Totals.SpecOutcomes.FailedShould).To(BeNumerically(">=", 1))
			Expect(ran).To(BeNumerically("<", s.Totals.Specs/2), "specs run of %d selected", s.Totals.Specs)
			Expect(s.Totals.SpecOutcomes.Skipped).To(BeNumerically(">", s.Totals.Specs/2))
		},
		Entry("in one process"),
		Entry("in 3 worker processes", "-p", "3"),
	)

	Context("the preflight", func() {
		It("refuses a --socket path that is not there: exit 2, one error line naming the path, no spec run", func() {
			dir := GinkgoT().TempDir()
			socket := filepath.Join(dir, "absent.sock")
			session := wirecertRun(dir, "run", "--suite", "ccproxy-server", "--socket", socket)
			Expect(session).To(gexec.Exit(exitUsage))
			Expect(stderrLines(session)).To(ConsistOf(And(ContainSubstring(socket), ContainSubstring("no such file"))))
			Expect(string(session.Out.Contents())).NotTo(ContainSubstring("Running Suite"))
		})

		It("refuses a command that exits at once: exit 2, naming its exit status and its last stderr line", func() {
			session := wirecertRun(GinkgoT().TempDir(), "run", "--suite", "ccproxy-server",
				"--command", `sh -c 'echo boom >&2; exit 3' {socket}`)
			Expect(session).To(gexec.Exit(exitUsage))
			Expect(session.Err).To(gbytes.Say(`preflight: ccproxy-server target --command sh -c 'echo boom >&2; exit 3' \{socket\} exited with exit status 3`))
			Expect(session.Err).To(gbytes.Say(`\n\s+boom\n`))
			Expect(string(session.Out.Contents())).NotTo(ContainSubstring("Running Suite"))
		})

		It("refuses a command that is not found, for every suite with a command", func() {
			for _, args := range [][]string{
				{"--suite", "ccproxy-server", "--command", "no-such-proxy --socket {socket}"},
				{"--suite", "ccproxy-client", "--command", "no-such-shim {socket} {token}"},
				{"--suite", "spacer-service", "--command", "no-such-spacer"},
			} {
				session := wirecertRun(GinkgoT().TempDir(), append([]string{"run"}, args...)...)
				Expect(session).To(gexec.Exit(exitUsage))
				Expect(session.Err).To(gbytes.Say(`program "no-such-\w+" not found`))
			}
		})

		It("refuses a spacer service that never answers, after the start timeout, and stops it", func() {
			session := wirecertRun(GinkgoT().TempDir(), "run", "--suite", "spacer-service",
				"--command", "sleep 617", "--start-timeout", "500ms")
			Expect(session).To(gexec.Exit(exitUsage))
			Expect(session.Err).To(gbytes.Say(`spacer-service target --command sleep 617 did not answer a RoomsRequest on fd 3 within the start timeout 500ms`))
			Expect(processesOf("sleep")).NotTo(ContainElement(Satisfy(func(pid int) bool {
				cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
				return string(cmdline) == "sleep\x00617\x00"
			})), "the service is stopped")
		})
	})
})
