package main_test

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// BenchmarkReferenceConformance times a whole `wirecert reference` run:
// every suite against the reference implementations, as `make
// conformance` does. The binary is built outside the timer.
func BenchmarkReferenceConformance(b *testing.B) {
	dir := b.TempDir()
	bin := filepath.Join(dir, "wirecert")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("building wirecert: %v\n%s", err, out)
	}
	for b.Loop() {
		cmd := exec.Command(bin, "reference", "--json", filepath.Join(dir, "r.json"), "--junit", filepath.Join(dir, "r.xml"))
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("wirecert reference: %v\n%s", err, out)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/run")
}
