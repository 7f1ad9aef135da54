package spacerfds_test

import (
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/thediveo/success"
	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/matchers"
	"github.com/wirecert/wirecert/reference/spacer/api"
)

// roomTypes are the namespace types of a RoomsRequest, one by one.
var roomTypes = []uint64{unix.CLONE_NEWCGROUP, unix.CLONE_NEWIPC, unix.CLONE_NEWNS, unix.CLONE_NEWNET, unix.CLONE_NEWTIME, unix.CLONE_NEWUTS}

// roomFds returns the fds of a RoomsResponse by namespace type.
func roomFds(r *api.RoomsResponse) map[uint64]int {
	fds := map[uint64]int{}
	for t, fd := range map[uint64]int{
		unix.CLONE_NEWCGROUP: r.Cgroup, unix.CLONE_NEWIPC: r.IPC, unix.CLONE_NEWNS: r.Mnt,
		unix.CLONE_NEWNET: r.Net, unix.CLONE_NEWTIME: r.Time, unix.CLONE_NEWUTS: r.UTS,
	} {
		if fd != 0 {
			fds[t] = fd
		}
	}
	return fds
}

// expectOwnedRooms checks a RoomsResponse for spaces from a service whose
// own namespaces are at nsDir (/proc/PID/ns) and whose user namespace is
// owner: one fd per requested type and no other, each of a new namespace
// of that type owned by owner.
func expectOwnedRooms(r *api.RoomsResponse, spaces uint64, nsDir string, owner uint64) {
	GinkgoHelper()
	fds := roomFds(r)
	var got uint64
	for t := range fds {
		got |= t
	}
	Expect(api.SpacesString(got)).To(Equal(api.SpacesString(spaces)), "the namespace types of the fds received")
	for t, fd := range fds {
		name := api.NamespaceTypeName(t)
		Expect(fd).To(matchers.BeNamespaceFd(t), "the %s fd", name)
		Expect(fd).To(matchers.BeNewNamespace(nsDir+"/"+name), "the %s fd: a new namespace, not the service's", name)
		Expect(ownerIno(fd)).To(Equal(owner), "the %s namespace's owning user namespace (NS_GET_USERNS inode)", name)
	}
}

var _ = Describe("Rooms fd ownership", func() {
	DescribeTable("every fd received is a new namespace of the requested type, owned by the service's user namespace, and the service keeps no copy",
		func(spaces uint64) {
			svc := startService(false)
			r := Successful(svc.Rooms(spaces))
			DeferCleanup(r.Close)
			expectOwnedRooms(r, spaces, fmt.Sprintf("/proc/%d/ns", svc.pid()), nsIno(svc.nsPath("user")))
			for t, fd := range roomFds(r) {
				link := fdLink(fd)
				Eventually(func() []string { return holdsCopy(svc.pid(), link) }).WithTimeout(step).
					Should(BeEmpty(), "the service's fds referring to the %s namespace %s it sent", api.NamespaceTypeName(t), link)
			}
			// The receiver owns and closes them: the spec's fd leak check
			// proves Close released every one.
			Expect(r.Close()).To(Succeed())
		},
		roomsEntry("SPC-S-01", unix.CLONE_NEWCGROUP),
		roomsEntry("SPC-S-01", unix.CLONE_NEWIPC),
		roomsEntry("SPC-S-01", unix.CLONE_NEWNS),
		roomsEntry("SPC-S-01", unix.CLONE_NEWNET),
		roomsEntry("SPC-S-01", unix.CLONE_NEWTIME),
		roomsEntry("SPC-S-01", unix.CLONE_NEWUTS),
		roomsEntry("SPC-S-02", api.RoomsSpaces),
		roomsEntry("SPC-S-04", unix.CLONE_NEWNET|unix.CLONE_NEWUTS|unix.CLONE_NEWIPC),
	)

	It(requirement.Describe("SPC-S-02/invalid-rooms-no-fd", requirement.Must, "an invalid RoomsRequest carries no fd, and the connection stays usable"),
		requirement.Labels("SPC-S-02", requirement.Must), func() {
			svc := startService(false)
			before := fdLinks(pidSelf())
			resp := Successful(svc.Do(&api.RoomsRequest{Spaces: unix.CLONE_NEWUSER}))
			Expect(resp).To(api.HaveFailed(), "RoomsRequest for a user namespace")
			Expect(fdLinks(pidSelf())).To(HaveLen(len(before)), "fds received with an ErrorResponse")
			r := Successful(svc.Rooms(unix.CLONE_NEWUTS))
			DeferCleanup(r.Close)
			expectOwnedRooms(r, unix.CLONE_NEWUTS, fmt.Sprintf("/proc/%d/ns", svc.pid()), nsIno(svc.nsPath("user")))
		})
})

// roomsEntry is a table entry requesting spaces, citing id: its spec ID is
// id/rooms-<the types>.
func roomsEntry(id string, spaces uint64) TableEntry {
	id += "/rooms-" + strings.ReplaceAll(api.SpacesString(spaces), "|", "-")
	return Entry(requirement.Describe(id, requirement.Must, "RoomsRequest{Spaces: "+api.SpacesString(spaces)+"}"),
		requirement.Labels(id, requirement.Must), spaces)
}
