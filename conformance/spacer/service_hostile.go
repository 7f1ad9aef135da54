package spacer

import (
	"errors"
	"fmt"
	"os"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/fakes/fakespacer"
	"github.com/wirecert/wirecert/reference/spacer/api"
)

// hostile is a message a well-behaved client never sends.
type hostile struct {
	// slug ends the spec IDs of its specs
	slug, what string
	// message returns the bytes to send in one sendmsg
	message func(peer *fakespacer.RawClient) ([]byte, error)
	// withFd sends both ends of a pipe along
	withFd bool
	// decodable: one whole gob message that leaves the stream in step, so
	// the service SHOULD answer it with an ErrorResponse
	decodable bool
	// leading is how many whole requests the message starts with: a
	// service MAY answer them before it refuses the rest
	leading int
}

func encoded(req api.Request) func(*fakespacer.RawClient) ([]byte, error) {
	return func(p *fakespacer.RawClient) ([]byte, error) { return p.Encode(req) }
}

var hostiles = []hostile{
	{slug: "garbage", what: "garbage bytes 7f de ad be ef", message: func(*fakespacer.RawClient) ([]byte, error) { return fakespacer.Garbage(), nil }},
	{slug: "http-request", what: "an HTTP request", message: func(*fakespacer.RawClient) ([]byte, error) { return []byte("GET / HTTP/1.1\r\n\r\n"), nil }},
	{slug: "half-a-request", what: "the first half of a RoomsRequest", message: func(p *fakespacer.RawClient) ([]byte, error) {
		b, err := p.Encode(&api.RoomsRequest{Spaces: unix.CLONE_NEWNET})
		return b[:len(b)/2], err
	}},
	{slug: "trailing-garbage", what: "a RoomsRequest with garbage bytes past its end, in one sendmsg", leading: 1, message: func(p *fakespacer.RawClient) ([]byte, error) {
		b, err := p.Encode(&api.RoomsRequest{Spaces: unix.CLONE_NEWNET})
		return append(b, fakespacer.Garbage()...), err
	}},
	{slug: "over-8192-bytes", what: "a message above 8192 bytes: a RoomsRequest and 8192 zero bytes", leading: 1, message: func(p *fakespacer.RawClient) ([]byte, error) {
		b, err := p.Encode(&api.RoomsRequest{Spaces: unix.CLONE_NEWNET})
		return append(b, make([]byte, fakespacer.MaxMessageSize)...), err
	}},
	{slug: "no-type-definitions", what: "a request without its type definitions on a fresh stream", message: func(*fakespacer.RawClient) ([]byte, error) {
		return fakespacer.EncodeWithoutTypeDefs(&api.RoomsRequest{Spaces: unix.CLONE_NEWNET})
	}},
	{slug: "unregistered-type", what: "a request of a type the protocol does not register (" + fakespacer.UnknownRequestName + ")", decodable: true,
		message: func(p *fakespacer.RawClient) ([]byte, error) { return p.EncodeUnregistered() }},
	{slug: "spaces-a-string", what: "a *api.RoomsRequest whose Spaces is a string", decodable: true,
		message: func(p *fakespacer.RawClient) ([]byte, error) { return p.EncodeMismatch() }},
	{slug: "fds-attached", what: "a request with fds attached", withFd: true, decodable: true, message: encoded(&api.RoomsRequest{})},
}

// pipelined are requests of three kinds, so that answers out of order
// show in their types (where the service can make all three).
var pipelined = []api.Request{
	&api.RoomsRequest{Spaces: unix.CLONE_NEWNET},
	&api.RoomsRequest{},
	&api.SubspaceRequest{Spaces: unix.CLONE_NEWUSER},
}

// hostileSpecs: SPC-S-06, unknown or undecodable requests, and requests
// sent before the previous response was read.
func (s *serviceSuite) hostileSpecs() {
	var must, should []TableEntry
	for _, h := range hostiles {
		must = append(must, s.entry("SPC-S-06/survives-"+h.slug, requirement.Must, h.what, h))
		if h.decodable && !h.withFd {
			should = append(should, s.entry("SPC-S-06/answers-"+h.slug, requirement.Should, h.what, h))
		}
	}

	// Revision 2: it may answer, close (also after answering the whole
	// requests the message began with) or drop what it cannot decode; it
	// must not crash, hang or keep what came along.
	table("survives a request it cannot decode: no crash, no leak; it may answer, close or go on serving",
		func(ctx SpecContext, h hostile) {
			inst := s.start()
			msg, err := h.message(inst.peer)
			Expect(err).NotTo(HaveOccurred(), "building %s", h.what)
			var fds []int
			pipeTarget := ""
			if h.withFd {
				var p [2]int
				Expect(unix.Pipe2(p[:], unix.O_CLOEXEC)).To(Succeed())
				pipeTarget = fdTarget(p[0])
				// both ends go after sending: only the service's copy
				// may then remain
				fds = append(fds, p[0], p[1])
			}
			Expect(inst.peer.SendBytes(msg, fds...)).To(Succeed(), "sending %s", h.what)
			for _, fd := range fds {
				unix.Close(fd)
			}
			s.expectNoCrash(inst, s.answersOrClose(inst, h.leading+1))
			// a process that ended holds nothing; in-process, what the
			// service kept is in this very process
			if pipeTarget != "" && (s.form.inProcess || !inst.ended()) {
				Eventually(func() (int, error) {
					now, err := fdTargets(inst.pid)
					return now[pipeTarget], err
				}).WithTimeout(s.t.stepTimeout()).Should(BeZero(), "the service closes the fd (%s) that came with the request", pipeTarget)
			}
		}, must...)

	table("answers a whole message it cannot decode with an ErrorResponse (and MAY close then)",
		func(ctx SpecContext, h hostile) {
			inst := s.start()
			msg, err := h.message(inst.peer)
			Expect(err).NotTo(HaveOccurred(), "building %s", h.what)
			Expect(inst.peer.SendBytes(msg)).To(Succeed(), "sending %s", h.what)
			got, err := inst.peer.Receive()
			Expect(err).NotTo(HaveOccurred(), "the answer to %s", h.what)
			defer got.Close()
			Expect(got.Response).To(api.HaveFailed(), "the answer to %s", h.what)
		}, should...)

	// The protocol is lockstep, so this is SHOULD. What the answers must
	// be is other requirements' matter: here they are those the service
	// gives to the same requests one at a time, on a connection of its own.
	s.it("SPC-S-06/pipelined-requests", requirement.Should, "answers each of three requests sent before reading any response, in order", func(ctx SpecContext) {
		By("sending the requests one at a time, each after reading the previous answer")
		lockstep := s.start()
		var want []string
		for _, req := range pipelined {
			want = append(want, fmt.Sprintf("%T", s.request(lockstep.peer, req).Response))
		}

		By("sending them all before reading any answer, on a fresh connection")
		inst := s.start()
		Expect(inst.peer.SendPipelined(pipelined...)).To(Succeed(), "sending %d requests", len(pipelined))
		var got []string
		for i, req := range pipelined {
			r, err := inst.peer.Receive()
			Expect(err).NotTo(HaveOccurred(), "answer %d of %d (to %T%+v); answers so far %v, one at a time %v",
				i+1, len(pipelined), req, req, got, want)
			DeferCleanup(r.Close)
			got = append(got, fmt.Sprintf("%T", r.Response))
		}
		Expect(got).To(Equal(want), "the answers to requests sent at once, in order, against those to the same requests one at a time")
	})
}

// answersOrClose receives up to n answers and closes their fds; it
// returns true once the service closed the connection. Silence ends the
// wait too: a service may drop what it cannot decode, and whether it still
// serves is for expectNoCrash to find out.
func (s *serviceSuite) answersOrClose(inst *instance, n int) (closed bool) {
	GinkgoHelper()
	for i := range n {
		got, err := inst.peer.Receive()
		switch {
		case err == nil:
			got.Close()
		case fakespacer.Closed(err):
			return true
		case errors.Is(err, os.ErrDeadlineExceeded):
			return false
		default:
			Fail(fmt.Sprintf("answer %d (of at most %d): %v", i+1, n, err))
		}
	}
	return false
}

// expectNoCrash checks that the service did not crash: one that keeps the
// connection answers a further request (or closes the connection then);
// one that closed it ends, if it does within the step timeout, without a
// signal or a panic.
func (s *serviceSuite) expectNoCrash(inst *instance, closed bool) {
	GinkgoHelper()
	if !closed {
		closed = s.furtherRequest(inst)
	}
	if closed && inst.awaitEnd() {
		Expect(inst.crashed).NotTo(HaveOccurred(), "how the service ended after closing the connection")
	}
}

// furtherRequest sends a request and receives its answer; it returns true
// if the service closed the connection instead, and fails the spec if it
// does neither within the step timeout: it hangs.
func (s *serviceSuite) furtherRequest(inst *instance) (closed bool) {
	GinkgoHelper()
	if err := inst.peer.Send(&api.RoomsRequest{}); err != nil {
		if fakespacer.Closed(err) {
			return true
		}
		Fail(fmt.Sprintf("sending a further request: %v", err))
	}
	got, err := inst.peer.Receive()
	switch {
	case err == nil:
		got.Close()
		return false
	case fakespacer.Closed(err):
		return true
	case errors.Is(err, os.ErrDeadlineExceeded):
		Fail("the service neither answered a further request nor closed the connection within " + s.t.stepTimeout().String() + ": it hangs")
	default:
		Fail(fmt.Sprintf("the answer to a further request: %v", err))
	}
	return false
}
