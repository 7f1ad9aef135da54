package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/onsi/ginkgo/v2/types"
)

// countEnv, set to "1", makes a `wirecert run` or `reference` print how many
// specs its selection selects, from a silent dry run, then each --spec ID
// no spec has, one a line, and exit: what a run in one process asks of a
// child before it runs (Ginkgo runs one suite per process, so it cannot
// dry-run first itself).
const countEnv = "WIRECERT_COUNT_SELECTED"

func counting() bool { return os.Getenv(countEnv) == "1" }

// checkSelection makes a selection by --label-filter, --focus, --skip or
// --spec that matches no spec a usage error, and so is a --spec ID no spec
// has, before the preflight and the run. A run with -p finds out from its
// own dry run (runParallel); a --dry-run shows an empty selection itself,
// but not which --spec ID is unknown.
func checkSelection(f runFlags) error {
	if _, worker := workerFromEnv(); worker || counting() || (f.procs > 1 && !f.dryRun) ||
		(f.labelFilter == "" && f.focus == "" && f.skip == "" && len(f.specs) == 0) ||
		(f.dryRun && len(f.specs) == 0) {
		return nil
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("counting the selected specs: %w", err)
	}
	cmd := exec.Command(self, f.argv...)
	cmd.Env = append(os.Environ(), countEnv+"=1")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("counting the selected specs: %w: %s", err, strings.TrimSpace(errOut.String()))
	}
	count, unknown, _ := strings.Cut(strings.TrimSpace(out.String()), "\n")
	n, err := strconv.Atoi(count)
	if err != nil {
		return fmt.Errorf("counting the selected specs: the dry run printed %q, allowed a number", out.String())
	}
	if unknown != "" {
		return unknownSpecError(strings.Split(unknown, "\n"), f)
	}
	if n == 0 && !f.dryRun {
		return emptySelection(f)
	}
	return nil
}

// emptySelection is the usage error of a selection that matches no spec.
func emptySelection(f runFlags) error {
	var given []string
	for _, opt := range []struct{ name, v string }{
		{"--require", f.require}, {"--label-filter", f.labelFilter}, {"--focus", f.focus}, {"--skip", f.skip},
		{"--spec", f.specs.String()},
	} {
		if opt.v != "" {
			given = append(given, fmt.Sprintf("%s %q", opt.name, opt.v))
		}
	}
	suites := f.suites
	if suites == "" {
		suites = suiteNames()
	}
	return usageErrorf("the selection %s matches no spec of %s: allowed a selection of at least one spec (wirecert list shows them)",
		strings.Join(given, " "), suites)
}

// printSelectedCount is the counting child's whole run: the count, then
// the specs IDs no spec has.
func printSelectedCount(description string, sc types.SuiteConfig, specs []string, stdout *os.File) (int, error) {
	dry, err := dryRunReport(description, sc)
	if err != nil {
		return exitFail, err
	}
	fmt.Fprintln(stdout, len(newParallelRun(dry, false).selected))
	for _, id := range unknownSpecs(dry, specs) {
		fmt.Fprintln(stdout, id)
	}
	return exitPass, nil
}
