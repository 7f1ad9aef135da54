package spacer

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/reference/spacer/api"
)

// invalidSpecs: SPC-S-03, invalid Spaces get an ErrorResponse and the
// connection stays usable.
func (s *serviceSuite) invalidSpecs() {
	var entries []TableEntry
	for _, c := range invalidRequests {
		entries = append(entries, s.entry("SPC-S-03/"+c.slug, requirement.Must, c.what, c.req))
	}
	table("answers invalid Spaces with an ErrorResponse and goes on serving",
		func(ctx SpecContext, req api.Request) {
			inst := s.start()
			got := s.request(inst.peer, req)
			Expect(got.Response).To(api.HaveFailed(), "the answer to %T%+v", req, req)
			Expect(got.Response.(*api.ErrorResponse).Reason).NotTo(BeEmpty(), "the ErrorResponse's Reason")

			By("serving the next request on the same connection")
			next := api.Request(&api.RoomsRequest{Spaces: unix.CLONE_NEWUTS})
			if !isRoot() {
				next = req // without root, only another refusal proves it
			}
			again := s.request(inst.peer, next)
			if isRoot() {
				Expect(again.Response).To(BeAssignableToTypeOf(&api.RoomsResponse{}),
					"the answer to a valid RoomsRequest after the ErrorResponse")
			} else {
				Expect(again.Response).To(api.HaveFailed(), "the answer to the same request again")
			}
		}, entries...)
}
