package ccproxy_test

import (
	"context"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
	"github.com/onsi/gomega/gleak"
	"github.com/thediveo/fdooze"

	"github.com/wirecert/wirecert/conformance/ccproxy"
)

// The reference shim passes every client spec, in-process and as the
// ccshim binary.
var _ = Describe("the reference shim", func() {
	BeforeEach(clientLeakChecked)

	Describe("in-process", func() {
		ccproxy.ClientSpecs(ccproxy.ReferenceShim())
	})

	Describe("as the ccshim binary", Ordered, ContinueOnFailure, func() {
		var ccshim string
		BeforeAll(func() {
			var err error
			ccshim, err = gexec.Build("github.com/wirecert/wirecert/reference/ccproxy/cmd/ccshim")
			Expect(err).NotTo(HaveOccurred(), "building ccshim")
			// Only this build's dir: other suites may hold gexec builds too.
			DeferCleanup(os.RemoveAll, filepath.Dir(ccshim))
		})
		ccproxy.ClientSpecs(ccproxy.ClientTarget{
			Name: "ccshim binary",
			Shim: func(ctx context.Context, run ccproxy.ShimRun) (int, error) {
				argv := []string{ccshim, "--proxy", ccproxy.SocketPlaceholder, "--token", ccproxy.TokenPlaceholder}
				return ccproxy.CommandShim(argv).Shim(ctx, run)
			},
		})
	})
})

// clientLeakChecked makes the current spec prove it leaves no fds and no
// goroutines behind: the shim's, the fake proxy's and the suite's. The
// spec's own cleanups run before this check.
func clientLeakChecked() {
	// The runtime's poller opens its fds on first use: not a spec's leak.
	r, w, err := os.Pipe()
	Expect(err).NotTo(HaveOccurred())
	Expect(r.Close()).To(Succeed())
	Expect(w.Close()).To(Succeed())
	goods := gleak.Goroutines()
	fds := fdooze.Filedescriptors()
	DeferCleanup(func() {
		Eventually(gleak.Goroutines).WithTimeout(2 * time.Second).ShouldNot(gleak.HaveLeaked(goods))
		Eventually(fdooze.Filedescriptors).WithTimeout(2 * time.Second).ShouldNot(fdooze.HaveLeakedFds(fds))
	})
}
