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
	what string
	// message returns the bytes to send in one sendmsg
	message func(peer *fakespacer.RawClient) ([]byte, error)
	// withFd sends both ends of a pipe along
	withFd bool
	// decodable: the gob stream stays in step, so an ErrorResponse is
	// possible
	decodable bool
	// pipelined requests are sent instead of message, all before reading
	pipelined []api.Request
}

func encoded(req api.Request) func(*fakespacer.RawClient) ([]byte, error) {
	return func(p *fakespacer.RawClient) ([]byte, error) { return p.Encode(req) }
}

var hostiles = []hostile{
	{what: "garbage bytes 7f de ad be ef", message: func(*fakespacer.RawClient) ([]byte, error) { return fakespacer.Garbage(), nil }},
	{what: "an HTTP request", message: func(*fakespacer.RawClient) ([]byte, error) { return []byte("GET / HTTP/1.1\r\n\r\n"), nil }},
	{what: "the first half of a RoomsRequest", message: func(p *fakespacer.RawClient) ([]byte, error) {
		b, err := p.Encode(&api.RoomsRequest{Spaces: unix.CLONE_NEWNET})
		return b[:len(b)/2], err
	}},
	{what: "a message above 8192 bytes", message: func(p *fakespacer.RawClient) ([]byte, error) {
		b, err := p.Encode(&api.RoomsRequest{Spaces: unix.CLONE_NEWNET})
		return append(b, make([]byte, fakespacer.MaxMessageSize)...), err
	}},
	{what: "a request without its type definitions on a fresh stream", message: func(*fakespacer.RawClient) ([]byte, error) {
		return fakespacer.EncodeWithoutTypeDefs(&api.RoomsRequest{Spaces: unix.CLONE_NEWNET})
	}},
	{what: "a request of a type the protocol does not register (" + fakespacer.UnknownRequestName + ")", decodable: true,
		message: func(p *fakespacer.RawClient) ([]byte, error) { return p.EncodeUnregistered() }},
	{what: "a *api.RoomsRequest whose Spaces is a string", decodable: true,
		message: func(p *fakespacer.RawClient) ([]byte, error) { return p.EncodeMismatch() }},
	{what: "a request with fds attached", withFd: true, decodable: true, message: encoded(&api.RoomsRequest{})},
}

// hostileSpecs: SPC-S-06, unknown or undecodable requests.
func (s *serviceSuite) hostileSpecs() {
	var must, should []TableEntry
	for _, h := range hostiles {
		must = append(must, s.entry("SPC-S-06", requirement.Must, h.what, h))
		if h.decodable && !h.withFd {
			should = append(should, s.entry("SPC-S-06", requirement.Should, h.what, h))
		}
	}

	table("survives requests it cannot know: answers or closes, does not crash, keeps nothing",
		func(ctx SpecContext, h hostile) {
			inst := s.start()
			if h.pipelined != nil {
				Expect(inst.peer.SendPipelined(h.pipelined...)).To(Succeed(), "sending %d requests", len(h.pipelined))
				s.expectNoCrash(inst, s.answeredOrClosed(inst, len(h.pipelined)))
				return
			}
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
			closed := s.answeredOrClosed(inst, 1)
			s.expectNoCrash(inst, closed)
			if pipeTarget != "" && !closed {
				Eventually(func() (int, error) {
					now, err := fdTargets(inst.pid)
					return now[pipeTarget], err
				}).WithTimeout(s.t.stepTimeout()).Should(BeZero(), "the service closes the fd (%s) that came with the request", pipeTarget)
			}
		}, append(must,
			s.entry("SPC-S-06", requirement.Must, "three requests sent before reading any response", hostile{what: "pipelined",
				pipelined: []api.Request{&api.RoomsRequest{}, &api.SubspaceRequest{}, &api.RoomsRequest{Spaces: 1 << 40}}}))...)

	table("answers a well-framed request it cannot decode with an ErrorResponse",
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
}

// answeredOrClosed receives n answers; it returns true once the service
// closed the connection instead. A service that does neither within the
// step timeout fails the spec.
func (s *serviceSuite) answeredOrClosed(inst *instance, n int) (closed bool) {
	GinkgoHelper()
	for i := range n {
		got, err := inst.peer.Receive()
		if err == nil {
			got.Close()
			continue
		}
		if fakespacer.Closed(err) {
			return true
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			Fail("the service neither answered nor closed the connection within " + s.t.stepTimeout().String())
		}
		Fail(fmt.Sprintf("answer %d of %d: %v", i+1, n, err))
	}
	return false
}

// expectNoCrash checks that the service did not crash: if it closed the
// connection, it ended without a signal or a panic; else it still serves.
func (s *serviceSuite) expectNoCrash(inst *instance, closed bool) {
	GinkgoHelper()
	if closed {
		if inst.awaitEnd() {
			Expect(inst.crashed).NotTo(HaveOccurred(), "how the service ended after closing the connection")
		}
		return
	}
	Expect(inst.peer.Send(&api.RoomsRequest{})).To(Succeed(), "a further request")
	got, err := inst.peer.Receive()
	Expect(err).NotTo(HaveOccurred(), "the answer to a further request: the service still serves")
	got.Close()
}
