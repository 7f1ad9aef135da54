package spacer

import (
	"math/bits"
	"os"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/conformance/transcript"
	"github.com/wirecert/wirecert/fakes/fakespacer"
	"github.com/wirecert/wirecert/reference/spacer/api"
)

// ServiceSpecs registers the spacer service conformance suite against t:
// every spec labelled with the requirement (SPC-S-01..09) and level it
// checks and named after the requirement's text. Each spec starts a fresh
// service and stops it afterwards. Call it at the top level of a test file
// (var _ = ServiceSpecs(...)) or inside a container.
func ServiceSpecs(t ServiceTarget) bool {
	// The target is not in the text: a report records it once, and spec
	// texts stay the same wherever the target is installed.
	return Describe("spacer service conformance", func() {
		BeforeEach(transcript.Record) // first: its cleanup, run last, sees every close
		BeforeEach(func() { requirement.RecordTarget(t.Name) })
		var forms []form
		if len(t.Command) > 0 {
			forms = append(forms, form{name: "as a process"})
		}
		if t.Serve != nil {
			forms = append(forms, form{name: "in-process", inProcess: true})
		}
		if len(forms) == 0 {
			It("has a service to test", func() {
				Fail("the ServiceTarget sets neither Command nor Serve, allowed either or both")
			})
		}
		for _, f := range forms {
			s := &serviceSuite{t: t, form: f}
			Context(f.name, func() {
				Describe("RoomsRequest", s.roomsSpecs)
				Describe("invalid Spaces", s.invalidSpecs)
				Describe("fd ownership", s.ownershipSpecs)
				Describe("SubspaceRequest", s.subspaceSpecs)
				Describe("gob body", s.gobBodySpecs)
				Describe("hostile requests", s.hostileSpecs)
				Describe("disconnect", s.disconnectSpecs)
				Describe("session", s.sessionSpecs)
			})
		}
	})
}

// serviceSuite carries the target and the form of running it to the spec
// bodies.
type serviceSuite struct {
	t    ServiceTarget
	form form
}

// it registers the spec specID ("SPC-S-03/rooms-empty") of the form
// checking its requirement at level.
func (s *serviceSuite) it(specID string, level requirement.Level, what string, body func(ctx SpecContext)) {
	specID = s.form.specID(specID)
	It(requirement.Describe(specID, level, what), requirement.Labels(specID, level), SpecTimeout(s.t.specTimeout()), body)
}

// entry is the table entry specID of the form checking its requirement at
// level; params are the table body's arguments after the SpecContext.
func (s *serviceSuite) entry(specID string, level requirement.Level, what string, params ...any) TableEntry {
	specID = s.form.specID(specID)
	return Entry(requirement.Describe(specID, level, what),
		append([]any{requirement.Labels(specID, level), SpecTimeout(s.t.specTimeout())}, params...)...)
}

// table registers a DescribeTable with entries built in a loop.
func table(what string, body any, entries ...TableEntry) {
	args := []any{body}
	for _, e := range entries {
		args = append(args, e)
	}
	DescribeTable(what, args...)
}

// start starts the service under test for the current spec.
func (s *serviceSuite) start() *instance {
	GinkgoHelper()
	return startService(s.t, s.form)
}

// request sends req and receives the response, whose fds are closed when
// the spec ends (or earlier by the spec).
func (s *serviceSuite) request(peer *fakespacer.RawClient, req api.Request) *fakespacer.Received {
	GinkgoHelper()
	Expect(peer.Send(req)).To(Succeed(), "sending %T%+v", req, req)
	got, err := peer.Receive()
	Expect(err).NotTo(HaveOccurred(), "the response to %T%+v", req, req)
	DeferCleanup(got.Close)
	return got
}

// needsRoot skips a spec that creates namespaces when we are not root.
func needsRoot() {
	if os.Geteuid() != 0 {
		Skip("needs root: the service creates namespaces")
	}
}

// roomTypes are the namespace types of a RoomsRequest, in field order.
var roomTypes = []uint64{unix.CLONE_NEWCGROUP, unix.CLONE_NEWIPC, unix.CLONE_NEWNS,
	unix.CLONE_NEWNET, unix.CLONE_NEWTIME, unix.CLONE_NEWUTS}

// subspaceTypes are the namespace types of a SubspaceRequest.
var subspaceTypes = []uint64{unix.CLONE_NEWUSER, unix.CLONE_NEWPID}

// roomsCase is one RoomsRequest of the namespace specs; slug ends the
// spec IDs of its specs.
type roomsCase struct {
	slug, what string
	spaces     uint64
}

// roomsCases are the RoomsRequests every namespace spec makes: each type
// alone and all six at once.
func roomsCases() []roomsCase {
	var cases []roomsCase
	for _, t := range roomTypes {
		name := api.NamespaceTypeName(t)
		cases = append(cases, roomsCase{name, name + " alone", t})
	}
	return append(cases, roomsCase{"all-six", "all six at once", api.RoomsSpaces})
}

// invalidRequests are requests with Spaces a service must refuse (slug
// ends the spec IDs of their specs).
var invalidRequests = []struct {
	slug, what string
	req        api.Request
}{
	{"rooms-empty", "RoomsRequest with empty Spaces", &api.RoomsRequest{Spaces: 0}},
	{"rooms-user", "RoomsRequest for a user namespace", &api.RoomsRequest{Spaces: unix.CLONE_NEWUSER}},
	{"rooms-pid", "RoomsRequest for a PID namespace", &api.RoomsRequest{Spaces: unix.CLONE_NEWPID}},
	{"rooms-six-and-user", "RoomsRequest for all six and a user namespace", &api.RoomsRequest{Spaces: api.RoomsSpaces | unix.CLONE_NEWUSER}},
	{"rooms-bit-40", "RoomsRequest with bit 40", &api.RoomsRequest{Spaces: 1 << 40}},
	{"subspace-empty", "SubspaceRequest with empty Spaces", &api.SubspaceRequest{Spaces: 0}},
	{"subspace-net", "SubspaceRequest for a net namespace", &api.SubspaceRequest{Spaces: unix.CLONE_NEWNET}},
	{"subspace-user-and-uts", "SubspaceRequest for user and UTS namespaces", &api.SubspaceRequest{Spaces: unix.CLONE_NEWUSER | unix.CLONE_NEWUTS}},
}

func popcount(spaces uint64) int { return bits.OnesCount64(spaces) }
