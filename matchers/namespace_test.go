package matchers_test

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/thediveo/fdooze"
	. "github.com/thediveo/success"
	"golang.org/x/sys/unix"

	. "github.com/wirecert/wirecert/matchers"
)

// newNetNamespace returns an fd of a new network namespace, that of a
// throw-away child process: unshare on a locked thread of our own could
// hit the main thread, whose namespaces /proc/self/ns shows.
func newNetNamespace() int {
	GinkgoHelper()
	cmd := exec.Command("sleep", "60")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: unix.CLONE_NEWNET}
	Expect(cmd.Start()).To(Succeed(), "a process in a new net namespace")
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	fd, err := unix.Open(fmt.Sprintf("/proc/%d/ns/net", cmd.Process.Pid), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	Expect(err).NotTo(HaveOccurred(), "new net namespace")
	return fd
}

// sleeperInNewNamespaces starts a process in new user and PID namespaces
// and returns it with a pidfd.
func sleeperInNewNamespaces() (*exec.Cmd, int) {
	GinkgoHelper()
	pidfd := -1
	cmd := exec.Command("sleep", "60")
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:  unix.CLONE_NEWUSER | unix.CLONE_NEWPID,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Geteuid(), Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getegid(), Size: 1}},
		PidFD:       &pidfd,
	}
	Expect(cmd.Start()).To(Succeed())
	DeferCleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		unix.Close(pidfd)
	})
	return cmd, pidfd
}

var _ = Describe("namespace matchers", func() {

	BeforeEach(func() {
		if os.Geteuid() != 0 {
			Skip("needs root: creates namespaces")
		}
		goodfds := fdooze.Filedescriptors()
		DeferCleanup(func() {
			Eventually(fdooze.Filedescriptors).ShouldNot(fdooze.HaveLeakedFds(goodfds))
		})
	})

	It("tells the namespace type of an fd or path", func() {
		fd := Successful(unix.Open("/proc/self/ns/uts", unix.O_RDONLY|unix.O_CLOEXEC, 0))
		defer unix.Close(fd)
		Expect(fd).To(BeNamespaceFd(unix.CLONE_NEWUTS))
		Expect(fd).NotTo(BeNamespaceFd(unix.CLONE_NEWNET))
		Expect("/proc/self/ns/net").To(BeNamespaceFd(unix.CLONE_NEWNET))

		m := BeNamespaceFd(unix.CLONE_NEWNET)
		Expect(m.Match(fd)).To(BeFalse())
		Expect(m.FailureMessage(fd)).To(MatchRegexp(`to be a net namespace fd, but it is uts:\[\d+\], a uts namespace`))

		Expect(BeNamespaceFd(unix.CLONE_NEWNET).Match(1)).To(BeFalse(), "stdout is no namespace")
		_, err := BeNamespaceFd(unix.CLONE_NEWNET).Match(3.14)
		Expect(err).To(MatchError(ContainSubstring("allowed an fd")))
	})

	It("tells a new namespace from a reference", func() {
		net := newNetNamespace()
		defer unix.Close(net)
		Expect(net).To(BeNewNamespace("/proc/self/ns/net"))
		Expect("/proc/self/ns/net").NotTo(BeNewNamespace("/proc/thread-self/ns/net"))

		m := BeNewNamespace(net)
		Expect(m.Match(net)).To(BeFalse())
		Expect(m.FailureMessage(net)).To(MatchRegexp(`to be a namespace other than net:\[\d+\] \(fd %d\), but it is net:\[\d+\]`, net))

		_, err := BeNewNamespace("/proc/self/ns/uts").Match(net)
		Expect(err).To(MatchError(ContainSubstring("allowed the same namespace type")))
	})

	It("tells a new namespace from several references, naming the one it is", func() {
		net, other := newNetNamespace(), newNetNamespace()
		defer unix.Close(net)
		defer unix.Close(other)
		Expect(net).To(BeNewNamespace("/proc/self/ns/net", other))
		Expect(net).NotTo(BeNewNamespace("/proc/self/ns/net", net), "the second reference is the same")

		m := BeNewNamespace("/proc/self/ns/net", other, net)
		Expect(m.Match(net)).To(BeFalse())
		Expect(m.FailureMessage(net)).To(MatchRegexp(`other than net:\[\d+\] \(/proc/self/ns/net\) and .* but it is net:\[\d+\], the same as net:\[\d+\] \(fd %d\)`, net))

		_, err := BeNewNamespace("/proc/self/ns/net", "/proc/self/ns/uts").Match(net)
		Expect(err).To(MatchError(ContainSubstring("allowed the same namespace type")))
	})

	It("tells the parent of user and PID namespaces", func() {
		cmd, _ := sleeperInNewNamespaces()
		for _, name := range []string{"user", "pid"} {
			child := fmt.Sprintf("/proc/%d/ns/%s", cmd.Process.Pid, name)
			Expect(child).To(BeChildNamespaceOf("/proc/self/ns/" + name))
			Expect("/proc/self/ns/" + name).NotTo(BeChildNamespaceOf(child))
		}
		m := BeChildNamespaceOf("/proc/self/ns/net")
		Expect(m.Match("/proc/self/ns/uts")).To(BeFalse())
		Expect(m.FailureMessage("/proc/self/ns/uts")).To(ContainSubstring("NS_GET_PARENT"))
	})
})

var _ = Describe("HaveExited", func() {

	It("tells a running from an exited process", func() {
		if os.Geteuid() != 0 {
			Skip("needs root: creates namespaces")
		}
		cmd, pidfd := sleeperInNewNamespaces()
		Expect(pidfd).NotTo(HaveExited())
		Expect(HaveExited().FailureMessage(pidfd)).To(ContainSubstring("still running"))
		Expect(cmd.Process.Kill()).To(Succeed())
		Eventually(pidfd).Should(HaveExited())
	})

	It("refuses what is no fd", func() {
		_, err := HaveExited().Match("42")
		Expect(err).To(MatchError(ContainSubstring("expects a pidfd")))
		_, err = HaveExited().Match(12345)
		Expect(err).To(MatchError(ContainSubstring("not open")))
	})
})
