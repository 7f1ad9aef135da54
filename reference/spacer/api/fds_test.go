package api_test

import (
	"os"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/thediveo/fdooze"
	. "github.com/thediveo/success"
	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/reference/spacer/api"
)

func openNs(name string) int {
	GinkgoHelper()
	return Successful(unix.Open("/proc/self/ns/"+name, unix.O_RDONLY|unix.O_CLOEXEC, 0))
}

func isOpen(fd int) bool {
	_, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	return err == nil
}

var _ = Describe("fds of responses", func() {

	BeforeEach(func() {
		goodfds := fdooze.Filedescriptors()
		DeferCleanup(func() {
			Expect(fdooze.Filedescriptors()).NotTo(fdooze.HaveLeakedFds(goodfds))
		})
	})

	It("takes RoomsResponse fds out of their fields", func() {
		resp := &api.RoomsResponse{Cgroup: 10, IPC: 0, Mnt: 12, Net: 13, Time: 14, UTS: 15}
		Expect(resp.EncodeFds()).To(Equal([]int{10, 12, 13, 14, 15}))
		Expect(*resp).To(BeZero())
	})

	It("sorts received RoomsResponse fds by namespace type and closes what it cannot place", func() {
		net, uts, mnt := openNs("net"), openNs("uts"), openNs("mnt")
		dupNet := Successful(unix.FcntlInt(uintptr(net), unix.F_DUPFD_CLOEXEC, 3))
		user := openNs("user") // no field for it
		r, w := Successful2R(os.Pipe())
		defer r.Close()
		pipe := Successful(unix.FcntlInt(w.Fd(), unix.F_DUPFD_CLOEXEC, 3))
		w.Close()

		var resp api.RoomsResponse
		resp.DecodeFds([]int{uts, user, net, pipe, dupNet, mnt})
		Expect(resp).To(Equal(api.RoomsResponse{Net: net, UTS: uts, Mnt: mnt}))
		for _, fd := range []int{user, pipe, dupNet} {
			Expect(isOpen(fd)).To(BeFalse(), "fd %d closed", fd)
		}
		Expect(resp.Close()).To(Succeed())
		Expect(resp).To(BeZero())
	})

	It("takes SubspaceResponse fds out in wire order", func() {
		resp := &api.SubspaceResponse{Conn: 5, PIDFd: 6, Subspaces: api.Subspaces{User: 7, PID: 8}}
		Expect(resp.EncodeFds()).To(Equal([]int{5, 6, 7, 8}))
		Expect(*resp).To(BeZero())
	})

	It("places received SubspaceResponse fds as [Conn, PIDFd, namespaces by type]", func() {
		pair := Successful(unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0))
		defer unix.Close(pair[1])
		pidfd := Successful(unix.PidfdOpen(os.Getpid(), 0))
		pid, user, net := openNs("pid"), openNs("user"), openNs("net")

		var resp api.SubspaceResponse
		resp.DecodeFds([]int{pair[0], pidfd, pid, net, user})
		Expect(resp).To(Equal(api.SubspaceResponse{Conn: pair[0], PIDFd: pidfd, Subspaces: api.Subspaces{User: user, PID: pid}}))
		Expect(isOpen(net)).To(BeFalse())
		Expect(resp.Close()).To(Succeed())
	})

	It("closes SubspaceResponse fds in the wrong places", func() {
		notSocket, notPidfd := openNs("net"), openNs("uts")
		var resp api.SubspaceResponse
		resp.DecodeFds([]int{notSocket, notPidfd})
		Expect(resp).To(BeZero())
		Expect(isOpen(notSocket)).To(BeFalse())
		Expect(isOpen(notPidfd)).To(BeFalse())
	})
})
