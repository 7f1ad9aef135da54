package spacer

import (
	"fmt"

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
		s01 = append(s01, s.entry("SPC-S-01/"+c.slug, requirement.Must, c.what, c.spaces))
		s02 = append(s02, s.entry("SPC-S-02/"+c.slug, requirement.Must, c.what, c.spaces))
	}
	for _, c := range invalidRequests {
		s02 = append(s02, s.entry("SPC-S-02/invalid-"+c.slug, requirement.Must, "no fds with the answer to a "+c.what, c.req))
	}

	table("hands out one fd per requested type, of a new namespace owned by the service's user namespace",
		func(ctx SpecContext, spaces uint64) {
			needsRoot()
			inst := s.start()
			got := s.request(inst.peer, &api.RoomsRequest{Spaces: spaces})
			resp, ok := got.Response.(*api.RoomsResponse)
			Expect(ok).To(BeTrue(), "the response to RoomsRequest{Spaces: %s} is %T, allowed *api.RoomsResponse",
				api.SpacesString(spaces), got.Response)
			_ = resp // its gob body is SPC-S-09's matter
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
// spaces, of a new namespace, owned by pid's user namespace. New means
// other than the service's (process pid), the caller's (this process: a
// service in namespaces of its own could hand out its client's) and PID
// 1's (the host's), where this process may look at PID 1's.
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
		olds, which := oldNamespaces(pid, flag)
		Expect(fd).To(matchers.BeNewNamespace(olds[0], olds[1:]...),
			"the %s namespace is a new one, not %s", name, which)
		owner, err := unix.IoctlRetInt(fd, unix.NS_GET_USERNS)
		Expect(err).NotTo(HaveOccurred(), "ioctl(NS_GET_USERNS) on the %s namespace fd", name)
		func() {
			defer unix.Close(owner)
			Expect(owner).NotTo(matchers.BeNewNamespace(nsPath(pid, unix.CLONE_NEWUSER)),
				"the %s namespace is owned by the service's user namespace", name)
		}()
	}
}

// oldNamespaces returns the paths of the namespaces of type flag that no
// new one may be: the service's, ours (the caller's) and PID 1's, and
// their names. PID 1's is left out where we may not open it (a PID 1 with
// capabilities beyond ours, as in some sandboxes): it cannot be compared
// there, and a service cannot hand it out either.
func oldNamespaces(pid int, flag uint64) ([]any, string) {
	olds := []any{nsPath(pid, flag), "/proc/self/ns/" + api.NamespaceTypeName(flag)}
	which := "the service's own nor the caller's"
	init := nsPath(1, flag)
	if fd, err := unix.Open(init, unix.O_RDONLY|unix.O_CLOEXEC, 0); err == nil {
		unix.Close(fd)
		olds = append(olds, init)
		which = "the service's own, the caller's nor PID 1's"
	} else {
		By(fmt.Sprintf("not comparing with PID 1's %s namespace: %v", api.NamespaceTypeName(flag), err))
	}
	return olds, which
}
