package ccproxy_test

import (
	"encoding/json"
	"fmt"
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
)

// teethSuite is one suite's teeth: the faulty target binary's package, its
// faults, and the --command that runs it with one fault.
type teethSuite struct {
	suite   string // the CLI's --suite
	prefix  string // the suite's requirement ID prefix
	faulty  string // the package of the faulty target's binary
	faults  []string
	command func(faulty, fault string) string
}

// describeTeeth registers the teeth specs of ts: the CLI run against every
// fault (BeforeAll), the transparent "none" passing everything, a fault for
// every requirement, and each fault failing its requirement.
func describeTeeth(ts teethSuite) bool {
	return Describe(ts.suite+" suite teeth", Ordered, Label("teeth"), func() {
		var results map[string]report.Summary

		BeforeAll(func(_ SpecContext) {
			dir := Successful(os.MkdirTemp("", "teeth-"))
			DeferCleanup(os.RemoveAll, dir)
			wirecert := Successful(gexec.Build("github.com/wirecert/wirecert/cmd/wirecert"))
			faulty := Successful(gexec.Build(ts.faulty))
			DeferCleanup(gexec.CleanupBuildArtifacts)
			results = teethRuns(dir, wirecert, ts.faults, func(fault string) []string {
				return []string{"run", "--suite", ts.suite, "--strict", "--spec-timeout", "30s",
					"--command", ts.command(faulty, fault)}
			})
		}, NodeTimeout(10*time.Minute))

		It("passes every requirement through the transparent target", func() {
			s := results["none"]
			Expect(s.ExitCode).To(BeZero(), "summary: %+v", s.Totals)
			Expect(s.Requirements).To(HaveLen(len(requirement.All(ts.prefix))))
		})

		It("has a fault for every requirement", func() {
			covered := map[string]bool{}
			for _, n := range ts.faults {
				covered[requirementOf(n)] = true
			}
			for _, r := range requirement.All(ts.prefix) {
				Expect(covered).To(HaveKey(r.ID))
			}
		})

		for _, name := range ts.faults {
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
}

// teethRuns runs the wirecert CLI once per fault, four at a time (each run
// mostly waits on sockets), with the arguments args gives, and returns each
// run's JSON summary. Every run selects its fault's requirement with
// --require, except "none", which runs the whole suite.
func teethRuns(dir, wirecert string, faults []string, args func(fault string) []string) map[string]report.Summary {
	var (
		mu      sync.Mutex
		results = map[string]report.Summary{}
	)
	run := func(fault string) {
		defer GinkgoRecover()
		jsonFile := filepath.Join(dir, fault+".json")
		argv := append(args(fault), "--json", jsonFile)
		if id := requirementOf(fault); id != "" {
			argv = append(argv, "--require", id)
		}
		out, _ := exec.Command(wirecert, argv...).CombinedOutput()
		b, err := os.ReadFile(jsonFile)
		Expect(err).NotTo(HaveOccurred(), "fault %s: no report; output:\n%s", fault, out)
		var s report.Summary
		Expect(json.Unmarshal(b, &s)).To(Succeed())
		mu.Lock()
		results[fault] = s
		mu.Unlock()
	}
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
	for _, f := range faults {
		work <- f
	}
	close(work)
	wg.Wait()
	return results
}

// failedSpecs counts the specs of requirement id (at level, unless empty)
// in s, and how many of them failed.
func failedSpecs(s report.Summary, id string, level requirement.Level) (failed, ran int) {
	for _, spec := range s.Specs {
		if spec.ID != id || (level != "" && spec.Level != level) {
			continue
		}
		ran++
		if spec.Outcome == report.OutcomeFailed {
			failed++
		}
	}
	return failed, ran
}

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
