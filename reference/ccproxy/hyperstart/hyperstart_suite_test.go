package hyperstart_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestHyperstart(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "hyperstart wire")
}
