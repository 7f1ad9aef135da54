package spacerfds_test

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/thediveo/success"
	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/reference/spacer/api"
)

// As a container's entrypoint the service is PID 1 of its PID namespace:
// no default signal actions, orphans to reap, and the namespace dies with
// it. It must serve and end all the same.
var _ = Describe("the service as PID 1 of its PID namespace", func() {
	It(requirement.Describe("SPC-S-01/pid1-rooms", requirement.Must, "as PID 1, Rooms hands out new namespaces owned by its user namespace"),
		requirement.Labels("SPC-S-01", requirement.Must), func() {
			svc := startService(true)
			Expect(nsPID(svc.pid())).To(Equal("1"), "the service's PID in its own namespace")
			r := Successful(svc.Rooms(api.RoomsSpaces))
			DeferCleanup(r.Close)
			expectOwnedRooms(r, api.RoomsSpaces, fmt.Sprintf("/proc/%d/ns", svc.pid()), nsIno(svc.nsPath("user")))
			Expect(r.Close()).To(Succeed())
		})

	It(requirement.Describe("SPC-S-05/pid1-subspace", requirement.Must, "as PID 1, a subspace's PID namespace is a child of the service's, and the sub-service serves"),
		requirement.Labels("SPC-S-05", requirement.Must), func() {
			svc := startService(true)
			s := Successful(svc.Subspace(unix.CLONE_NEWUSER | unix.CLONE_NEWPID))
			DeferCleanup(s.Close)
			sub := level{resp: s}
			sub.expectChildOf(svc.nsPath("user"), svc.nsPath("pid"))
			sub.client()
			r := Successful(sub.c.Rooms(unix.CLONE_NEWUTS))
			DeferCleanup(r.Close)
			expectOwnedRooms(r, unix.CLONE_NEWUTS, sub.nsDir(), nsIno(s.User))
			Expect(r.Close()).To(Succeed())
		})

	It(requirement.Describe("SPC-S-07/pid1-disconnect", requirement.Must, "as PID 1, the service ends promptly when its client disconnects"),
		requirement.Labels("SPC-S-07", requirement.Must), func() {
			svc := startService(true)
			Expect(nsPID(svc.pid())).To(Equal("1"))
			Expect(svc.Close()).To(Succeed())
			Eventually(svc.done).WithTimeout(step).Should(BeClosed(), "the service (PID 1) after its client disconnected")
			Consistently(svc.done).WithTimeout(10 * time.Millisecond).Should(BeClosed())
		})
})
