package main_test

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// BenchmarkReferenceConformance times a whole `wirecert reference` run:
// every suite against the reference implementations, as `make
// conformance` does, in one process and in 4 worker processes (-p 4). The
// binary is built outside the timer.
func BenchmarkReferenceConformance(b *testing.B) {
	dir := b.TempDir()
	bin := filepath.Join(dir, "wirecert")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("building wirecert: %v\n%s", err, out)
	}
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
				cmd := exec.Command(bin, args...)
				cmd.Dir = dir
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("wirecert %v: %v\n%s", args, err, out)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/run")
		})
	}
}
