package api_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"

	"github.com/wirecert/wirecert/reference/spacer/api"
)

var _ = Describe("HaveFailed", func() {

	DescribeTable("judges responses",
		func(actual any, matcher types.GomegaMatcher, success bool) {
			Expect(matcher.Match(actual)).To(Equal(success))
		},
		Entry("error response", &api.ErrorResponse{Reason: "out of space"}, api.HaveFailed(), true),
		Entry("rooms response", &api.RoomsResponse{}, api.HaveFailed(), false),
		Entry("reason string", &api.ErrorResponse{Reason: "out of space"}, api.HaveFailedWith("out of space"), true),
		Entry("other reason", &api.ErrorResponse{Reason: "no space requested"}, api.HaveFailedWith("out of space"), false),
		Entry("reason matcher", &api.ErrorResponse{Reason: "out of space: Spaces is 0x10000000"}, api.HaveFailedWith(HavePrefix("out of space")), true),
		Entry("reason of a non-error", &api.SubspaceResponse{}, api.HaveFailedWith("x"), false),
	)

	It("refuses what is no Response", func() {
		_, err := api.HaveFailed().Match("out of space")
		Expect(err).To(MatchError(ContainSubstring("expects an api.Response")))
	})

	It("says what it saw", func() {
		m := api.HaveFailedWith("out of space")
		Expect(m.Match(&api.ErrorResponse{Reason: "no space requested"})).To(BeFalse())
		Expect(m.FailureMessage(&api.ErrorResponse{Reason: "no space requested"})).To(
			And(ContainSubstring("Reason"), ContainSubstring("no space requested"), ContainSubstring("out of space")))
	})
})
