package spacer

import (
	"regexp"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/reference/spacer/api"
)

// uniqueTarget matches /proc/PID/fd links that name one kernel object.
var uniqueTarget = regexp.MustCompile(`^[a-z_]+:\[[0-9]+\]$`)

// ownershipSpecs: SPC-S-04, the service keeps no copy of a sent fd.
func (s *serviceSuite) ownershipSpecs() {
	table("keeps no copy of the fds it sent",
		func(ctx SpecContext, req api.Request) {
			needsRoot()
			inst := s.start()
			got := s.request(inst.peer, req)
			Expect(got.Fds).NotTo(BeEmpty(), "the answer to %T%+v: %T", req, req, got.Response)
			// what the sent fds refer to, where that names one object:
			// namespaces, sockets, pipes; not pidfds (all
			// anon_inode:[pidfd]) nor paths such as /dev/null
			sent := map[string]int{}
			for _, fd := range got.Fds {
				if target := fdTarget(fd); uniqueTarget.MatchString(target) {
					sent[target]++
				}
			}
			// in-process, the suite's own copies are among the service's
			want := map[string]int{}
			for target, n := range sent {
				want[target] = 0
				if s.form.inProcess {
					want[target] = n
				}
			}
			Eventually(func() (map[string]int, error) {
				now, err := fdTargets(inst.pid)
				seen := map[string]int{}
				for target := range sent {
					seen[target] = now[target]
				}
				return seen, err
			}).WithTimeout(s.t.stepTimeout()).Should(Equal(want),
				"the fds of the service's process that refer to what it sent (%s)", describeFds(got.Fds))
		},
		s.entry("SPC-S-04/rooms-fds", requirement.Must, "the six namespace fds of a RoomsResponse",
			api.Request(&api.RoomsRequest{Spaces: api.RoomsSpaces})),
		s.entry("SPC-S-04/subspace-fds", requirement.Must, "Conn and the namespace fds of a SubspaceResponse",
			api.Request(&api.SubspaceRequest{Spaces: unix.CLONE_NEWUSER | unix.CLONE_NEWPID})),
	)
}
