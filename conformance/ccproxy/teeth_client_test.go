package ccproxy_test

import (
	"fmt"
	"os"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/conformance/report"
	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/fakes/faultyshim"
)

// Teeth: every client requirement fails against a shim that breaks exactly
// it, run through the CLI as an implementer would (one shim process per
// session, its stdout a terminal), and the transparent relay passes them
// all.
var _ = Describe("client suite teeth", Ordered, Label("teeth"), func() {
	var results map[string]report.Summary

	BeforeAll(func(_ SpecContext) {
		dir := Successful(os.MkdirTemp("", "teeth-client-"))
		DeferCleanup(os.RemoveAll, dir)
		wirecert := Successful(gexec.Build("github.com/wirecert/wirecert/cmd/wirecert"))
		shim := Successful(gexec.Build("github.com/wirecert/wirecert/fakes/faultyshim/cmd/faultyshim"))
		DeferCleanup(gexec.CleanupBuildArtifacts)
		results = teethRuns(dir, wirecert, faultyshim.Names(), func(fault string) []string {
			return []string{"run", "--suite", "ccproxy-client", "--strict", "--spec-timeout", "30s",
				"--command", shim + " --fault " + fault + " --proxy {socket} --token {token}"}
		})
	}, NodeTimeout(5*time.Minute))

	It("passes every requirement through the transparent relay", func() {
		s := results["none"]
		Expect(s.ExitCode).To(BeZero(), "summary: %+v", s.Totals)
		Expect(s.Requirements).To(HaveLen(len(requirement.All("CCP-C-"))))
	})

	It("has a fault for every client requirement", func() {
		covered := map[string]bool{}
		for _, n := range faultyshim.Names() {
			covered[requirementOf(n)] = true
		}
		for _, r := range requirement.All("CCP-C-") {
			Expect(covered).To(HaveKey(r.ID))
		}
	})

	for _, name := range faultyshim.Names() {
		if name == "none" {
			continue
		}
		id, level := requirementOf(name), levelOf(name)
		It("fails "+id+" against the fault "+name, func() {
			s := results[name]
			Expect(s.ExitCode).To(Equal(1), "fault %s: exit code", name)
			failed, ran := failedSpecs(s, id, level)
			AddReportEntry("teeth", fmt.Sprintf("%s -> %s: %d of %d specs failed", name, id, failed, ran))
			Expect(failed).NotTo(BeZero(), "fault %s: no spec of %s failed; specs: %+v", name, id, s.Specs)
		})
	}
})
