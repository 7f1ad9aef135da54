package ccproxyheader_test

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/scenarios"
	"github.com/wirecert/wirecert/scenarios/ccproxyheader"
)

// proxyFlag names the proxy binary to test; empty builds the reference one.
var proxyFlag = flag.String("ccproxy", "", "cc-proxy binary taking --socket PATH (default: build "+ccproxyheader.ProxyPackage+")")

// proxyBinary is the binary the specs start, set by BeforeSuite.
var proxyBinary string

var _ = BeforeSuite(func() {
	if *proxyFlag != "" {
		proxyBinary = *proxyFlag
		Expect(proxyBinary).To(BeAnExistingFile(), "-ccproxy %s", proxyBinary)
		return
	}
	dir := GinkgoT().TempDir()
	proxyBinary = filepath.Join(dir, "ccproxy")
	cmd := exec.Command("go", "build", "-o", proxyBinary, ccproxyheader.ProxyPackage)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), "building %s: %s", ccproxyheader.ProxyPackage, out)
})

func TestCCProxyHeader(t *testing.T) {
	scenarios.RunSpecs(t, "ccproxyheader", ccproxyheader.Area)
}
