package faultyproxy_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestFaultyProxy(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "fakes/faultyproxy")
}
