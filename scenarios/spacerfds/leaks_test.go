package spacerfds_test

import (
	"os"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/thediveo/success"
	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/matchers"
	"github.com/wirecert/wirecert/reference/spacer/api"
)

// pidSelf is this process's PID, for /proc lookups.
func pidSelf() int { return os.Getpid() }

// Requests in one session: enough for a leak of one fd per request to
// stand out, few enough to keep the suite fast.
const (
	roomsRequests    = 64
	subspaceRequests = 8
)

var _ = Describe("fd leaks over many requests", func() {
	It(requirement.Describe("SPC-S-08/many-requests-no-fd-gained", requirement.Must, "64 RoomsRequests for all six types and 8 SubspaceRequests, each response closed: neither the service nor the client gains an fd"),
		requirement.Labels("SPC-S-08", requirement.Must), func() {
			svc := startService(false)
			// The first response settles the service's lazily opened fds.
			first := Successful(svc.Rooms(api.RoomsSpaces))
			Expect(first.Close()).To(Succeed())
			baseline := Successful(matchers.ProcessFiledescriptors(svc.pid()))

			for range roomsRequests {
				r := Successful(svc.Rooms(api.RoomsSpaces))
				Expect(roomFds(r)).To(HaveLen(6), "fds of a RoomsRequest for all six types")
				Expect(r.Close()).To(Succeed())
			}
			for range subspaceRequests {
				s := Successful(svc.Subspace(unix.CLONE_NEWUSER | unix.CLONE_NEWPID))
				pidfd := Successful(unix.Dup(s.PIDFd))
				Expect(s.Close()).To(Succeed()) // closing Conn ends the sub-service
				Eventually(pidfd).WithTimeout(step).Should(matchers.HaveExited(), "the sub-service after its Conn closed")
				Expect(unix.Close(pidfd)).To(Succeed())
			}
			Eventually(svc.pid()).WithTimeout(step).ShouldNot(matchers.HaveLeakedProcessFds(baseline),
				"the service's fds after %d Rooms and %d Subspace requests", roomsRequests, subspaceRequests)
		})
})
