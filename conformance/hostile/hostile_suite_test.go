package hostile_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

func TestHostile(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "conformance/hostile")
}

// The binaries under test and the peers, built once.
var binaries struct {
	wirecert, hostile, fakespacer string
}

var _ = BeforeSuite(func() {
	var err error
	binaries.wirecert, err = gexec.Build("github.com/wirecert/wirecert/cmd/wirecert")
	Expect(err).NotTo(HaveOccurred())
	binaries.hostile, err = gexec.Build("github.com/wirecert/wirecert/fakes/hostile/cmd/hostile")
	Expect(err).NotTo(HaveOccurred())
	binaries.fakespacer, err = gexec.Build("github.com/wirecert/wirecert/fakes/fakespacer/cmd/fakespacer")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(gexec.CleanupBuildArtifacts)
})
