package fakespacer_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestFakespacer(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "fakes/fakespacer")
}
