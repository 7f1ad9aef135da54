package ccproxy_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/conformance/report"
	"github.com/wirecert/wirecert/conformance/requirement"
)

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
