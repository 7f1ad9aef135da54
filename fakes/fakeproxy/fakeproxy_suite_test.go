package fakeproxy_test

import (
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/onsi/gomega/gleak"
	. "github.com/thediveo/fdooze"
	. "github.com/thediveo/success"
)

func TestFakeproxy(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "fakes/fakeproxy")
}

var _ = BeforeSuite(func() {
	// The runtime opens its network poller's fds on first use; open them
	// now so the first spec's leak check does not count them.
	dir := Successful(os.MkdirTemp("", "fakeproxy-suite"))
	ln := Successful(net.Listen("unix", filepath.Join(dir, "warm.sock")))
	Expect(ln.Close()).To(Succeed())
	Expect(os.RemoveAll(dir)).To(Succeed())
})

// leakChecked makes the current spec prove it leaves no fds and no
// goroutines behind; cleanups the spec registers later run before the check.
func leakChecked() {
	goodfds := Filedescriptors()
	goodgos := Goroutines()
	DeferCleanup(func() {
		Eventually(Goroutines).WithTimeout(2 * time.Second).ShouldNot(HaveLeaked(goodgos))
		Expect(Filedescriptors()).NotTo(HaveLeakedFds(goodfds))
	})
}
