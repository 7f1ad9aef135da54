package spacer

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/fakes/fakespacer"
	"github.com/wirecert/wirecert/matchers"
	"github.com/wirecert/wirecert/reference/spacer/api"
)

// roomSpecs: SPC-C-02, ancillary room for every fd a response may carry,
// MSG_CTRUNC an error.
func (s *clientSuite) roomSpecs() {
	s.it("SPC-C-02/six-fds", requirement.Must, "receives all six fds of a RoomsResponse", func(ctx SpecContext) {
		r := s.connect(fakespacer.Config{})
		resp, err := r.do(&api.RoomsRequest{Spaces: api.RoomsSpaces})
		Expect(err).NotTo(HaveOccurred(), "RoomsRequest for all six")
		defer closeResponse(resp)
		rooms, ok := resp.(*api.RoomsResponse)
		Expect(ok).To(BeTrue(), "the response is %T, allowed *api.RoomsResponse", resp)
		for _, f := range []struct {
			flag uint64
			fd   int
		}{
			{unix.CLONE_NEWCGROUP, rooms.Cgroup}, {unix.CLONE_NEWIPC, rooms.IPC}, {unix.CLONE_NEWNS, rooms.Mnt},
			{unix.CLONE_NEWNET, rooms.Net}, {unix.CLONE_NEWTIME, rooms.Time}, {unix.CLONE_NEWUTS, rooms.UTS},
		} {
			Expect(f.fd).To(BeNumerically(">", 0), "the %s fd arrived", api.NamespaceTypeName(f.flag))
			Expect(f.fd).To(matchers.BeNamespaceFd(f.flag))
		}
	})

	// 253 fds are the most one sendmsg carries: a client with room for
	// them all sees no MSG_CTRUNC and may take the response, closing the
	// fds it cannot place (SPC-C-03 checks that); one with less room must
	// fail. From outside, the first and a client that ignores MSG_CTRUNC
	// look alike, so taking the response is only a limited pass; a room
	// too small for a response's own fds fails the six-fd spec above.
	s.it("SPC-C-02/truncated-fds", requirement.Must, "fails a response whose fds did not fit (MSG_CTRUNC: 253 fds sent), unless it had room for all", func(ctx SpecContext) {
		r := s.connect(fakespacer.Config{Break: fakespacer.TooManyFds})
		resp, err := r.do(&api.RoomsRequest{Spaces: unix.CLONE_NEWNET})
		closeResponse(resp)
		if err == nil {
			requirement.Limited("the client took a response with 253 fds: either its ancillary room holds all 253 (no MSG_CTRUNC came) or it ignored MSG_CTRUNC; the suite cannot tell these apart")
		}
	})
}
