package fakespacer_test

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
	"github.com/thediveo/fdooze"
	. "github.com/thediveo/success"
	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/fakes/fakespacer"
	"github.com/wirecert/wirecert/fakes/wiretap"
	"github.com/wirecert/wirecert/reference/spacer/api"
)

var _ = Describe("fake spacer recording its wire", func() {

	BeforeEach(func() {
		goodfds := fdooze.Filedescriptors()
		goodgos := gleak.Goroutines()
		DeferCleanup(func() {
			Eventually(gleak.Goroutines).ShouldNot(gleak.HaveLeaked(goodgos))
			Eventually(fdooze.Filedescriptors).ShouldNot(fdooze.HaveLeakedFds(goodfds))
		})
	})

	It("records both ends, the gob messages decoded and the fds named", func() {
		rec := wiretap.Start(time.Time{}, wiretap.Limits{})
		DeferCleanup(rec.Stop)
		c := serve(fakespacer.Config{OwnNamespaces: true})
		c.SetChannel("client end")
		Expect(c.Send(&api.RoomsRequest{Spaces: unix.CLONE_NEWNET})).To(Succeed())
		got := Successful(c.Receive())
		got.Close()
		Expect(c.Close()).To(Succeed())
		Eventually(func() []wiretap.Event { return rec.Transcript().Events }).Should(HaveLen(7))

		var lines []string
		for _, e := range rec.Transcript().Events {
			lines = append(lines, e.Channel+" "+string(e.Direction)+" "+e.Decoded)
		}
		// The fake's channel is "spacer conn" or, when it opened before
		// the client renamed its own, "spacer conn 2".
		Expect(lines).To(ConsistOf(
			"client end sent RoomsRequest{Spaces: net}",
			MatchRegexp(`^spacer conn( 2)? received RoomsRequest\{Spaces: net\}$`),
			MatchRegexp(`^spacer conn( 2)? sent RoomsResponse\{.*\}; fds \d+ \(net namespace\)$`),
			MatchRegexp(`^client end received RoomsResponse\{.*\}; fds \d+ \(net namespace\)$`),
			"client end sent closed",
			MatchRegexp(`^spacer conn( 2)? received closed by the other end \(EOF\)$`),
			MatchRegexp(`^spacer conn( 2)? sent closed \(the fake service closed\)$`),
		))
	})

	It("records nothing of a Client, the client under test", func() {
		rec := wiretap.Start(time.Time{}, wiretap.Limits{})
		DeferCleanup(rec.Stop)
		pair := Successful(unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0))
		done := make(chan error, 1)
		go func() {
			done <- fakespacer.Serve(unixConn(pair[0]), fakespacer.Config{OwnNamespaces: true, IdleTimeout: 5 * time.Second})
		}()
		client := Successful(fakespacer.NewClient(unixConn(pair[1]), fakespacer.ClientNone, 5*time.Second))
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		resp := Successful(client.Do(ctx, &api.RoomsRequest{Spaces: unix.CLONE_NEWUTS}))
		Expect(resp.(*api.RoomsResponse).Close()).To(Succeed())
		Expect(client.Close()).To(Succeed())
		Eventually(done).Should(Receive(BeNil()))
		events := rec.Transcript().Events
		Expect(events).To(HaveLen(4), "the fake service's request, response, the close it saw and its own")
		for _, e := range events {
			Expect(e.Channel).To(Equal("spacer conn"))
		}
	})
})
