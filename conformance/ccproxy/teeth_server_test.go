package ccproxy_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

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
var _ = describeTeeth(teethSuite{
	suite:  "ccproxy-server",
	prefix: "CCP-S-",
	faulty: "github.com/wirecert/wirecert/fakes/faultyproxy/cmd/faultyproxy",
	faults: faultyproxy.Names(),
	command: func(faulty, fault string) string {
		return faulty + " --fault " + fault + " --socket {socket}"
	},
})

// Teeth through wrappers and daemons: the fd and memory checks inspect the
// process that really serves (not sh -c, not a daemon's parent), and a
// daemonising proxy is killed after each spec, costs no wait on the pipes
// it holds, and leaves no process behind.
var _ = Describe("ccproxy-server suite teeth: wrapped and daemonised targets", Ordered, Label("teeth"), func() {
	type shape struct {
		name    string
		command string // %[1]s the faulty binary, %[2]s the fault
		fault   string
		require string
		fails   string // the requirement that must fail; "" for a pass
	}
	wrapped := "sh -c '%[1]s --fault %[2]s --socket {socket}; true'"
	daemon := "sh -c 'setsid -f %[1]s --fault %[2]s --socket {socket} </dev/null'"
	shapes := []shape{
		{"wrapped CCP-S-39", wrapped, "CCP-S-39", "CCP-S-39", "CCP-S-39"},
		{"daemonised CCP-S-39", daemon, "CCP-S-39", "CCP-S-39", "CCP-S-39"},
		{"daemonised CCP-S-08-must-prealloc", daemon, "CCP-S-08-must-prealloc", "CCP-S-08", "CCP-S-08"},
		{"wrapped none", wrapped, "none", "CCP-S-39,CCP-S-08", ""},
		{"daemonised none", daemon, "none", "CCP-S-39,CCP-S-08,CCP-S-37", ""},
	}
	var (
		results map[string]report.Summary
		faulty  string
	)
	BeforeAll(func(_ SpecContext) {
		dir := Successful(os.MkdirTemp("", "teeth-shapes-"))
		DeferCleanup(os.RemoveAll, dir)
		wirecert := Successful(gexec.Build("github.com/wirecert/wirecert/cmd/wirecert"))
		faulty = Successful(gexec.Build("github.com/wirecert/wirecert/fakes/faultyproxy/cmd/faultyproxy"))
		DeferCleanup(gexec.CleanupBuildArtifacts)
		byName := map[string]shape{}
		var names []string
		for _, s := range shapes {
			byName[s.name] = s
			names = append(names, s.name)
		}
		results = teethRuns(dir, wirecert, names, true, func(name string) []string {
			s := byName[name]
			return []string{"run", "--suite", "ccproxy-server", "--strict", "--spec-timeout", "30s",
				"--require", s.require, "--command", fmt.Sprintf(s.command, faulty, s.fault)}
		})
	}, NodeTimeout(teethTimeout()))

	for _, s := range shapes {
		if s.fails == "" {
			It("passes "+s.require+" through a "+s.name+" target", func() {
				r := results[s.name]
				Expect(r.ExitCode).To(BeZero(), "%s: %+v", s.name, r.Specs)
			})
			continue
		}
		It("fails "+s.fails+" through a "+s.name+" target", func() {
			r := results[s.name]
			Expect(r.ExitCode).To(Equal(1), "%s: exit code", s.name)
			failed, ran := failedSpecs(r, s.fails, requirement.Must)
			AddReportEntry("teeth", fmt.Sprintf("%s -> %s: %d of %d must specs failed", s.name, s.fails, failed, ran))
			Expect(failed).NotTo(BeZero(), "%s: no must spec of %s failed; specs: %+v", s.name, s.fails, r.Specs)
		})
	}

	It("waits on no pipe a daemon holds: well under 5 s a spec", func() {
		r := results["daemonised none"]
		Expect(r.Specs).NotTo(BeEmpty())
		perSpec := r.DurationSeconds / float64(len(r.Specs))
		AddReportEntry("teeth", fmt.Sprintf("daemonised none: %d specs in %.1f s", len(r.Specs), r.DurationSeconds))
		Expect(perSpec).To(BeNumerically("<", 2.5), "seconds per spec against a daemonising proxy")
	})

	It("leaves no process of a wrapped or daemonised proxy behind", func() {
		Expect(processesRunning(faulty)).To(BeEmpty(), "processes of %s still running after the runs", faulty)
	})
})

// processesRunning returns the processes whose command line starts with
// path.
func processesRunning(path string) []string {
	var found []string
	cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, c := range cmdlines {
		b, err := os.ReadFile(c)
		if err == nil && strings.HasPrefix(string(b), path+"\x00") {
			found = append(found, filepath.Base(filepath.Dir(c)))
		}
	}
	return found
}
