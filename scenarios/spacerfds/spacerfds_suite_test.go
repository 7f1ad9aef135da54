package spacerfds_test

import (
	"flag"
	"fmt"
	"os"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
	"github.com/thediveo/fdooze"

	"github.com/wirecert/wirecert/scenarios"
)

// spacerFlag names the service binary; empty re-executes this test binary
// as the reference service.
var spacerFlag = flag.String("spacer", "", "spacer service binary taking its socket on fd 3 (default: this binary as the reference service)")

func TestSpacerFds(t *testing.T) {
	scenarios.RunSpecs(t, "spacerfds", "")
}

// Namespaces need root; every spec leaves this process's fds and
// goroutines as it found them.
var _ = BeforeEach(func() {
	if os.Geteuid() != 0 {
		Skip(fmt.Sprintf("new namespaces need root: running as uid %d", os.Geteuid()))
	}
	goodfds := fdooze.Filedescriptors()
	goodgos := gleak.Goroutines()
	DeferCleanup(func() {
		Eventually(gleak.Goroutines).ShouldNot(gleak.HaveLeaked(goodgos))
		Expect(fdooze.Filedescriptors()).NotTo(fdooze.HaveLeakedFds(goodfds))
	})
})
