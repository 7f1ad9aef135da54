package ccproxy_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestCCProxyConformance(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "cc-proxy conformance suites")
}
