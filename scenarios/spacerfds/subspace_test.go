package spacerfds_test

import (
	"fmt"
	"os"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/thediveo/success"
	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/matchers"
	refspacer "github.com/wirecert/wirecert/reference/spacer"
	"github.com/wirecert/wirecert/reference/spacer/api"
)

// level is one subspace: the SubspaceResponse that created it and, once
// client was called, a client on its Conn.
type level struct {
	resp *api.SubspaceResponse
	c    *refspacer.Client
}

// subspace requests a new user and PID subspace from c, closed at the
// spec's end.
func subspace(c *refspacer.Client) *level {
	GinkgoHelper()
	s := Successful(c.Subspace(unix.CLONE_NEWUSER | unix.CLONE_NEWPID))
	DeferCleanup(s.Close)
	l := &level{resp: s}
	l.client()
	return l
}

// client takes Conn out of the response into a Client, closed at the
// spec's end (closing twice does no harm).
func (l *level) client() {
	GinkgoHelper()
	fd := l.resp.Conn
	l.resp.Conn = 0 // the client owns it now
	l.c = Successful(refspacer.NewClientFromFd(fd, refspacer.WithTimeout(step)))
	DeferCleanup(func() { _ = l.c.Close() }) // a spec may have closed it to end the level
}

// pid is the sub-service's PID in this process's PID namespace, from the
// pidfd's fdinfo.
func (l *level) pid() int {
	GinkgoHelper()
	info := Successful(os.ReadFile(fmt.Sprintf("/proc/self/fdinfo/%d", l.resp.PIDFd)))
	for _, line := range strings.Split(string(info), "\n") {
		var pid int
		if n, _ := fmt.Sscanf(line, "Pid:\t%d", &pid); n == 1 {
			return pid
		}
	}
	Fail(fmt.Sprintf("the fdinfo of pidfd %d names no Pid", l.resp.PIDFd))
	return 0
}

func (l *level) nsDir() string { return fmt.Sprintf("/proc/%d/ns", l.pid()) }

// expectChildOf checks the level's user and PID namespaces: children of the
// given parents, and the very namespaces the sub-service runs in, with the
// caller's uid mapped to root.
func (l *level) expectChildOf(parentUser, parentPID string) {
	GinkgoHelper()
	Expect(l.resp.User).To(matchers.BeNamespaceFd(unix.CLONE_NEWUSER))
	Expect(l.resp.PID).To(matchers.BeNamespaceFd(unix.CLONE_NEWPID))
	Expect(l.resp.User).To(matchers.BeChildNamespaceOf(parentUser), "the subspace's user namespace")
	Expect(l.resp.PID).To(matchers.BeChildNamespaceOf(parentPID), "the subspace's PID namespace")
	Expect(nsIno(l.nsDir()+"/user")).To(Equal(nsIno(l.resp.User)), "the sub-service runs in the user namespace it sent")
	Expect(nsIno(l.nsDir()+"/pid")).To(Equal(nsIno(l.resp.PID)), "the sub-service runs in the PID namespace it sent")
	uidMap := Successful(os.ReadFile(fmt.Sprintf("/proc/%d/uid_map", l.pid())))
	Expect(strings.Fields(string(uidMap))).To(HaveExactElements("0", fmt.Sprint(parentUID(parentUser)), "1"),
		"the sub-service's uid_map: the caller's uid mapped to root")
}

// parentUID is the uid the creator of a subspace has in the parent user
// namespace: this process's for the service's namespace, root in a subspace.
func parentUID(parentUser string) int {
	if parentUser == fmt.Sprintf("/proc/%d/ns/user", os.Getpid()) || strings.HasPrefix(parentUser, "/proc/self/") {
		return os.Getuid()
	}
	return 0
}

var _ = Describe("nested subspaces", func() {
	It(requirement.Describe("SPC-S-05/nested-subspace", requirement.Must, "a subspace of a subspace: namespaces chain to their parents, Rooms at each level are owned by that level's user namespace, closing a level's Conn ends that level only"),
		requirement.Labels("SPC-S-05", requirement.Must), func() {
			svc := startService(false)
			sub := subspace(svc.Client)
			sub.expectChildOf(svc.nsPath("user"), svc.nsPath("pid"))
			subsub := subspace(sub.c)
			subsub.expectChildOf(sub.nsDir()+"/user", sub.nsDir()+"/pid")

			for _, l := range []*level{sub, subsub} {
				r := Successful(l.c.Rooms(unix.CLONE_NEWNET | unix.CLONE_NEWUTS))
				expectOwnedRooms(r, unix.CLONE_NEWNET|unix.CLONE_NEWUTS, l.nsDir(), nsIno(l.resp.User))
				Expect(r.Close()).To(Succeed())
			}

			By("closing the innermost Conn")
			Expect(subsub.c.Close()).To(Succeed())
			Eventually(subsub.resp.PIDFd).WithTimeout(step).Should(matchers.HaveExited(), "the sub-sub-service after its Conn closed")
			Expect(sub.resp.PIDFd).NotTo(matchers.HaveExited(), "the sub-service when only its child's Conn closed")
			r := Successful(sub.c.Rooms(unix.CLONE_NEWIPC))
			Expect(r.Close()).To(Succeed())

			By("closing the middle Conn")
			Expect(sub.c.Close()).To(Succeed())
			Eventually(sub.resp.PIDFd).WithTimeout(step).Should(matchers.HaveExited(), "the sub-service after its Conn closed")
			r = Successful(svc.Rooms(unix.CLONE_NEWIPC))
			Expect(r.Close()).To(Succeed())
		})
})
