package spacer

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/reference/spacer/api"
)

// gobBodySpecs: SPC-S-09, every fd field of a response's gob body is 0.
// The suite's peer decodes the body into the api types and leaves the fds
// where they arrived, so the fields hold what the service encoded: a number
// there means nothing in the receiver's process, and a receiver that takes
// a non-zero field for one already placed would close the fd it got.
func (s *serviceSuite) gobBodySpecs() {
	table("sends the fds only as SCM_RIGHTS: every fd field of the gob body is 0",
		func(ctx SpecContext, req api.Request) {
			needsRoot()
			inst := s.start()
			got := s.request(inst.peer, req)
			Expect(got.Fds).NotTo(BeEmpty(), "the answer to %T%+v (%T%+v) carries the fds in SCM_RIGHTS", req, req, got.Response, got.Response)
			switch resp := got.Response.(type) {
			case *api.RoomsResponse:
				_, isRooms := req.(*api.RoomsRequest)
				Expect(isRooms).To(BeTrue(), "the answer to %T is a %T", req, resp)
				Expect(*resp).To(BeZero(), "the RoomsResponse's fd fields as gob decoded them, allowed all 0")
			case *api.SubspaceResponse:
				_, isSub := req.(*api.SubspaceRequest)
				Expect(isSub).To(BeTrue(), "the answer to %T is a %T", req, resp)
				Expect(*resp).To(BeZero(), "the SubspaceResponse's fd fields (Conn, PIDFd, User, PID) as gob decoded them, allowed all 0")
			default:
				Fail("the answer to a valid " + describeRequest(req) + " is " + describeResponse(got.Response) + ", allowed the response of its type")
			}
		},
		s.entry("SPC-S-09/rooms-all-six", requirement.Must, "a RoomsResponse for all six types", api.Request(&api.RoomsRequest{Spaces: api.RoomsSpaces})),
		s.entry("SPC-S-09/rooms-net", requirement.Must, "a RoomsResponse for a net namespace", api.Request(&api.RoomsRequest{Spaces: unix.CLONE_NEWNET})),
		s.entry("SPC-S-09/subspace-user", requirement.Must, "a SubspaceResponse for a user namespace", api.Request(&api.SubspaceRequest{Spaces: unix.CLONE_NEWUSER})),
		s.entry("SPC-S-09/subspace-pid", requirement.Must, "a SubspaceResponse for a PID namespace", api.Request(&api.SubspaceRequest{Spaces: unix.CLONE_NEWPID})),
		s.entry("SPC-S-09/subspace-user-and-pid", requirement.Must, "a SubspaceResponse for user and PID namespaces", api.Request(&api.SubspaceRequest{Spaces: unix.CLONE_NEWUSER | unix.CLONE_NEWPID})),
	)
}

func describeRequest(req api.Request) string {
	switch r := req.(type) {
	case *api.RoomsRequest:
		return "RoomsRequest{Spaces: " + api.SpacesString(r.Spaces) + "}"
	case *api.SubspaceRequest:
		return "SubspaceRequest{Spaces: " + api.SpacesString(r.Spaces) + "}"
	}
	return "request"
}

func describeResponse(resp api.Response) string {
	if e, ok := resp.(*api.ErrorResponse); ok {
		return "ErrorResponse{Reason: " + e.Reason + "}"
	}
	return "a response of another type"
}
