package main

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

// Every binary a spec built goes with the suite, its temp dir too.
var _ = AfterSuite(gexec.CleanupBuildArtifacts)

func TestWirecert(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "cmd/wirecert")
}
