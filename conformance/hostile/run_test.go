package hostile_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/conformance/ccproxy"
	"github.com/wirecert/wirecert/conformance/report"
)

// The timeouts every hostile run gets: short, so the whole table stays
// around a minute.
const (
	specTimeout = 3 * time.Second
	stepTimeout = time.Second
)

// startupAllowance is what a run may take besides its specs: starting the
// CLI and Ginkgo, writing the reports.
const startupAllowance = 15 * time.Second

// cliRun is one wirecert run against a hostile target.
type cliRun struct {
	suite       string
	command     string
	require     []string
	specTimeout time.Duration
	marker      string
	dir         string
}

// cliOutcome is how a run ended.
type cliOutcome struct {
	exitCode int
	hung     bool
	specs    int
	took     time.Duration
	bound    time.Duration
	output   string
	summary  *report.Summary
}

// hangBound is how long a run of r may take before it counts as hung:
// every selected spec running into its spec timeout, then the longest
// stop a target can need (SIGTERM, StopGrace, SIGKILL) and a step, plus
// the CLI's own start. The number of specs is what `wirecert list` says.
func (r cliRun) hangBound() (time.Duration, int) {
	GinkgoHelper()
	out, err := exec.Command(binaries.wirecert, "list", "--suite", r.suite).Output()
	Expect(err).NotTo(HaveOccurred(), "wirecert list --suite %s", r.suite)
	specs := 0
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		for _, id := range r.require {
			if len(f) >= 3 && f[0] == id {
				n, err := strconv.Atoi(f[2])
				Expect(err).NotTo(HaveOccurred(), "SPECS of %s in %q", id, line)
				specs += n
			}
		}
	}
	Expect(specs).To(BeNumerically(">", 0), "specs of %v in:\n%s", r.require, out)
	return time.Duration(specs)*(r.specTimeout+ccproxy.StopGrace+2*stepTimeout) + startupAllowance, specs
}

// run runs the CLI, killed once its hang bound passed, and reads its JSON
// report.
func (r cliRun) run() cliOutcome {
	GinkgoHelper()
	jsonFile := filepath.Join(r.dir, "report.json")
	outFile, err := os.Create(filepath.Join(r.dir, "output.txt"))
	Expect(err).NotTo(HaveOccurred())
	defer outFile.Close()

	var o cliOutcome
	o.bound, o.specs = r.hangBound()
	ctx, cancel := context.WithTimeout(context.Background(), o.bound)
	defer cancel()
	cmd := exec.CommandContext(ctx, binaries.wirecert, "run", "--suite", r.suite,
		"--command", r.command,
		"--require", strings.Join(r.require, ","),
		"--spec-timeout", r.specTimeout.String(), "--step-timeout", stepTimeout.String(),
		"--no-color", "--json", jsonFile,
		// the specs themselves must meet each hostile target: the
		// preflight would turn most away before them (exit 2)
		"--no-preflight")
	cmd.Dir = r.dir
	cmd.Env = append(os.Environ(), markerEnv+"="+r.marker)
	// a file, not a pipe: a stray grandchild holding it cannot keep Wait
	// from returning
	cmd.Stdout, cmd.Stderr = outFile, outFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }

	start := time.Now()
	err = cmd.Run()
	o.took = time.Since(start)
	o.hung = errors.Is(ctx.Err(), context.DeadlineExceeded)
	o.exitCode = cmd.ProcessState.ExitCode()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		Fail(fmt.Sprintf("running wirecert: %v", err))
	}
	if out, err := os.ReadFile(outFile.Name()); err == nil {
		o.output = string(out)
	}
	if b, err := os.ReadFile(jsonFile); err == nil {
		var s report.Summary
		Expect(json.Unmarshal(b, &s)).To(Succeed(), "the JSON report %s", jsonFile)
		o.summary = &s
	}
	return o
}
