package spacer

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/fakes/fakespacer"
	"github.com/wirecert/wirecert/reference/spacer/api"
)

// requestSpecs: SPC-C-01, one request per sendmsg, with its type
// definitions.
func (s *clientSuite) requestSpecs() {
	s.it("SPC-C-01/fresh-gob-stream", requirement.Must, "a fresh connection's requests decode on a fresh gob stream, one per recvmsg", func(ctx SpecContext) {
		r := s.connect(fakespacer.Config{})
		reqs := []api.Request{
			&api.RoomsRequest{Spaces: unix.CLONE_NEWNET},
			&api.RoomsRequest{Spaces: 0},
			&api.SubspaceRequest{Spaces: 0},
			&api.RoomsRequest{Spaces: unix.CLONE_NEWUTS},
		}
		for _, req := range reqs {
			resp, _ := r.do(req) // judged on the service's side
			closeResponse(resp)
		}
		r.end()
		arrivals := r.requests()
		Expect(arrivals).To(HaveLen(len(reqs)), "recvmsgs that brought the %d requests", len(reqs))
		for i, a := range arrivals {
			Expect(a.Framed).To(BeTrue(), "request %d (%T) is whole gob messages in one sendmsg: %d bytes", i+1, reqs[i], a.Bytes)
			Expect(a.Err).NotTo(HaveOccurred(), "request %d (%T) decodes on the connection's gob stream: it carries the type definitions it needs", i+1, reqs[i])
			Expect(a.Request).To(Equal(reqs[i]), "request %d as the service decoded it", i+1)
			Expect(a.Leftover).To(BeZero(), "bytes after request %d in its sendmsg", i+1)
			Expect(a.Fds).To(BeZero(), "fds with request %d", i+1)
		}
	})
}
