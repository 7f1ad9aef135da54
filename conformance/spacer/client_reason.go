package spacer

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/fakes/fakespacer"
	"github.com/wirecert/wirecert/reference/spacer/api"
)

// reasonMarker is the Reason of the fake's ErrorResponses: no client can
// make it up.
const reasonMarker = "wirecert: no room at the inn (reason 7e31c)"

// reasonSpecs: SPC-C-04, the client reports ErrorResponse.Reason.
func (s *clientSuite) reasonSpecs() {
	DescribeTable("reports the service's Reason",
		func(ctx SpecContext, req api.Request) {
			r := s.connect(fakespacer.Config{Reason: reasonMarker})
			resp, err := r.do(req)
			defer closeResponse(resp)
			Expect(reportsReason(resp, err, reasonMarker)).To(BeTrue(),
				"the client reports Reason %q as an *api.ErrorResponse or in its error; it returned %#v, error %v",
				reasonMarker, resp, err)
		},
		s.entry("SPC-C-04/rooms-reason", requirement.Must, "of a refused RoomsRequest", api.Request(&api.RoomsRequest{})),
		s.entry("SPC-C-04/subspace-reason", requirement.Must, "of a refused SubspaceRequest", api.Request(&api.SubspaceRequest{})),
	)
}
