package incontainer_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestInContainer(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "scenarios in privileged containers")
}
