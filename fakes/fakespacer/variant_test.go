package fakespacer_test

import (
	"io"
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
	"github.com/wirecert/wirecert/reference/spacer"
	"github.com/wirecert/wirecert/reference/spacer/api"
)

// expectClosed expects the service to have closed the connection.
func expectClosed(c *fakespacer.RawClient, after string) {
	GinkgoHelper()
	_, err := c.Receive()
	Expect(fakespacer.Closed(err)).To(BeTrue(), "closed after %s: %v", after, err)
}

var _ = Describe("fake spacer variants", func() {

	BeforeEach(func() {
		goodfds := fdooze.Filedescriptors()
		goodgos := gleak.Goroutines()
		DeferCleanup(func() {
			Eventually(gleak.Goroutines).ShouldNot(gleak.HaveLeaked(goodgos))
			Eventually(fdooze.Filedescriptors).ShouldNot(fdooze.HaveLeakedFds(goodfds))
		})
	})

	It("lists each allowance with the protocol's sentence behind it, and refuses unknown variants and a break besides", func() {
		Expect(fakespacer.Variants()).NotTo(BeEmpty())
		for _, info := range fakespacer.Variants() {
			Expect(info.Allowances).NotTo(BeEmpty(), "%s", info.Variant)
			for _, a := range info.Allowances {
				Expect(a.What).NotTo(BeEmpty())
				Expect(a.Sentence).NotTo(BeEmpty())
			}
		}
		_, err := fakespacer.LookupVariant("polite")
		Expect(err).To(MatchError(fakespacer.ErrUnknownVariant))
		Expect(err).To(MatchError(ContainSubstring(string(fakespacer.Allowances))))

		pair := Successful(unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0))
		defer unix.Close(pair[1])
		err = fakespacer.Serve(unixConn(pair[0]), fakespacer.Config{Variant: fakespacer.Allowances, Break: fakespacer.ExtraFd})
		Expect(err).To(MatchError(fakespacer.ErrBreakAndVariant))
	})

	Context("allowances", func() {
		var c *fakespacer.RawClient
		BeforeEach(func() {
			c = serve(fakespacer.Config{Variant: fakespacer.Allowances, OwnNamespaces: true})
		})

		It("sends the fds of a RoomsResponse in reverse field order", func() {
			Expect(c.Send(&api.RoomsRequest{Spaces: unix.CLONE_NEWNET | unix.CLONE_NEWUTS})).To(Succeed())
			got := Successful(c.Receive())
			defer got.Close()
			Expect(got.Fds).To(HaveLen(2))
			Expect(got.Fds[0]).To(matchers.BeNamespaceFd(unix.CLONE_NEWUTS))
			Expect(got.Fds[1]).To(matchers.BeNamespaceFd(unix.CLONE_NEWNET))
		})

		It("gives the protocol's bare reasons for invalid Spaces and goes on serving", func() {
			for req, reason := range map[api.Request]string{
				&api.RoomsRequest{}:                             spacer.ReasonNoSpace,
				&api.RoomsRequest{Spaces: unix.CLONE_NEWUSER}:   spacer.ReasonOutOfSpace,
				&api.SubspaceRequest{Spaces: unix.CLONE_NEWUTS}: spacer.ReasonOutOfSpace,
				&api.SubspaceRequest{}:                          spacer.ReasonNoSpace,
			} {
				Expect(c.Send(req)).To(Succeed())
				got := Successful(c.Receive())
				Expect(got.Response).To(Equal(&api.ErrorResponse{Reason: reason}), "%T%+v", req, req)
			}
		})

		It("closes after the ErrorResponse to a request of an unregistered type", func() {
			Expect(c.SendBytes(Successful(c.EncodeUnregistered()))).To(Succeed())
			Expect(Successful(c.Receive()).Response).To(api.HaveFailed())
			expectClosed(c, "the ErrorResponse")
		})

		It("answers a garbage message with an ErrorResponse, then closes", func() {
			Expect(c.SendBytes(fakespacer.Garbage())).To(Succeed())
			Expect(Successful(c.Receive()).Response).To(api.HaveFailed())
			expectClosed(c, "the ErrorResponse")
		})

		DescribeTable("answers the request a message starts with, then closes without a word on the rest",
			func(rest []byte) {
				b := Successful(c.Encode(&api.RoomsRequest{Spaces: unix.CLONE_NEWNET}))
				Expect(c.SendBytes(append(b, rest...))).To(Succeed())
				got := Successful(c.Receive())
				defer got.Close()
				Expect(got.Response).To(BeAssignableToTypeOf(&api.RoomsResponse{}))
				expectClosed(c, "the RoomsResponse")
			},
			Entry("garbage past its end", fakespacer.Garbage()),
			Entry("zeros past 8192 bytes", make([]byte, fakespacer.MaxMessageSize)),
		)

		It("answers a request that came with fds on its merits, closing the fds", func() {
			r, w := Successful2R(os.Pipe())
			defer r.Close()
			Expect(c.Send(&api.RoomsRequest{Spaces: unix.CLONE_NEWNET}, int(w.Fd()))).To(Succeed())
			Expect(w.Close()).To(Succeed())
			got := Successful(c.Receive())
			defer got.Close()
			Expect(got.Response).To(BeAssignableToTypeOf(&api.RoomsResponse{}))
			Expect(got.Fds).To(HaveLen(1))
			// the fake's copy of the write end is gone: EOF, not EAGAIN
			Expect(r.SetReadDeadline(time.Now().Add(time.Second))).To(Succeed())
			_, err := r.Read(make([]byte, 1))
			Expect(err).To(MatchError(io.EOF))
		})

		It("answers pipelined requests in order", func() {
			Expect(c.SendPipelined(&api.RoomsRequest{Spaces: unix.CLONE_NEWNET}, &api.RoomsRequest{}, &api.RoomsRequest{Spaces: unix.CLONE_NEWUTS})).To(Succeed())
			var types []api.Response
			var fds []int
			for range 3 {
				got := Successful(c.Receive())
				DeferCleanup(got.Close)
				types = append(types, got.Response)
				// answers read late may share a recvmsg: the kernel glues
				// stream data up to the first message with fds, whose fds
				// then come with the first answer's bytes
				fds = append(fds, got.Fds...)
			}
			Expect(types).To(HaveExactElements(BeAssignableToTypeOf(&api.RoomsResponse{}), api.HaveFailed(), BeAssignableToTypeOf(&api.RoomsResponse{})))
			Expect(fds).To(HaveExactElements(matchers.BeNamespaceFd(unix.CLONE_NEWNET), matchers.BeNamespaceFd(unix.CLONE_NEWUTS)))
		})
	})

	It("hands out a non-blocking PIDFd of its own", func() {
		if os.Geteuid() != 0 {
			Skip("needs root: sub-services come from the in-process reference")
		}
		c := serve(fakespacer.Config{Variant: fakespacer.Allowances})
		Expect(c.Send(&api.SubspaceRequest{Spaces: unix.CLONE_NEWUSER})).To(Succeed())
		got := Successful(c.Receive())
		defer got.Close()
		Expect(got.Fds).To(HaveLen(3))
		flags := Successful(unix.FcntlInt(uintptr(got.Fds[1]), unix.F_GETFL, 0))
		Expect(flags & unix.O_NONBLOCK).NotTo(BeZero())
		Expect(got.Fds[1]).NotTo(matchers.HaveExited())
		// closing Conn ends the sub-service, as the pidfd shows
		Expect(unix.Close(got.Fds[0])).To(Succeed())
		got.Fds[0] = -1
		Eventually(got.Fds[1]).WithTimeout(5 * time.Second).Should(matchers.HaveExited())
	})
})

var _ = Describe("fake spacer breaks of SPC-S-06", func() {

	It("drop-pipelined answers only the first of requests sent before its answer was read", func() {
		c := serve(fakespacer.Config{Break: fakespacer.DropPipelined, OwnNamespaces: true})
		Expect(c.SendPipelined(&api.RoomsRequest{}, &api.RoomsRequest{}, &api.RoomsRequest{})).To(Succeed())
		Expect(Successful(c.Receive()).Response).To(api.HaveFailed())
		answers := 1
		c.SetTimeout(300 * time.Millisecond)
		for ; answers < 3; answers++ {
			if _, err := c.Receive(); err != nil {
				Expect(err).To(MatchError(os.ErrDeadlineExceeded))
				break
			}
		}
		Expect(answers).To(BeNumerically("<", 3), "requests dropped")

		By("serving requests sent after reading the answer")
		c.SetTimeout(5 * time.Second)
		Expect(c.Send(&api.RoomsRequest{})).To(Succeed())
		Expect(Successful(c.Receive()).Response).To(api.HaveFailed())
	})

	It("keep-request-fds keeps the fds that come with a request", func() {
		c := serve(fakespacer.Config{Break: fakespacer.KeepRequestFds, OwnNamespaces: true})
		r, w := Successful2R(os.Pipe())
		defer r.Close()
		Expect(c.Send(&api.RoomsRequest{}, int(w.Fd()))).To(Succeed())
		Expect(w.Close()).To(Succeed())
		Expect(Successful(c.Receive()).Response).To(api.HaveFailed())
		// the fake's copy of the write end lives on: no EOF
		Expect(r.SetReadDeadline(time.Now().Add(100 * time.Millisecond))).To(Succeed())
		_, err := r.Read(make([]byte, 1))
		Expect(err).To(MatchError(os.ErrDeadlineExceeded))
	})
})
