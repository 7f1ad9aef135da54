package faultyshim_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestFaultyShim(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "fakes/faultyshim")
}
