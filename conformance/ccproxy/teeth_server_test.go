package ccproxy_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
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
	var (
		results = map[string]report.Summary{}
		mu      sync.Mutex
	)

	BeforeAll(func(_ SpecContext) {
		dir := Successful(os.MkdirTemp("", "teeth-"))
		DeferCleanup(os.RemoveAll, dir)
		wirecert := Successful(gexec.Build("github.com/wirecert/wirecert/cmd/wirecert"))
		proxy := Successful(gexec.Build("github.com/wirecert/wirecert/fakes/faultyproxy/cmd/faultyproxy"))
		DeferCleanup(gexec.CleanupBuildArtifacts)

		run := func(fault string) {
			defer GinkgoRecover()
			args := []string{"run", "--suite", "ccproxy-server", "--strict", "--spec-timeout", "30s",
				"--command", proxy + " --fault " + fault + " --socket {socket}",
				"--json", filepath.Join(dir, fault+".json")}
			if id := requirementOf(fault); id != "" {
				args = append(args, "--require", id)
			}
			cmd := exec.Command(wirecert, args...)
			out, _ := cmd.CombinedOutput()
			var s report.Summary
			b, err := os.ReadFile(filepath.Join(dir, fault+".json"))
			Expect(err).NotTo(HaveOccurred(), "fault %s: no report; output:\n%s", fault, out)
			Expect(json.Unmarshal(b, &s)).To(Succeed())
			mu.Lock()
			results[fault] = s
			mu.Unlock()
		}
		// Four at a time: each run is mostly waiting on sockets.
		names := faultyproxy.Names()
		work := make(chan string)
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for f := range work {
					run(f)
				}
			}()
		}
		for _, n := range names {
			work <- n
		}
		close(work)
		wg.Wait()
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
			failed := false
			for _, spec := range s.Specs {
				if spec.ID == id && spec.Outcome == report.OutcomeFailed && (level == "" || spec.Level == level) {
					failed = true
				}
			}
			Expect(failed).To(BeTrue(), "fault %s: no %s spec of %s failed; specs: %+v", name, level, id, s.Specs)
		})
	}
})

// requirementOf is the requirement a fault name breaks: the name without a
// level suffix.
func requirementOf(fault string) string {
	if fault == "none" {
		return ""
	}
	return strings.TrimSuffix(strings.TrimSuffix(fault, "-must"), "-should")
}

// levelOf is the level a fault name's suffix picks, or "" for any.
func levelOf(fault string) requirement.Level {
	switch {
	case strings.HasSuffix(fault, "-must"):
		return requirement.Must
	case strings.HasSuffix(fault, "-should"):
		return requirement.Should
	}
	return ""
}
