package main_test

import (
	"errors"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// buildBinaries builds the CLI and the reference spacer's own binary beside
// it (as `make conformance` does, so spacer starts are cheap) outside the
// timer, and the faulty proxy when faulty is set.
func buildBinaries(b *testing.B, dir string, faulty bool) {
	b.Helper()
	builds := [][2]string{{"wirecert", "."}, {"wirecert-spacer", "../../reference/spacer/cmd/spacer"}}
	if faulty {
		builds = append(builds, [2]string{"faultyproxy", "../../fakes/faultyproxy/cmd/faultyproxy"})
	}
	for _, bin := range builds {
		if out, err := exec.Command("go", "build", "-o", filepath.Join(dir, bin[0]), bin[1]).CombinedOutput(); err != nil {
			b.Fatalf("building %s: %v\n%s", bin[0], err, out)
		}
	}
}

// BenchmarkReferenceConformance times a whole `wirecert reference` run:
// every suite against the reference implementations, as `make
// conformance` does, in one process and in 4 worker processes (-p 4).
func BenchmarkReferenceConformance(b *testing.B) {
	dir := b.TempDir()
	buildBinaries(b, dir, false)
	for _, run := range []struct {
		name  string
		procs []string
	}{
		{"serial", nil},
		{"procs=4", []string{"-p", "4"}},
	} {
		b.Run(run.name, func(b *testing.B) {
			for b.Loop() {
				args := append([]string{"reference", "--json", filepath.Join(dir, "r.json"), "--junit", filepath.Join(dir, "r.xml")}, run.procs...)
				cmd := exec.Command(filepath.Join(dir, "wirecert"), args...)
				cmd.Dir = dir
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("wirecert %v: %v\n%s", args, err, out)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/run")
		})
	}
}

// BenchmarkFaultyServerRun times the whole ccproxy-server suite against
// the faulty proxy: transparent, wedging its VM after an unknown hyperName
// (CCP-S-20), and answering on the wrong connection (CCP-S-11-must). The
// three alternate within each iteration, so the ratios to the transparent
// run compare like with like on a noisy machine.
func BenchmarkFaultyServerRun(b *testing.B) {
	dir := b.TempDir()
	buildBinaries(b, dir, true)
	faults := []struct{ fault, metric string }{
		{"none", "transparent-s"}, {"CCP-S-20", "wedge-s"}, {"CCP-S-11-must", "crosswire-s"},
	}
	took := make([]time.Duration, len(faults))
	for b.Loop() {
		for i, f := range faults {
			cmd := exec.Command(filepath.Join(dir, "wirecert"), "run", "--suite", "ccproxy-server", "--strict",
				"--command", filepath.Join(dir, "faultyproxy")+" --fault "+f.fault+" --socket {socket}")
			cmd.Dir = dir
			start := time.Now()
			out, err := cmd.CombinedOutput()
			took[i] += time.Since(start)
			var exit *exec.ExitError
			switch {
			case f.fault == "none" && err != nil, f.fault != "none" && !(errors.As(err, &exit) && exit.ExitCode() == 1):
				b.Fatalf("fault %s: %v (want exit 0 for none, 1 for a fault)\n%s", f.fault, err, out)
			}
		}
	}
	for i, f := range faults {
		b.ReportMetric(took[i].Seconds()/float64(b.N), f.metric)
		if i > 0 {
			b.ReportMetric(float64(took[i])/float64(took[0]), f.metric[:len(f.metric)-2]+"/transparent")
		}
	}
}
