package spacer_test

import (
	"os"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestSpacerConformance(t *testing.T) {
	// Race-enabled service processes (this test binary re-executed) would
	// otherwise linger a second on exit, waiting for late race reports.
	if os.Getenv("GORACE") == "" {
		os.Setenv("GORACE", "atexit_sleep_ms=0")
	}
	RegisterFailHandler(Fail)
	RunSpecs(t, "conformance/spacer")
}
