package variantproxy_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
	"github.com/thediveo/fdooze"
)

func TestVariantProxy(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "fakes/variantproxy")
}

// Every spec ends with no goroutine and no fd left behind: registered
// first, this check runs after each spec's own cleanups.
var _ = BeforeEach(func() {
	goods := gleak.Goroutines()
	fds := fdooze.Filedescriptors()
	DeferCleanup(func() {
		Eventually(gleak.Goroutines).ShouldNot(gleak.HaveLeaked(goods))
		Expect(fdooze.Filedescriptors()).NotTo(fdooze.HaveLeakedFds(fds))
	})
})
