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
		var (
			results map[string]report.Summary
			dir     string
		)

		BeforeAll(func(_ SpecContext) {
			dir = Successful(os.MkdirTemp("", "teeth-"))
			DeferCleanup(os.RemoveAll, dir)
			wirecert := Successful(gexec.Build("github.com/wirecert/wirecert/cmd/wirecert"))
			faulty := Successful(gexec.Build(ts.faulty))
			DeferCleanup(gexec.CleanupBuildArtifacts)
			results = teethRuns(dir, wirecert, ts.faults, matrix, func(fault string) []string {
				return []string{"run", "--suite", ts.suite, "--strict", "--spec-timeout", "30s",
					"--command", ts.command(faulty, fault)}
			})
		}, NodeTimeout(teethTimeout()))

		It("passes every requirement through the transparent target", func() {
			s := results["none"]
			Expect(s.ExitCode).To(BeZero(), "summary: %+v", s.Totals)
			Expect(s.Requirements).To(HaveLen(len(requirement.All(ts.prefix))))
		})

		It("leaves nothing in the temp dir of its runs, every fault's included", func() {
			left := Successful(os.ReadDir(filepath.Join(dir, runsTmp)))
			names := make([]string, len(left))
			for i, e := range left {
				names[i] = e.Name()
			}
			Expect(names).To(BeEmpty(), "what the CLI runs, their targets and the fakes left in their TMPDIR")
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

		It("makes every spec fail against some fault, when run as a matrix", func() {
			if !matrix {
				Skip("the whole suite against every fault takes minutes: set " + matrixEnv + "=1 (make teeth-matrix)")
			}
			failedSomewhere, specs := map[string]bool{}, map[string]bool{}
			for _, name := range ts.faults {
				if name == "none" {
					continue
				}
				var also, blocked []string
				for _, r := range results[name].Requirements {
					switch {
					case r.ID == requirementOf(name) || r.Verdict == report.VerdictPassed || r.Verdict == report.VerdictLimited:
					case r.Verdict == report.VerdictBlocked:
						blocked = append(blocked, r.ID)
					default:
						also = append(also, r.ID)
					}
				}
				AddReportEntry("matrix", fmt.Sprintf("%s also fails: %v; blocks: %v", name, also, blocked))
				for _, spec := range results[name].Specs {
					key := spec.ID // the same in every run, whatever the fault
					specs[key] = true
					if spec.Outcome == report.OutcomeFailed {
						failedSomewhere[key] = true
					}
				}
			}
			var toothless []string
			for key := range specs {
				if !failedSomewhere[key] {
					toothless = append(toothless, key)
				}
			}
			Expect(toothless).To(BeEmpty(), "specs that no fault makes fail")
			AddReportEntry("matrix", fmt.Sprintf("%d specs, every one fails against at least one fault", len(specs)))
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

// matrixEnv, set to 1, runs the whole suite against every fault (not just
// the fault's requirement) and checks that every spec fails against some
// fault: teeth per spec, not only per requirement.
const matrixEnv = "WIRECERT_TEETH_MATRIX"

var matrix = os.Getenv(matrixEnv) == "1"

// teethTimeout bounds the CLI runs of one suite's teeth.
func teethTimeout() time.Duration {
	if matrix {
		return 40 * time.Minute
	}
	return 10 * time.Minute
}

// teethRuns runs the wirecert CLI once per fault, four at a time (each run
// mostly waits on sockets), with the arguments args gives, and returns each
// run's JSON summary. Every run selects its fault's requirement with
// --require, except "none" and every run when whole is set, which run the
// whole suite.
func teethRuns(dir, wirecert string, faults []string, whole bool, args func(fault string) []string) map[string]report.Summary {
	var (
		mu      sync.Mutex
		results = map[string]report.Summary{}
	)
	// Every run, and every target and fake it starts, gets a TMPDIR of
	// the test's: what is left there outlived its run.
	tmp := filepath.Join(dir, runsTmp)
	Expect(os.MkdirAll(tmp, 0o700)).To(Succeed())
	run := func(fault string) {
		defer GinkgoRecover()
		jsonFile := filepath.Join(dir, fault+".json")
		argv := append(args(fault), "--json", jsonFile)
		if id := requirementOf(fault); id != "" && !whole {
			argv = append(argv, "--require", id)
		}
		cmd := exec.Command(wirecert, argv...)
		cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
		out, _ := cmd.CombinedOutput()
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

// runsTmp is the TMPDIR of the teeth's CLI runs, under their dir.
const runsTmp = "tmp"

// failedSpecs counts the specs of requirement id (at level, unless empty)
// in s, and how many of them failed.
func failedSpecs(s report.Summary, id string, level requirement.Level) (failed, ran int) {
	for _, spec := range s.Specs {
		if spec.Requirement != id || (level != "" && spec.Level != level) {
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
// level suffix, nor what follows the level (CCP-S-08-must-prealloc, a
// second fault of that requirement and level).
func requirementOf(fault string) string {
	if fault == "none" {
		return ""
	}
	id, _ := splitFault(fault)
	return id
}

// levelOf is the level a fault name's suffix picks, or "" for any.
func levelOf(fault string) requirement.Level {
	_, level := splitFault(fault)
	return level
}

// splitFault splits a fault name into the requirement ID and the level
// after it: ID, ID-must, ID-should, or either level followed by -WHAT.
func splitFault(fault string) (string, requirement.Level) {
	for _, level := range []requirement.Level{requirement.Must, requirement.Should} {
		suffix := "-" + string(level)
		if id, ok := strings.CutSuffix(fault, suffix); ok {
			return id, level
		}
		if i := strings.LastIndex(fault, suffix+"-"); i > 0 {
			return fault[:i], level
		}
	}
	return fault, ""
}
