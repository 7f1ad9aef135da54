// Package conformance_test certifies myproxy with wirecert's cc-proxy
// server suite, vendored as a proxy's own repository would: `go test`,
// `ginkgo`, `ginkgo -p` and `ginkgo --label-filter` all run it.
package conformance_test

import (
	"context"
	"testing"

	// Importing Ginkgo is also what makes the ginkgo CLI run this package
	// as a Ginkgo suite (with its --label-filter, -p, reports).
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"

	"github.com/wirecert/wirecert/conformance/ccproxy"
	"github.com/wirecert/wirecert/conformance/report"
)

// proxy is the binary under test, built once for all parallel processes.
var proxy string

var _ = SynchronizedBeforeSuite(func() []byte {
	bin, err := gexec.Build("example.com/vendored-proxy/cmd/myproxy")
	Expect(err).NotTo(HaveOccurred())
	return []byte(bin)
}, func(bin []byte) {
	proxy = string(bin)
})

var _ = SynchronizedAfterSuite(func() {}, gexec.CleanupBuildArtifacts)

// Each spec gets a fresh proxy on a socket the suite chooses, started here
// and stopped (killed, with every process it started) when the spec ends,
// so nothing outlives the run. CommandServer does the starting; the
// wrapper is there because the binary is only known once built.
var _ = ccproxy.ServerSpecs(ccproxy.ServerTarget{
	Name: "myproxy",
	Start: func(ctx context.Context, dir string) (*ccproxy.ServerInstance, error) {
		return ccproxy.CommandServer([]string{proxy, "--socket", ccproxy.SocketPlaceholder}).Start(ctx, dir)
	},
})

func TestConformance(t *testing.T) {
	// The per-requirement summary and the report files, as the wirecert
	// CLI writes them; under ginkgo -p, merged from every process.
	report.RunSpecs(t, "myproxy", report.Options{
		Suite:     "ccproxy-server",
		Target:    "myproxy",
		JSONFile:  "reports/ccproxy-server.json",
		JUnitFile: "reports/ccproxy-server.junit.xml",
	})
}
