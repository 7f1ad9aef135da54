package spacer

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/conformance/transcript"
	"github.com/wirecert/wirecert/fakes/fakespacer"
	"github.com/wirecert/wirecert/reference/spacer/api"
)

// ClientSpecs registers the spacer client conformance suite against t:
// every spec labelled with the requirement (SPC-C-01..06) and level it
// checks. Each spec connects the client under test to a fake service of
// its own (fakespacer, in-process, handing out its own namespaces: no
// privileges needed; a process of its own for SPC-C-06), which misbehaves
// as the spec says.
func ClientSpecs(t ClientTarget) bool {
	s := &clientSuite{t: t}
	// The target is not in the text: a report records it once, and spec
	// texts stay the same wherever the target is installed.
	return Describe("spacer client conformance", func() {
		BeforeEach(transcript.Record) // first: its cleanup, run last, sees every close
		BeforeEach(func() { requirement.RecordTarget(t.Name) })
		if t.Connect == nil {
			It("has a client to test", func() {
				Fail("the ClientTarget sets no Connect")
			})
			return
		}
		Describe("requests", s.requestSpecs)
		Describe("ancillary room", s.roomSpecs)
		Describe("fds it cannot place", s.strayFdSpecs)
		Describe("ErrorResponse", s.reasonSpecs)
		Describe("SubspaceResponse fds", s.subspaceSpecs)
		Describe("fd 0", s.fdZeroSpecs)
	})
}

// clientSuite carries the target to the spec bodies.
type clientSuite struct {
	t ClientTarget
}

// it registers the spec specID ("SPC-C-04/rooms-reason") checking its
// requirement at level.
func (s *clientSuite) it(specID string, level requirement.Level, what string, body func(ctx SpecContext)) {
	It(requirement.Describe(specID, level, what), requirement.Labels(specID, level), SpecTimeout(s.t.specTimeout()), body)
}

// entry is the table entry specID checking its requirement at level;
// params are the table body's arguments after the SpecContext.
func (s *clientSuite) entry(specID string, level requirement.Level, what string, params ...any) TableEntry {
	return Entry(requirement.Describe(specID, level, what),
		append([]any{requirement.Labels(specID, level), SpecTimeout(s.t.specTimeout())}, params...)...)
}

// clientRun is the client under test connected to a fake service.
type clientRun struct {
	s      *clientSuite
	client ClientConn
	fake   *net.UnixConn
	served chan error

	mu       sync.Mutex
	arrivals []fakespacer.RequestArrival
	// sent are what the fake's fds referred to, for the leak checks
	sent sentFds

	endOnce sync.Once
}

// connect starts a fake service configured by cfg and connects the client
// under test to it; both end when the spec does (or at end).
func (s *clientSuite) connect(cfg fakespacer.Config) *clientRun {
	GinkgoHelper()
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	Expect(err).NotTo(HaveOccurred(), "socketpair")
	fake, err := fileConn(pair[0], "fake service end")
	if err != nil {
		unix.Close(pair[1])
		Fail(err.Error())
	}
	clientEnd, err := fileConn(pair[1], "client end")
	if err != nil {
		fake.Close()
		Fail(err.Error())
	}
	r := &clientRun{s: s, fake: fake, served: make(chan error, 1)}
	cfg.OwnNamespaces = true
	cfg.IdleTimeout = s.t.stepTimeout()
	cfg.OnSend = r.sent.record
	cfg.OnRequest = func(a fakespacer.RequestArrival) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.arrivals = append(r.arrivals, a)
	}
	go func() { r.served <- fakespacer.Serve(fake, cfg) }()
	r.client, err = s.t.Connect(clientEnd)
	if err != nil {
		fake.Close()
		<-r.served
		Fail(fmt.Sprintf("connecting the client under test: %v", err))
	}
	DeferCleanup(r.end)
	return r
}

// end closes the client and waits for the fake service to see it go;
// a fake still waiting after the step timeout is cut off.
func (r *clientRun) end() {
	r.endOnce.Do(func() {
		_ = r.client.Close()
		select {
		case <-r.served:
		case <-time.After(r.s.t.stepTimeout()):
			r.fake.Close()
			<-r.served
		}
	})
}

// do makes the client under test send req, bounded by the step timeout.
// The caller owns the fds of the response (closeResponse).
func (r *clientRun) do(req api.Request) (api.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), r.s.t.stepTimeout())
	defer cancel()
	return r.client.Do(ctx, req)
}

// closeResponse closes the fds a response holds.
func closeResponse(resp api.Response) {
	if c, ok := resp.(interface{ Close() error }); ok {
		_ = c.Close()
	}
}

func (r *clientRun) requests() []fakespacer.RequestArrival {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]fakespacer.RequestArrival(nil), r.arrivals...)
}

func fileConn(fd int, name string) (*net.UnixConn, error) {
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	conn, err := net.FileConn(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return conn.(*net.UnixConn), nil
}

// reportsReason tells whether a Do result carries an ErrorResponse with
// reason: as the response value or in the error's text.
func reportsReason(resp api.Response, err error, reason string) bool {
	if err != nil {
		return strings.Contains(err.Error(), reason)
	}
	errResp, ok := resp.(*api.ErrorResponse)
	return ok && errResp.Reason == reason
}
