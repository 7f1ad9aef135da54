package spacer

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/fakes/fakespacer"
	"github.com/wirecert/wirecert/reference/spacer/api"
)

// strayFdSpecs: SPC-C-03, the client closes the fds it cannot place.
func (s *clientSuite) strayFdSpecs() {
	rooms := func(spaces uint64) api.Request { return &api.RoomsRequest{Spaces: spaces} }
	DescribeTable("closes every fd it cannot place",
		func(ctx SpecContext, brk fakespacer.Break, req api.Request) {
			warmUpPoller()
			before := openFds()
			r := s.connect(fakespacer.Config{Break: brk})
			resp, _ := r.do(req)
			closeResponse(resp) // what the client placed is ours to close
			r.end()
			r.expectSentFdsClosed(before)
		},
		s.entry("SPC-C-03/extra-fd", requirement.Must, "a pipe end beyond the requested fds", fakespacer.ExtraFd, rooms(unix.CLONE_NEWNET)),
		s.entry("SPC-C-03/wrong-type", requirement.Must, "a net namespace where UTS was requested", fakespacer.WrongType, rooms(unix.CLONE_NEWUTS)),
		s.entry("SPC-C-03/socket-for-namespace", requirement.Must, "a socket where a namespace belongs", fakespacer.SocketForNamespace, rooms(unix.CLONE_NEWNET)),
		s.entry("SPC-C-03/file-for-namespace", requirement.Must, "a regular file where a namespace belongs", fakespacer.FileForNamespace, rooms(unix.CLONE_NEWNET)),
		s.entry("SPC-C-03/fds-on-error", requirement.Must, "fds attached to an ErrorResponse", fakespacer.FdsOnError, rooms(0)),
		s.entry("SPC-C-03/coalesced-responses", requirement.Must, "two responses coalesced into one sendmsg", fakespacer.Coalesce, rooms(unix.CLONE_NEWNET|unix.CLONE_NEWIPC)),
		s.entry("SPC-C-03/too-many-fds", requirement.Must, "253 fds, more than the ancillary room", fakespacer.TooManyFds, rooms(unix.CLONE_NEWNET)),
	)
}

// warmUpPoller makes Go's network poller open its fds before a snapshot.
func warmUpPoller() {
	GinkgoHelper()
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	Expect(err).NotTo(HaveOccurred())
	unix.Close(pair[1])
	conn, err := fileConn(pair[0], "warm-up")
	Expect(err).NotTo(HaveOccurred())
	conn.Close()
}
