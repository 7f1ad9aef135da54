package spacer_test

import (
	"os"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

// serviceBinary is cmd/spacer, built once for the suite.
var serviceBinary string

func TestSpacer(t *testing.T) {
	// Race-enabled service processes (this test binary re-executed) would
	// otherwise linger a second on exit, which the race runtime spends
	// waiting for late reports.
	if os.Getenv("GORACE") == "" {
		os.Setenv("GORACE", "atexit_sleep_ms=0")
	}
	RegisterFailHandler(Fail)
	SetDefaultEventuallyTimeout(10 * time.Second)
	RunSpecs(t, "reference/spacer")
}

var _ = BeforeSuite(func() {
	var err error
	serviceBinary, err = gexec.Build("github.com/wirecert/wirecert/reference/spacer/cmd/spacer")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(gexec.CleanupBuildArtifacts)
})
