package main

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/reporters"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gexec"
	"github.com/onsi/gomega/gleak"
	"github.com/thediveo/fdooze"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/conformance/report"
)

// runTimeout bounds one wirecert run of a small selection.
const runTimeout = 3 * time.Minute

var wirecertBin, ccproxyBin string

// wirecertRun runs the built CLI in a temp dir (so default reports land
// there) and waits for it to exit.
func wirecertRun(dir string, args ...string) *gexec.Session {
	GinkgoHelper()
	cmd := exec.Command(wirecertBin, args...)
	cmd.Dir = dir
	session := Successful(gexec.Start(cmd, GinkgoWriter, GinkgoWriter))
	DeferCleanup(func() { session.Kill().Wait(10 * time.Second) })
	Eventually(session).WithTimeout(runTimeout).Should(gexec.Exit())
	return session
}

func readSummary(path string) report.Summary {
	GinkgoHelper()
	var s report.Summary
	Expect(json.Unmarshal(Successful(os.ReadFile(path)), &s)).To(Succeed())
	return s
}

func requirementIDs(s report.Summary) []string {
	ids := []string{}
	for _, r := range s.Requirements {
		ids = append(ids, r.ID)
	}
	return ids
}

// silentTarget listens on a socket in dir, accepts and never answers: a
// spec waits for it (a step timeout of 5s) until the run is cut short. It
// returns the socket and the number of connections accepted so far (the
// preflight's among them).
func silentTarget(dir string) (string, func() int) {
	socket := filepath.Join(dir, "silent.sock")
	ln := Successful(net.Listen("unix", socket))
	done := make(chan struct{})
	var accepted atomic.Int32
	DeferCleanup(func() { ln.Close(); <-done })
	go func() {
		defer GinkgoRecover()
		defer close(done)
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			conns = append(conns, c)
		}
	}()
	return socket, func() int { return int(accepted.Load()) }
}

// expectInterrupted checks a run cut short for reason: exit 4, every spec
// interrupted, no suite failure.
func expectInterrupted(session *gexec.Session, jsonFile, reason string) {
	GinkgoHelper()
	Expect(session).To(gexec.Exit(exitInterrupted))
	Expect(session.Out).To(gbytes.Say(`interrupted: ` + reason))
	Expect(session.Out).To(gbytes.Say(`RESULT: INTERRUPTED \(exit 4\)`))
	s := readSummary(jsonFile)
	Expect(s.SuiteFailures).To(BeEmpty())
	Expect(s.Specs).NotTo(BeEmpty())
	for _, sp := range s.Specs {
		Expect(sp.Outcome).To(Equal(report.OutcomeInterrupted), sp.Text)
	}
}

// Ordered for one build of the binaries (BeforeAll, not BeforeSuite: the
// in-process specs need no build).
var _ = Describe("wirecert, built and run", Ordered, ContinueOnFailure, func() {

	BeforeAll(func() {
		wirecertBin = Successful(gexec.Build("github.com/wirecert/wirecert/cmd/wirecert"))
		ccproxyBin = Successful(gexec.Build("github.com/wirecert/wirecert/reference/ccproxy/cmd/ccproxy"))
		DeferCleanup(os.RemoveAll, filepath.Dir(wirecertBin))
		DeferCleanup(os.RemoveAll, filepath.Dir(ccproxyBin))
	})

	BeforeEach(func() {
		goods := gleak.Goroutines()
		fds := fdooze.Filedescriptors()
		DeferCleanup(func() {
			Eventually(gleak.Goroutines).ShouldNot(gleak.HaveLeaked(goods))
			Expect(fdooze.Filedescriptors()).NotTo(fdooze.HaveLeakedFds(fds))
		})
	})

	It("certifies the reference implementation for a selection, with the default report files", func() {
		dir := GinkgoT().TempDir()
		session := wirecertRun(dir, "reference", "--require", "CCP-S-01,CCP-S-05", "--no-color")
		Expect(session).To(gexec.Exit(exitPass))
		Expect(session.Out).To(gbytes.Say(`suite:  ccproxy-server`))
		Expect(session.Out).To(gbytes.Say(`target: reference ccproxy \(in-process\)`))
		Expect(session.Out).To(gbytes.Say(`CCP-S-01\s+must\s+passed\s+[1-9]\d*\s+0\s+0`))
		Expect(session.Out).To(gbytes.Say(`CCP-S-05\s+must\s+passed`))
		Expect(session.Out).To(gbytes.Say(`RESULT: PASS \(exit 0\)`))

		s := readSummary(filepath.Join(dir, "reports", "wirecert-reference.json"))
		Expect(s.ExitCode).To(Equal(0))
		Expect(s.LabelFilter).To(Equal("(CCP-S-01 || CCP-S-05)"))
		Expect(requirementIDs(s)).To(Equal([]string{"CCP-S-01", "CCP-S-05"}))
		for _, sp := range s.Specs {
			Expect(sp.Outcome).To(Equal(report.OutcomePassed), sp.Text)
		}
		var junit reporters.JUnitTestSuites
		Expect(xml.Unmarshal(Successful(os.ReadFile(filepath.Join(dir, "reports", "wirecert-reference.junit.xml"))), &junit)).To(Succeed())
		Expect(junit.Failures).To(BeZero())
	})

	It("certifies a proxy it starts per spec with --command", func() {
		dir := GinkgoT().TempDir()
		jsonFile := filepath.Join(dir, "run.json")
		session := wirecertRun(dir, "run", "--suite", "ccproxy-server",
			"--command", ccproxyBin+" --socket {socket}", "--require", "CCP-S-05", "--json", jsonFile)
		Expect(session).To(gexec.Exit(exitPass))
		Expect(session.Out).To(gbytes.Say(`target: command .*ccproxy --socket \{socket\}`))
		s := readSummary(jsonFile)
		Expect(requirementIDs(s)).To(Equal([]string{"CCP-S-05"}))
		Expect(s.Requirements[0].Verdict).To(Equal(report.VerdictPassed))
	})

	It("bounds each start of a --command proxy by --start-timeout, and blocks the specs by the target once it no longer starts", func() {
		dir := GinkgoT().TempDir()
		jsonFile := filepath.Join(dir, "run.json")
		// The preflight's start listens; every spec's start never does.
		marker := filepath.Join(dir, "started")
		command := fmt.Sprintf(`sh -c 'if [ -e %s ]; then exec sleep 60; fi; touch %s; exec %s --socket "$0"' {socket}`, marker, marker, ccproxyBin)
		session := wirecertRun(dir, "run", "--suite", "ccproxy-server", "--command", command,
			"--require", "CCP-S-05", "--start-timeout", "300ms", "--json", jsonFile)
		Expect(session).To(gexec.Exit(exitIncomplete))
		Expect(session.Out).To(gbytes.Say(`preflight: ccproxy-server target .*: listening on \{socket\}`))
		s := readSummary(jsonFile)
		Expect(len(s.Specs)).To(BeNumerically(">", 2))
		var slow int
		for _, sp := range s.Specs {
			Expect(sp.Outcome).To(Equal(report.OutcomeBlocked))
			Expect(sp.BlockedBy).To(Equal("target"))
			Expect(sp.Message).To(ContainSubstring("(start timeout 300ms)"))
			if sp.DurationSeconds >= 0.3 {
				slow++
			}
		}
		Expect(slow).To(Equal(2), "only the first two specs wait out a start; the others are blocked at once")
		Expect(s.Requirements[0].Unchecked).To(ContainSubstring("the target, which could not be reached"))
	})

	It("certifies a running proxy given by --socket", func() {
		dir := GinkgoT().TempDir()
		socket := filepath.Join(dir, "p.sock")
		proxy := Successful(gexec.Start(exec.Command(ccproxyBin, "--socket", socket), GinkgoWriter, GinkgoWriter))
		DeferCleanup(func() { proxy.Terminate().Wait(10 * time.Second) })
		Eventually(func() error {
			c, err := net.Dial("unix", socket)
			if err == nil {
				c.Close()
			}
			return err
		}).WithTimeout(10 * time.Second).Should(Succeed())

		session := wirecertRun(dir, "run", "--suite", "ccproxy-server", "--socket", socket, "--require", "CCP-S-01")
		Expect(session).To(gexec.Exit(exitPass))
		Expect(session.Out).To(gbytes.Say(`target: socket ` + socket))
		Expect(session.Out).To(gbytes.Say(`CCP-S-01\s+must\s+passed`))
	})

	It("blocks the specs by the target when a running proxy goes away during the run", func() {
		dir := GinkgoT().TempDir()
		jsonFile := filepath.Join(dir, "run.json")
		socket := filepath.Join(dir, "p.sock")
		proxy := Successful(gexec.Start(exec.Command(ccproxyBin, "--socket", socket), GinkgoWriter, GinkgoWriter))
		DeferCleanup(func() { proxy.Kill().Wait(10 * time.Second) })
		Eventually(func() error {
			c, err := net.Dial("unix", socket)
			if err == nil {
				c.Close()
			}
			return err
		}).WithTimeout(10 * time.Second).Should(Succeed())

		cmd := exec.Command(wirecertBin, "run", "--suite", "ccproxy-server", "--socket", socket, "--json", jsonFile)
		cmd.Dir = dir
		session := Successful(gexec.Start(cmd, GinkgoWriter, GinkgoWriter))
		DeferCleanup(func() { session.Kill().Wait(10 * time.Second) })
		Eventually(session.Out).WithTimeout(runTimeout).Should(gbytes.Say(`preflight: ccproxy-server target --socket .*: accepts connections`))
		time.Sleep(300 * time.Millisecond) // some specs run against it first
		Eventually(proxy.Kill()).WithTimeout(10 * time.Second).Should(gexec.Exit())
		Eventually(session).WithTimeout(runTimeout).Should(gexec.Exit())

		Expect(session.ExitCode()).To(BeElementOf(exitFail, exitIncomplete))
		s := readSummary(jsonFile)
		var blocked []report.SpecResult
		for _, sp := range s.Specs {
			if sp.Outcome == report.OutcomeBlocked && sp.BlockedBy == "target" {
				blocked = append(blocked, sp)
			}
		}
		Expect(blocked).NotTo(BeEmpty(), "the specs after the proxy went away")
		Expect(blocked[len(blocked)-1].Message).To(ContainSubstring("stopped accepting connections"))
	})

	It("fails a target that accepts and never answers, exit 1, with the failure under its requirement", func() {
		dir := GinkgoT().TempDir()
		jsonFile := filepath.Join(dir, "run.json")
		socket, _ := silentTarget(dir)
		session := wirecertRun(dir, "run", "--suite", "ccproxy-server", "--socket", socket,
			"--require", "CCP-S-04", "--step-timeout", "1s", "--json", jsonFile)
		Expect(session).To(gexec.Exit(exitFail))
		Expect(session.Out).To(gbytes.Say(`preflight: ccproxy-server target --socket .*: accepts connections`))
		Expect(session.Out).To(gbytes.Say(`CCP-S-04\s+must\s+failed\s+0\s+[1-9]`))
		Expect(session.Out).To(gbytes.Say(`RESULT: FAIL \(exit 1\)`))
		s := readSummary(jsonFile)
		Expect(s.ExitCode).To(Equal(1))
		Expect(s.Specs).NotTo(BeEmpty())
		Expect(s.Specs[0].Message).NotTo(BeEmpty())
	})

	It("leaves a dead target to the specs with --no-preflight: each is blocked by the target, exit 3", func() {
		dir := GinkgoT().TempDir()
		session := wirecertRun(dir, "run", "--suite", "ccproxy-server", "--socket", filepath.Join(dir, "absent.sock"),
			"--require", "CCP-S-01", "--step-timeout", "1s", "--no-preflight", "--json", "")
		Expect(session).To(gexec.Exit(exitIncomplete))
		Expect(session.Out).To(gbytes.Say(`CCP-S-01\s+must\s+blocked \(by target\)`))
		Expect(session.Out).To(gbytes.Say(`stopped accepting connections \(runtime\): dial unix .*absent.sock: connect: no such file or directory`))
	})

	It("lists a selection with --dry-run: DRY RUN, exit 0, nothing passed, nothing started, no preflight", func() {
		dir := GinkgoT().TempDir()
		jsonFile := filepath.Join(dir, "dry.json")
		session := wirecertRun(dir, "run", "--suite", "ccproxy-server", "--socket", filepath.Join(dir, "absent.sock"),
			"--require", "CCP-S-01", "--dry-run", "--json", jsonFile)
		Expect(session).To(gexec.Exit(exitPass))
		Expect(string(session.Out.Contents())).NotTo(ContainSubstring("preflight"))
		Expect(session.Out).To(gbytes.Say(`DRY RUN: specs listed, none run`))
		Expect(session.Out).To(gbytes.Say(`CCP-S-01\s+must\s+skipped\s+0\s+0`))
		Expect(session.Out).To(gbytes.Say(`RESULT: DRY RUN \(exit 0\)`))
		s := readSummary(jsonFile)
		Expect(s.DryRun).To(BeTrue())
		Expect(s.Result).To(Equal(report.ResultDryRun))
		Expect(s.Specs).NotTo(BeEmpty())
		Expect(s.Totals.SpecOutcomes.Passed).To(BeZero())
	})

	DescribeTable("reports a run cut short by --timeout as INTERRUPTED, exit 4, not as a failure of the target",
		func(procs ...string) {
			dir := GinkgoT().TempDir()
			jsonFile := filepath.Join(dir, "cut.json")
			socket, _ := silentTarget(dir)
			session := wirecertRun(dir, append([]string{"run", "--suite", "ccproxy-server", "--socket", socket,
				"--require", "CCP-S-11", "--timeout", "1s", "--json", jsonFile}, procs...)...)
			expectInterrupted(session, jsonFile, "Suite Timeout Elapsed")
		},
		Entry("in one process"),
		Entry("in 2 worker processes", "-p", "2"),
	)

	DescribeTable("reports a run cut short by Ctrl-C as INTERRUPTED, exit 4",
		func(procs ...string) {
			dir := GinkgoT().TempDir()
			jsonFile := filepath.Join(dir, "int.json")
			socket, accepted := silentTarget(dir)
			cmd := exec.Command(wirecertBin, append([]string{"run", "--suite", "ccproxy-server", "--socket", socket,
				"--require", "CCP-S-11", "--json", jsonFile, "-v"}, procs...)...)
			cmd.Dir = dir
			session := Successful(gexec.Start(cmd, GinkgoWriter, GinkgoWriter))
			DeferCleanup(func() { session.Kill().Wait(10 * time.Second) })
			// the preflight's connection, then a spec's
			Eventually(accepted).WithTimeout(runTimeout).Should(BeNumerically(">=", 2), "a spec started")
			session.Signal(os.Interrupt)
			Eventually(session).WithTimeout(runTimeout).Should(gexec.Exit())
			expectInterrupted(session, jsonFile, "Interrupted by User")
		},
		Entry("in one process"),
		Entry("in 2 worker processes", "-p", "2"),
	)

	It("exits 2 with a clear message on a bad flag", func() {
		session := wirecertRun(GinkgoT().TempDir(), "run", "--suite", "ccproxy-server", "--socket", "/x.sock", "--step-timeout", "fast")
		Expect(session).To(gexec.Exit(exitUsage))
		Expect(session.Err).To(gbytes.Say(`invalid value "fast" for flag -step-timeout`))
	})

	It("lists requirements with the levels their specs check", func() {
		session := wirecertRun(GinkgoT().TempDir(), "list", "--suite", "ccproxy-server")
		Expect(session).To(gexec.Exit(exitPass))
		Expect(session.Out).To(gbytes.Say(`ccproxy-server`))
		Expect(session.Out).To(gbytes.Say(`CCP-S-01\s+must\s+[1-9]\d*\s+The server emits Version 2`))
		Expect(session.Out).To(gbytes.Say(`CCP-S-16\s+\S*should\S*\s+[1-9]`))
		Expect(string(session.Out.Contents())).NotTo(ContainSubstring("Ran "), "no Ginkgo output in the listing")
	})
})
