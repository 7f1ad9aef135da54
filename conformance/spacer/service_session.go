package spacer

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/reference/spacer/api"
)

// sessionSpecs: SPC-S-08, no fd, process or goroutine leak over a full
// session.
func (s *serviceSuite) sessionSpecs() {
	s.it("SPC-S-08/whole-session", requirement.Must, "a session of every kind of valid and invalid request", func(ctx SpecContext) {
		var goodfds map[int]fdIdentity
		var goodgos []gleak.Goroutine
		if s.form.inProcess {
			goodfds, goodgos = openFds(), gleak.Goroutines()
		}
		inst := s.start()
		// a first request makes the service open what it always holds
		// while serving; whether it answers right is SPC-S-03's matter
		s.request(inst.peer, &api.RoomsRequest{}).Close()

		var before map[string]int
		if !s.form.inProcess {
			var err error
			before, err = fdTargets(inst.pid)
			Expect(err).NotTo(HaveOccurred())
		}
		kids, err := children(inst.pid)
		Expect(err).NotTo(HaveOccurred())

		By("making every kind of request")
		if isRoot() {
			for _, c := range roomsCases() {
				s.request(inst.peer, &api.RoomsRequest{Spaces: c.spaces}).Close()
			}
			// closing its Conn ends the sub-service; the children check
			// below sees whether it was reaped
			s.request(inst.peer, &api.SubspaceRequest{Spaces: unix.CLONE_NEWUSER | unix.CLONE_NEWPID}).Close()
		}
		for _, c := range invalidRequests {
			s.request(inst.peer, c.req).Close()
		}

		if !s.form.inProcess {
			By("looking into the service's process")
			Eventually(func() (map[string]int, error) {
				now, err := fdTargets(inst.pid)
				return grown(before, now), err
			}).WithTimeout(s.t.stepTimeout()).Should(BeEmpty(), "fds the service opened during the session and still holds")
		}
		Eventually(func() ([]int, error) {
			now, err := children(inst.pid)
			return newPids(kids, now), err
		}).WithTimeout(s.t.stepTimeout()).Should(BeEmpty(), "child processes of the service, still there (or not reaped) after their Conn closed")
		By("ending the session")
		inst.stop()
		Expect(inst.ended()).To(BeTrue(), "the service ends with the session")
		if s.form.inProcess {
			Eventually(gleak.Goroutines).WithTimeout(s.t.stepTimeout()).ShouldNot(gleak.HaveLeaked(goodgos),
				"goroutines the in-process service left behind")
			Eventually(func() string { return newFds(goodfds) }).WithTimeout(s.t.stepTimeout()).Should(BeEmpty(),
				"fds the in-process service left behind")
		}
	})
}

// grown returns the fd targets now has more of than before.
func grown(before, now map[string]int) map[string]int {
	more := map[string]int{}
	for target, n := range now {
		if n > before[target] {
			more[target] = n - before[target]
		}
	}
	return more
}

// newPids returns the PIDs in now that were not in before.
func newPids(before, now []int) []int {
	var fresh []int
	for _, p := range now {
		found := false
		for _, b := range before {
			found = found || b == p
		}
		if !found {
			fresh = append(fresh, p)
		}
	}
	return fresh
}
