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
	"github.com/wirecert/wirecert/fakes/faultyproxy"
)

// Teeth: every server requirement fails against a proxy that breaks exactly
// it, run through the CLI as an implementer would (one proxy process per
// spec), and the transparent relay passes them all.
var _ = Describe("server suite teeth", Ordered, Label("teeth"), func() {
	var results map[string]report.Summary

	BeforeAll(func(_ SpecContext) {
		dir := Successful(os.MkdirTemp("", "teeth-"))
		DeferCleanup(os.RemoveAll, dir)
		wirecert := Successful(gexec.Build("github.com/wirecert/wirecert/cmd/wirecert"))
		proxy := Successful(gexec.Build("github.com/wirecert/wirecert/fakes/faultyproxy/cmd/faultyproxy"))
		DeferCleanup(gexec.CleanupBuildArtifacts)
		results = teethRuns(dir, wirecert, faultyproxy.Names(), func(fault string) []string {
			return []string{"run", "--suite", "ccproxy-server", "--strict", "--spec-timeout", "30s",
				"--command", proxy + " --fault " + fault + " --socket {socket}"}
		})
	}, NodeTimeout(10*time.Minute))

	It("passes every requirement through the transparent relay", func() {
		s := results["none"]
		Expect(s.ExitCode).To(BeZero(), "summary: %+v", s.Totals)
		Expect(s.Requirements).To(HaveLen(len(requirement.All("CCP-S-"))))
	})

	It("has a fault for every server requirement", func() {
		covered := map[string]bool{}
		for _, n := range faultyproxy.Names() {
			covered[requirementOf(n)] = true
		}
		for _, r := range requirement.All("CCP-S-") {
			Expect(covered).To(HaveKey(r.ID))
		}
	})

	for _, name := range faultyproxy.Names() {
		if name == "none" {
			continue
		}
		id, level := requirementOf(name), levelOf(name)
		It("fails "+id+" ("+string(level)+") against the fault "+name, func() {
			s := results[name]
			Expect(s.ExitCode).To(Equal(1), "fault %s: exit code", name)
			failed, ran := failedSpecs(s, id, level)
			AddReportEntry("teeth", fmt.Sprintf("%s -> %s: %d of %d specs failed", name, id, failed, ran))
			Expect(failed).NotTo(BeZero(), "fault %s: no %s spec of %s failed; specs: %+v", name, level, id, s.Specs)
		})
	}
})
