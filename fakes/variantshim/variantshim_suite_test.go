package variantshim_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestVariantShim(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "fakes/variantshim")
}
