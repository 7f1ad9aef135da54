package spacer

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/matchers"
	"github.com/wirecert/wirecert/reference/spacer/api"
)

// roomsSpecs: SPC-S-01 (the fds are the requested new namespaces) and
// SPC-S-02 (no fds beyond them, none on errors).
func (s *serviceSuite) roomsSpecs() {
	var s01, s02 []TableEntry
	for _, c := range roomsCases() {
		s01 = append(s01, s.entry("SPC-S-01", requirement.Must, c.what, c.spaces))
		s02 = append(s02, s.entry("SPC-S-02", requirement.Must, c.what, c.spaces))
	}
	for _, c := range invalidRequests {
		s02 = append(s02, s.entry("SPC-S-02", requirement.Must, "no fds with the answer to a "+c.what, c.req))
	}

	table("hands out one fd per requested type, of a new namespace owned by the service's user namespace",
		func(ctx SpecContext, spaces uint64) {
			needsRoot()
			inst := s.start()
			got := s.request(inst.peer, &api.RoomsRequest{Spaces: spaces})
			resp, ok := got.Response.(*api.RoomsResponse)
			Expect(ok).To(BeTrue(), "the response to RoomsRequest{Spaces: %s} is %T, allowed *api.RoomsResponse",
				api.SpacesString(spaces), got.Response)
			Expect(*resp).To(BeZero(), "the gob body carries no fd numbers: the fds travel as SCM_RIGHTS")
			expectNewRooms(got.Fds, spaces, inst.pid)
		}, s01...)

	table("sends no fds beyond those requested",
		func(ctx SpecContext, what any) {
			if spaces, ok := what.(uint64); ok {
				needsRoot()
				inst := s.start()
				got := s.request(inst.peer, &api.RoomsRequest{Spaces: spaces})
				Expect(got.Fds).To(HaveLen(popcount(spaces)),
					"RoomsRequest{Spaces: %s} gets exactly %d fds, got %s", api.SpacesString(spaces), popcount(spaces), describeFds(got.Fds))
				Expect(got.Leftover).To(BeZero(),
					"bytes after the response in its sendmsg: a second response there brings fds nobody requested")
				return
			}
			req := what.(api.Request)
			inst := s.start()
			got := s.request(inst.peer, req)
			Expect(got.Fds).To(BeEmpty(), "the answer (%T) to invalid Spaces carries %s, allowed none", got.Response, describeFds(got.Fds))
		}, s02...)
}

// expectNewRooms checks that fds hold exactly one fd of each type in
// spaces, of a namespace other than process pid's, owned by pid's user
// namespace.
func expectNewRooms(fds []int, spaces uint64, pid int) {
	GinkgoHelper()
	for _, flag := range roomTypes {
		if spaces&flag == 0 {
			continue
		}
		name := api.NamespaceTypeName(flag)
		var ofType []int
		for _, fd := range fds {
			if t, err := api.NamespaceType(fd); err == nil && t == flag {
				ofType = append(ofType, fd)
			}
		}
		Expect(ofType).To(HaveLen(1), "exactly one %s namespace fd among %s", name, describeFds(fds))
		fd := ofType[0]
		Expect(fd).To(matchers.BeNamespaceFd(flag))
		Expect(fd).To(matchers.BeNewNamespace(nsPath(pid, flag)),
			"the %s namespace is a new one, not the service's own", name)
		owner, err := unix.IoctlRetInt(fd, unix.NS_GET_USERNS)
		Expect(err).NotTo(HaveOccurred(), "ioctl(NS_GET_USERNS) on the %s namespace fd", name)
		func() {
			defer unix.Close(owner)
			Expect(owner).NotTo(matchers.BeNewNamespace(nsPath(pid, unix.CLONE_NEWUSER)),
				"the %s namespace is owned by the service's user namespace", name)
		}()
	}
}
