package main

import (
	"os/exec"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/conformance/report"
)

// A wait for a response ends early only on evidence; --fixed-steps waits
// out the step instead. Against a proxy that wedges its VM after an unknown
// hyperName (faultyproxy CCP-S-20), the overdue Hyper is judged once the
// proxy answered a fresh connection, or after the whole step.
var _ = Describe("waits for a response", Ordered, func() {
	var wirecert, faulty string

	BeforeAll(func() {
		wirecert = Successful(gexec.Build("github.com/wirecert/wirecert/cmd/wirecert"))
		faulty = Successful(gexec.Build("github.com/wirecert/wirecert/fakes/faultyproxy/cmd/faultyproxy"))
	})

	DescribeTable("against a proxy that wedges a VM",
		func(fixed bool) {
			dir := GinkgoT().TempDir()
			jsonFile := filepath.Join(dir, "run.json")
			args := []string{"run", "--suite", "ccproxy-server", "--require", "CCP-S-20", "--step-timeout", "2s",
				"--json", jsonFile, "--command", faulty + " --fault CCP-S-20 --socket {socket}"}
			if fixed {
				args = append(args, "--fixed-steps")
			}
			cmd := exec.Command(wirecert, args...)
			cmd.Dir = dir
			session := Successful(gexec.Start(cmd, GinkgoWriter, GinkgoWriter))
			DeferCleanup(func() { session.Kill().Wait() })
			Eventually(session).WithTimeout(runTimeout).Should(gexec.Exit(exitFail))
			var early, full int
			for _, sp := range readSummary(jsonFile).Specs {
				if sp.Outcome != report.OutcomeFailed {
					continue
				}
				switch {
				case strings.Contains(sp.Message, "while a fresh connection's"):
					early++
				case strings.Contains(sp.Message, "within 2s"):
					full++
				}
			}
			if fixed {
				Expect(early).To(BeZero(), "--fixed-steps: no wait ends early")
				Expect(full).To(BeNumerically(">", 0))
			} else {
				Expect(early).To(BeNumerically(">", 0), "once the answer latency is known, an overdue answer is judged at once")
			}
		},
		Entry("ends an overdue wait once a fresh connection is answered", false),
		Entry("waits out the step with --fixed-steps", true),
	)
})
