package spacer

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/reference/spacer/api"
)

// disconnectSpecs: SPC-S-07, a client disconnect ends the service
// promptly.
func (s *serviceSuite) disconnectSpecs() {
	table("ends when the client disconnects",
		func(ctx SpecContext, req api.Request, root bool) {
			if root {
				needsRoot()
			}
			inst := s.start()
			if req != nil {
				s.request(inst.peer, req) // its fds stay open: a sub-service must not hold the service up
			}
			Expect(inst.conn.Close()).To(Succeed())
			Expect(inst.awaitEnd()).To(BeTrue(), "the service ends within %v of the client's disconnect", s.t.stepTimeout())
			Expect(inst.crashed).NotTo(HaveOccurred(), "how the service ended")
		},
		s.entry("SPC-S-07/before-any-request", requirement.Must, "before any request", nil, false),
		s.entry("SPC-S-07/after-error-response", requirement.Must, "after an ErrorResponse", api.Request(&api.RoomsRequest{}), false),
		s.entry("SPC-S-07/after-rooms-response", requirement.Must, "after a RoomsResponse", api.Request(&api.RoomsRequest{Spaces: unix.CLONE_NEWNET}), true),
		s.entry("SPC-S-07/sub-service-running", requirement.Must, "with a sub-service still running",
			api.Request(&api.SubspaceRequest{Spaces: unix.CLONE_NEWUSER | unix.CLONE_NEWPID}), true),
	)
}
