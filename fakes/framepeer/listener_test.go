package framepeer_test

import (
	"context"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/fakes/framepeer"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

var _ = Describe("listening and dialling", func() {

	var path string

	BeforeEach(func() {
		leakChecked()
		path = filepath.Join(GinkgoT().TempDir(), "proxy.sock")
	})

	It("connects a dialled Peer to an accepted one and removes the socket on Close", func() {
		ln := Successful(framepeer.Listen(path))
		DeferCleanup(ln.Close)
		Expect(ln.Path()).To(Equal(path))

		client := Successful(framepeer.Dial(path, time.Second))
		DeferCleanup(client.Close)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		server := Successful(ln.Accept(ctx))
		DeferCleanup(server.Close)

		Expect(client.SendFrame(api.NewFrame(api.TypeCommand, api.CmdConnectShim, false, []byte(`{"token":"t"}`)))).To(Succeed())
		cmd := Successful(server.ReadFrameStrict(time.Second))
		Expect(cmd.Header.Opcode).To(Equal(api.CmdConnectShim))
		Expect(server.SendFrame(api.NewFrame(api.TypeResponse, api.CmdConnectShim, false, nil))).To(Succeed())
		Expect(Successful(client.ReadFrame(time.Second)).Header.Type).To(Equal(api.TypeResponse))
		Expect(server.Close()).To(Succeed())
		Expect(client.ExpectClosed(time.Second)).To(Succeed())

		Expect(ln.Close()).To(Succeed())
		Expect(path).NotTo(BeAnExistingFile())
	})

	It("gives up accepting at the context's deadline", func() {
		ln := Successful(framepeer.Listen(path))
		DeferCleanup(ln.Close)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		_, err := ln.Accept(ctx)
		Expect(err).To(MatchError(framepeer.ErrTimeout))
		Expect(err).To(MatchError(os.ErrDeadlineExceeded))
		Expect(err).To(MatchError(ContainSubstring("nobody connected")))
	})

	It("stops accepting when the context is cancelled, and accepts again afterwards", func() {
		ln := Successful(framepeer.Listen(path))
		DeferCleanup(ln.Close)

		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(20*time.Millisecond, cancel)
		_, err := ln.Accept(ctx)
		Expect(err).To(MatchError(context.Canceled))

		_, err = ln.Accept(ctx) // already cancelled
		Expect(err).To(MatchError(context.Canceled))

		client := Successful(framepeer.Dial(path, time.Second))
		DeferCleanup(client.Close)
		ctx2, cancel2 := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel2()
		server := Successful(ln.Accept(ctx2))
		Expect(server.Close()).To(Succeed())
	})

	It("bounds Accept without a context deadline", func() {
		Expect(framepeer.DefaultAcceptTimeout).To(BeNumerically(">", 0))
		ln := Successful(framepeer.Listen(path))
		DeferCleanup(ln.Close)
		client := Successful(framepeer.Dial(path, time.Second))
		DeferCleanup(client.Close)
		server := Successful(ln.Accept(context.Background()))
		Expect(server.Close()).To(Succeed())
	})

	DescribeTable("fails clearly",
		func(do func() error, want string) {
			Expect(do()).To(MatchError(ContainSubstring(want)))
		},
		Entry("dialling nothing", func() error {
			_, err := framepeer.Dial(path, time.Second)
			return err
		}, "no such file or directory"),
		Entry("dialling without a timeout", func() error {
			_, err := framepeer.Dial(path, 0)
			return err
		}, "dial timeout is 0s, allowed > 0"),
		Entry("listening twice on one path", func() error {
			ln := Successful(framepeer.Listen(path))
			defer ln.Close()
			_, err := framepeer.Listen(path)
			return err
		}, "address already in use"),
	)
})
