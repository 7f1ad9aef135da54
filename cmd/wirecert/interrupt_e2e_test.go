package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gexec"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/conformance/report"
)

// Ctrl-C while a spec waits on a proxy that never answers: the spec's
// connections are closed at once, so the run ends INTERRUPTED within
// moments, not when the wait would have ended (CCP-S-16 gives a proxy 30 s
// to give up on an agent that never sends READY; this fault never does).
var _ = Describe("Ctrl-C while a spec waits on the proxy", Ordered, func() {
	var wirecert, faulty string

	BeforeAll(func() {
		wirecert = Successful(gexec.Build("github.com/wirecert/wirecert/cmd/wirecert"))
		faulty = Successful(gexec.Build("github.com/wirecert/wirecert/fakes/faultyproxy/cmd/faultyproxy"))
		DeferCleanup(gexec.CleanupBuildArtifacts)
	})

	DescribeTable("ends the spec at once: INTERRUPTED, the connection closed by the suite",
		func(procs ...string) {
			dir := GinkgoT().TempDir()
			jsonFile := filepath.Join(dir, "int.json")
			cmd := exec.Command(wirecert, append([]string{"run", "--suite", "ccproxy-server", "--spec", "CCP-S-16/ready-wait-bounded",
				"--command", faulty + " --fault CCP-S-16 --socket {socket}", "--json", jsonFile}, procs...)...)
			cmd.Dir = dir
			session := Successful(gexec.Start(cmd, GinkgoWriter, GinkgoWriter))
			DeferCleanup(func() { session.Kill().Wait(10 * time.Second) })
			Eventually(session.Out).WithTimeout(time.Minute).Should(gbytes.Say("wirecert: running 1 spec"))
			time.Sleep(500 * time.Millisecond) // into the wait for the RegisterVM's answer
			session.Signal(os.Interrupt)
			// well under the 30 s the wait would take
			Eventually(session).WithTimeout(15 * time.Second).Should(gexec.Exit(exitInterrupted))
			s := readSummary(jsonFile)
			Expect(s.Specs).To(HaveLen(1))
			sp := s.Specs[0]
			Expect(sp.Outcome).To(Equal(report.OutcomeInterrupted))
			Expect(sp.Transcript).NotTo(BeNil())
			closed := false
			for _, e := range sp.Transcript.Events {
				if e.Channel == "runtime" && e.Closed && e.Direction == "sent" {
					closed = true
				}
			}
			Expect(closed).To(BeTrue(), "the suite closed its runtime connection: %+v", sp.Transcript.Events)
		},
		Entry("in one process"),
		Entry("in 2 worker processes", "-p", "2"),
	)
})
