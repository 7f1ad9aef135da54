package spacer

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/fakes/fakespacer"
	"github.com/wirecert/wirecert/matchers"
	"github.com/wirecert/wirecert/reference/spacer/api"
)

// subspaceSpecs: SPC-C-05, a SubspaceResponse's fds placed by position,
// an error and every fd closed when too few or too many came. The fake
// service stands in for a sub-service (fakespacer's ownSubspace): Conn a
// socket, PIDFd its own pidfd, its own user and PID namespaces.
func (s *clientSuite) subspaceSpecs() {
	user, pid := uint64(unix.CLONE_NEWUSER), uint64(unix.CLONE_NEWPID)
	both := user | pid

	DescribeTable("places a SubspaceResponse's fds by position [Conn, PIDFd, User?, PID?]",
		func(ctx SpecContext, spaces uint64) {
			r := s.connect(fakespacer.Config{})
			resp, err := r.do(&api.SubspaceRequest{Spaces: spaces})
			defer closeResponse(resp)
			Expect(err).NotTo(HaveOccurred(), "SubspaceRequest{Spaces: %s} answered with Conn, PIDFd and its namespaces", api.SpacesString(spaces))
			sub, ok := resp.(*api.SubspaceResponse)
			Expect(ok).To(BeTrue(), "the response is %T, allowed *api.SubspaceResponse", resp)
			var st unix.Stat_t
			Expect(sub.Conn).To(BeNumerically(">", 0), "Conn, the first fd, arrived")
			Expect(unix.Fstat(sub.Conn, &st)).To(Succeed(), "Conn is open")
			Expect(st.Mode&unix.S_IFMT).To(Equal(uint32(unix.S_IFSOCK)), "Conn is the first fd, a socket: %s", fdTarget(sub.Conn))
			Expect(sub.PIDFd).To(BeNumerically(">", 0), "PIDFd, the second fd, arrived")
			Expect(unix.PidfdSendSignal(sub.PIDFd, 0, nil, 0)).To(Succeed(), "PIDFd is the second fd, a pidfd: %s", fdTarget(sub.PIDFd))
			for _, f := range []struct {
				flag uint64
				fd   int
			}{{user, sub.User}, {pid, sub.PID}} {
				if spaces&f.flag == 0 {
					Expect(f.fd).To(BeZero(), "no %s namespace fd: none requested", api.NamespaceTypeName(f.flag))
					continue
				}
				Expect(f.fd).To(BeNumerically(">", 0), "the %s namespace fd arrived", api.NamespaceTypeName(f.flag))
				Expect(f.fd).To(matchers.BeNamespaceFd(f.flag))
			}
		},
		s.entry("SPC-C-05/user", requirement.Must, "for a user namespace", user),
		s.entry("SPC-C-05/pid", requirement.Must, "for a PID namespace", pid),
		s.entry("SPC-C-05/user-and-pid", requirement.Must, "for user and PID namespaces", both),
	)

	DescribeTable("fails a SubspaceResponse with too few or too many fds, closing every fd it got",
		func(ctx SpecContext, brk fakespacer.Break, spaces uint64) {
			warmUpPoller()
			before := openFds()
			r := s.connect(fakespacer.Config{Break: brk})
			resp, err := r.do(&api.SubspaceRequest{Spaces: spaces})
			got := fmt.Sprintf("%#v", resp) // as received: closing zeroes its fds
			closeResponse(resp)             // what the client placed is ours to close
			Expect(err).To(HaveOccurred(), "the client reports the SubspaceResponse's wrong number of fds (%s), instead of the response %s", brk, got)
			r.end()
			r.expectSentFdsClosed(before)
		},
		s.entry("SPC-C-05/too-few-user", requirement.Must, "Conn and PIDFd only, for a user namespace", fakespacer.SubspaceTooFew, user),
		s.entry("SPC-C-05/too-few-pid", requirement.Must, "Conn and PIDFd only, for a PID namespace", fakespacer.SubspaceTooFew, pid),
		s.entry("SPC-C-05/too-few-user-and-pid", requirement.Must, "no PID namespace fd, for user and PID namespaces", fakespacer.SubspaceTooFew, both),
		s.entry("SPC-C-05/too-many-user", requirement.Must, "an unrequested PID namespace fd, for a user namespace", fakespacer.SubspaceTooMany, user),
		s.entry("SPC-C-05/too-many-pid", requirement.Must, "an unrequested user namespace fd, for a PID namespace", fakespacer.SubspaceTooMany, pid),
		s.entry("SPC-C-05/too-many-user-and-pid", requirement.Must, "a second user namespace fd, for user and PID namespaces", fakespacer.SubspaceTooMany, both),
	)
}
