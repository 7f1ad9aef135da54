package main_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
	. "github.com/thediveo/success"
)

// proxyBin is the ccproxy binary under test, built once for the suite.
var proxyBin string

func TestCCProxyBinary(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "reference/ccproxy/cmd/ccproxy")
}

var _ = BeforeSuite(func() {
	proxyBin = Successful(gexec.Build("github.com/wirecert/wirecert/reference/ccproxy/cmd/ccproxy"))
	DeferCleanup(gexec.CleanupBuildArtifacts)
})
