package fakespacer_test

import (
	"net"
	"os"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
	"github.com/thediveo/fdooze"
	. "github.com/thediveo/success"
	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/fakes/fakespacer"
	"github.com/wirecert/wirecert/matchers"
	"github.com/wirecert/wirecert/reference/spacer/api"
)

func unixConn(fd int) *net.UnixConn {
	f := os.NewFile(uintptr(fd), "socket")
	defer f.Close()
	return Successful(net.FileConn(f)).(*net.UnixConn)
}

// serve runs a fake with cfg and returns a raw client on it; both end
// with the spec.
func serve(cfg fakespacer.Config) *fakespacer.RawClient {
	pair := Successful(unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0))
	done := make(chan error, 1)
	cfg.IdleTimeout = 5 * time.Second
	go func() { done <- fakespacer.Serve(unixConn(pair[0]), cfg) }()
	c := fakespacer.NewRawClient(unixConn(pair[1]), 5*time.Second, 0)
	DeferCleanup(func() {
		c.Close()
		Eventually(done).Should(Receive())
	})
	return c
}

var _ = Describe("fake spacer", func() {

	BeforeEach(func() {
		goodfds := fdooze.Filedescriptors()
		goodgos := gleak.Goroutines()
		DeferCleanup(func() {
			Eventually(gleak.Goroutines).ShouldNot(gleak.HaveLeaked(goodgos))
			Eventually(fdooze.Filedescriptors).ShouldNot(fdooze.HaveLeakedFds(goodfds))
		})
	})

	It("refuses an unknown break, naming the allowed ones", func() {
		_, err := fakespacer.LookupBreak("explode")
		Expect(err).To(MatchError(fakespacer.ErrUnknownBreak))
		Expect(err).To(MatchError(ContainSubstring("old-time")))
		for _, info := range fakespacer.Breaks() {
			Expect(info.What).NotTo(BeEmpty())
			if info.Break != fakespacer.None {
				Expect(info.Requirement).To(HavePrefix("SPC-S-"))
			}
		}
	})

	It("hands out its own namespaces, one fd per requested type", func() {
		c := serve(fakespacer.Config{OwnNamespaces: true})
		Expect(c.Send(&api.RoomsRequest{Spaces: unix.CLONE_NEWNET | unix.CLONE_NEWUTS})).To(Succeed())
		got := Successful(c.Receive())
		defer got.Close()
		Expect(got.Response).To(BeAssignableToTypeOf(&api.RoomsResponse{}))
		Expect(got.Fds).To(HaveLen(2))
		Expect(got.Fds[0]).To(matchers.BeNamespaceFd(unix.CLONE_NEWNET))
		Expect(got.Fds[1]).To(matchers.BeNamespaceFd(unix.CLONE_NEWUTS))
	})

	DescribeTable("breaks one thing on request",
		func(b fakespacer.Break, spaces uint64, check func(*fakespacer.Received)) {
			c := serve(fakespacer.Config{OwnNamespaces: true, Break: b})
			Expect(c.Send(&api.RoomsRequest{Spaces: spaces})).To(Succeed())
			got := Successful(c.Receive())
			defer got.Close()
			check(got)
		},
		Entry("extra fd", fakespacer.ExtraFd, uint64(unix.CLONE_NEWNET), func(got *fakespacer.Received) {
			Expect(got.Fds).To(HaveLen(2))
		}),
		Entry("wrong type", fakespacer.WrongType, uint64(unix.CLONE_NEWUTS), func(got *fakespacer.Received) {
			Expect(got.Fds[0]).To(matchers.BeNamespaceFd(unix.CLONE_NEWNET))
		}),
		Entry("fds on error", fakespacer.FdsOnError, uint64(0), func(got *fakespacer.Received) {
			Expect(got.Response).To(api.HaveFailed())
			Expect(got.Fds).To(HaveLen(2))
		}),
		Entry("too many fds", fakespacer.TooManyFds, uint64(unix.CLONE_NEWNET), func(got *fakespacer.Received) {
			Expect(got.Fds).To(HaveLen(fakespacer.ScmMaxFd))
		}),
		Entry("coalesce", fakespacer.Coalesce, uint64(unix.CLONE_NEWNET), func(got *fakespacer.Received) {
			Expect(got.Fds).To(HaveLen(2))
			Expect(got.Leftover).To(BeNumerically(">", 0))
		}),
		Entry("lax spaces", fakespacer.LaxSpaces, uint64(unix.CLONE_NEWUSER), func(got *fakespacer.Received) {
			Expect(got.Response).To(Equal(&api.RoomsResponse{}))
		}),
	)

	It("answers an unregistered request with an ErrorResponse and closes on garbage", func() {
		c := serve(fakespacer.Config{OwnNamespaces: true})
		Expect(c.SendBytes(Successful(c.EncodeUnregistered()))).To(Succeed())
		got := Successful(c.Receive())
		Expect(got.Response).To(api.HaveFailedWith(ContainSubstring("undecodable")))
		Expect(c.SendBytes(fakespacer.Garbage())).To(Succeed())
		_, err := c.Receive()
		Expect(fakespacer.Closed(err)).To(BeTrue(), "closed: %v", err)
	})

	It("breaks a client on request: a small room truncates", func() {
		pair := Successful(unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0))
		done := make(chan error, 1)
		go func() {
			done <- fakespacer.Serve(unixConn(pair[0]), fakespacer.Config{OwnNamespaces: true, IdleTimeout: 5 * time.Second})
		}()
		client := Successful(fakespacer.NewClient(unixConn(pair[1]), fakespacer.SmallRoom, time.Second))
		resp := Successful(client.Do(GinkgoT().Context(), &api.RoomsRequest{Spaces: api.RoomsSpaces}))
		rooms := resp.(*api.RoomsResponse)
		Expect(rooms.UTS).To(BeZero(), "the 6th fd did not fit")
		Expect(rooms.Close()).To(Succeed())
		Expect(client.Close()).To(Succeed())
		Eventually(done).Should(Receive(BeNil()))
	})
})
