package spacer

import (
	"fmt"
	"os"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/fakes/fakespacer"
	"github.com/wirecert/wirecert/matchers"
	"github.com/wirecert/wirecert/reference/spacer/api"
)

// subservice is a sub-service as a SubspaceResponse named it.
type subservice struct {
	conn  int // the received Conn fd
	pidfd int
	pid   int // in our procfs
}

// subspaceSpecs: SPC-S-05, sub-services in new user and/or PID
// namespaces.
func (s *serviceSuite) subspaceSpecs() {
	table("starts a sub-service in new namespaces that serves the protocol in turn, until Conn is closed",
		func(ctx SpecContext, spaces uint64) {
			needsRoot()
			inst := s.start()
			got := s.request(inst.peer, &api.SubspaceRequest{Spaces: spaces})
			sub := expectSubspace(got, spaces, inst.pid)

			By("talking to the sub-service over Conn")
			peer := s.subPeer(sub)
			rooms := s.request(peer, &api.RoomsRequest{Spaces: api.RoomsSpaces})
			Expect(rooms.Response).To(BeAssignableToTypeOf(&api.RoomsResponse{}), "the sub-service's answer to a RoomsRequest for all six")
			expectNewRooms(rooms.Fds, api.RoomsSpaces, sub.pid)
			rooms.Close()
			refused := s.request(peer, &api.RoomsRequest{Spaces: unix.CLONE_NEWUSER})
			Expect(refused.Response).To(api.HaveFailed(), "the sub-service's answer to invalid Spaces")

			By("starting a sub-sub-service through the sub-service")
			nested := s.request(peer, &api.SubspaceRequest{Spaces: spaces})
			subsub := expectSubspace(nested, spaces, sub.pid)
			unix.Close(subsub.conn)
			nested.Fds[0] = -1
			Eventually(subsub.pidfd).WithTimeout(s.t.stepTimeout()).Should(matchers.HaveExited(),
				"closing the sub-sub-service's Conn ends it")

			By("closing Conn")
			Expect(sub.pidfd).NotTo(matchers.HaveExited(), "the sub-service runs while its Conn is open")
			Expect(peer.Close()).To(Succeed())
			unix.Close(sub.conn)
			got.Fds[0] = -1
			Eventually(sub.pidfd).WithTimeout(s.t.stepTimeout()).Should(matchers.HaveExited(),
				"closing Conn ends the sub-service")
		},
		s.entry("SPC-S-05/user", requirement.Must, "a new user namespace", uint64(unix.CLONE_NEWUSER)),
		s.entry("SPC-S-05/pid", requirement.Must, "a new PID namespace", uint64(unix.CLONE_NEWPID)),
		s.entry("SPC-S-05/user-and-pid", requirement.Must, "new user and PID namespaces", uint64(unix.CLONE_NEWUSER|unix.CLONE_NEWPID)),
	)
}

// subPeer returns a raw client on a copy of the sub-service's Conn; the
// spec closes both.
func (s *serviceSuite) subPeer(sub subservice) *fakespacer.RawClient {
	GinkgoHelper()
	// a copy of our own for net.FileConn to take: an *os.File on sub.conn
	// itself would close it again from a finalizer, whatever fd has that
	// number by then
	dup, err := unix.FcntlInt(uintptr(sub.conn), unix.F_DUPFD_CLOEXEC, 3)
	Expect(err).NotTo(HaveOccurred(), "dup of Conn")
	conn, err := fileConn(dup, "sub-service conn")
	Expect(err).NotTo(HaveOccurred(), "Conn as a socket")
	peer := fakespacer.NewRawClient(conn, s.t.stepTimeout(), 0)
	peer.SetChannel("sub-service conn")
	DeferCleanup(func() { _ = peer.Close() })
	return peer
}

// expectSubspace checks a SubspaceResponse from the service of process
// parent: fds [Conn, PIDFd, namespaces], the namespaces children of the
// parent's, the pidfd's process living in them, root mapped to the
// parent's ids.
func expectSubspace(got *fakespacer.Received, spaces uint64, parent int) subservice {
	GinkgoHelper()
	fds := got.Fds
	Expect(got.Response).To(BeAssignableToTypeOf(&api.SubspaceResponse{}),
		"the answer to SubspaceRequest{Spaces: %s}", api.SpacesString(spaces))
	Expect(fds).To(HaveLen(2+popcount(spaces)),
		"fds [Conn, PIDFd, one per requested namespace], got %s", describeFds(fds))
	var st unix.Stat_t
	Expect(unix.Fstat(fds[0], &st)).To(Succeed())
	Expect(st.Mode&unix.S_IFMT).To(Equal(uint32(unix.S_IFSOCK)),
		"the first fd is Conn, a socket; got %s", describeFds(fds))
	pid, err := pidfdPid(fds[1])
	Expect(err).NotTo(HaveOccurred(), "the second fd is PIDFd, a pidfd; got %s", describeFds(fds))
	Expect(fds[1]).NotTo(matchers.HaveExited(), "the sub-service runs")
	Expect(pid).NotTo(Equal(parent), "PIDFd names the sub-service, not the service itself")

	for _, flag := range subspaceTypes {
		name := api.NamespaceTypeName(flag)
		if spaces&flag == 0 {
			Expect(nsPath(pid, flag)).NotTo(matchers.BeNewNamespace(nsPath(parent, flag)),
				"the sub-service stays in the service's %s namespace", name)
			continue
		}
		var ofType []int
		for _, fd := range fds[2:] {
			if t, err := api.NamespaceType(fd); err == nil && t == flag {
				ofType = append(ofType, fd)
			}
		}
		Expect(ofType).To(HaveLen(1), "exactly one %s namespace fd after Conn and PIDFd, got %s", name, describeFds(fds))
		Expect(ofType[0]).To(matchers.BeChildNamespaceOf(nsPath(parent, flag)),
			"the new %s namespace is a child of the service's", name)
		Expect(nsPath(pid, flag)).NotTo(matchers.BeNewNamespace(ofType[0]),
			"PIDFd's process lives in the new %s namespace", name)
	}
	if spaces&unix.CLONE_NEWUSER != 0 {
		uid, gid, err := effectiveIDs(parent)
		Expect(err).NotTo(HaveOccurred())
		for _, m := range []struct{ file, id string }{{"uid_map", uid}, {"gid_map", gid}} {
			b, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, m.file))
			Expect(err).NotTo(HaveOccurred())
			Expect(mapsRoot(string(b), m.id)).To(BeTrue(),
				"the sub-service's %s maps root to the service's id %s, got %q", m.file, m.id, string(b))
		}
	}
	return subservice{conn: fds[0], pidfd: fds[1], pid: pid}
}

// mapsRoot tells whether an id map has a line mapping 0 to outside.
func mapsRoot(idMap, outside string) bool {
	for _, line := range strings.Split(idMap, "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && f[0] == "0" && f[1] == outside && f[2] != "0" {
			return true
		}
	}
	return false
}
