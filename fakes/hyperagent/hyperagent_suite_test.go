package hyperagent_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestHyperagent(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "fake hyperstart agent")
}
