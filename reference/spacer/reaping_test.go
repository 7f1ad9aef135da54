package spacer_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
	"github.com/thediveo/fdooze"
	. "github.com/thediveo/success"
	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/matchers"
	"github.com/wirecert/wirecert/reference/spacer"
	"github.com/wirecert/wirecert/reference/spacer/api"
)

// liveSubservices is how many sub-services the thread spec holds at once:
// the figure, at which one blocked thread per sub-service showed.
const liveSubservices = 50

// idleThreadAllowance is how many threads above its start the service may
// keep once its sub-services are gone. Go never ends an idle M: a fork, or
// a syscall the kernel preempts on a loaded machine, may make the runtime
// hand the P to one more thread, which then stays parked. Measured over 120
// runs at a load average of 12 on 2 cores: 0 or 1 more; a thread per
// sub-service, as exec.Cmd.Wait took, was 48 to 50 more.
const idleThreadAllowance = 2

// liveThreadAllowance is how many threads above its start the service may
// run while liveSubservices sub-services live (measured: 0 or 1 more, as
// above): a little room for the Ms the 50 forks may start, and still far
// below one per sub-service.
const liveThreadAllowance = 4

// threads counts the tasks of process pid.
func threads(pid int) int {
	GinkgoHelper()
	return len(Successful(os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))))
}

// reaped tells whether the process behind pidfd has been reaped (not just
// exited): the kernel shows "Pid: -1" in the pidfd's fdinfo then.
func reaped(pidfd int) bool {
	GinkgoHelper()
	info := string(Successful(os.ReadFile(fmt.Sprintf("/proc/self/fdinfo/%d", pidfd))))
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(line, "Pid:"); ok {
			return Successful(strconv.Atoi(strings.TrimSpace(v))) == -1
		}
	}
	Fail("no Pid in pidfd fdinfo")
	return false
}

var _ = Describe("spacer service threads", func() {

	BeforeEach(func() {
		if os.Geteuid() != 0 {
			Skip("needs root: creates namespaces and sub-services")
		}
		goodfds := fdooze.Filedescriptors()
		goodgos := gleak.Goroutines()
		DeferCleanup(func() {
			Eventually(gleak.Goroutines).ShouldNot(gleak.HaveLeaked(goodgos))
			Eventually(fdooze.Filedescriptors).ShouldNot(fdooze.HaveLeakedFds(goodfds))
		})
	})

	DescribeTable("holds no thread per live sub-service, and is back to its start after they end",
		func(spaces uint64) {
			t := Successful(spacer.NewTransient(spacer.WithServiceBinary(serviceBinary)))
			DeferCleanup(func() { Expect(t.Stop()).To(Succeed()) })
			pid := t.Pid()
			// a first request: the service is up and serving
			Expect(t.Do(&api.RoomsRequest{})).To(api.HaveFailed())
			start := threads(pid)

			subs := make([]*api.SubspaceResponse, 0, liveSubservices)
			defer func() {
				for _, sub := range subs {
					_ = sub.Close()
				}
			}()
			for range liveSubservices {
				subs = append(subs, Successful(t.Subspace(spaces)))
			}
			for _, sub := range subs {
				Expect(sub.PIDFd).NotTo(matchers.HaveExited(), "every sub-service lives")
			}
			live := threads(pid)
			Expect(live).To(BeNumerically("<=", start+liveThreadAllowance),
				"threads with %d live sub-services, started with %d", liveSubservices, start)

			for _, sub := range subs {
				Expect(unix.Close(sub.Conn)).To(Succeed()) // ends the sub-service
				sub.Conn = 0
			}
			for _, sub := range subs {
				Eventually(reaped).WithArguments(sub.PIDFd).Should(BeTrue(), "the service reaps its sub-service")
			}
			after := threads(pid)
			GinkgoWriter.Printf("%s: threads %d at the start, %d with %d live sub-services, %d after they ended\n",
				api.SpacesString(spaces), start, live, liveSubservices, after)
			Expect(after).To(BeNumerically("<=", start+idleThreadAllowance),
				"threads after %d sub-services ended, started with %d", liveSubservices, start)
		},
		Entry("user", uint64(unix.CLONE_NEWUSER)),
		Entry("pid", uint64(unix.CLONE_NEWPID)),
	)
})
