package hyperagent_test

import (
	"context"
	"io"
	"os"
	"time"

	"github.com/onsi/gomega/gleak"
	"github.com/thediveo/fdooze"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/fakes/hyperagent"
	"github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
)

var _ = Describe("fake hyperstart agent", func() {

	BeforeEach(func() {
		goods := gleak.Goroutines()
		fds := fdooze.Filedescriptors()
		// Registered first, so it runs after every Close the spec registers.
		DeferCleanup(func() {
			Eventually(gleak.Goroutines).ShouldNot(gleak.HaveLeaked(goods))
			Expect(fdooze.Filedescriptors()).NotTo(fdooze.HaveLeakedFds(fds))
		})
	})

	ctx := func() context.Context {
		c, cancel := context.WithTimeout(context.Background(), deadline)
		DeferCleanup(cancel)
		return c
	}

	Context("connecting", func() {

		It("sends an empty READY once ctl then io are connected, and records the dial order", func() {
			a := newAgent()
			p := connect(a)
			f := p.readCtl()
			Expect(f.Code).To(Equal(hyperstart.Ready))
			Expect(f.Payload).To(BeEmpty())
			Expect(a.Dials()).To(Equal([]string{"ctl", "io"}))
			ctlUp, ioUp := a.Connected()
			Expect(ctlUp).To(BeTrue())
			Expect(ioUp).To(BeTrue())
			Eventually(func() bool { _, ok := a.ReadyAt(); return ok }).Should(BeTrue())
			Expect(a.Commands()).To(BeEmpty())
		})

		It("records io dialed before ctl, and still sends READY once both are up", func() {
			a := newAgent()
			io := dial(a.IOPath())
			Eventually(a.Dials).Should(Equal([]string{"io"}))
			p := proxySide{ctl: dial(a.CtlPath()), io: io}
			Expect(p.readCtl().Code).To(Equal(hyperstart.Ready))
			Expect(a.Dials()).To(Equal([]string{"io", "ctl"}))
		})

		It("sends no READY before the io channel is connected", func() {
			a := newAgent()
			p := proxySide{ctl: dial(a.CtlPath())}
			p.quietFor(200 * time.Millisecond)
			p.io = dial(a.IOPath())
			Expect(p.readCtl().Code).To(Equal(hyperstart.Ready))
		})

		It("withholds READY when told, until SendCtl sends it", func() {
			a := newAgent(hyperagent.WithholdReady())
			p := connect(a)
			Expect(a.WaitConnected(ctx())).To(Succeed())
			p.quietFor(200 * time.Millisecond)
			_, sent := a.ReadyAt()
			Expect(sent).To(BeFalse())
			Expect(a.SendCtl(hyperstart.CtlFrame{Code: hyperstart.Ready})).To(Succeed())
			Expect(p.readCtl().Code).To(Equal(hyperstart.Ready))
		})

		It("sends another code instead of READY when told", func() {
			a := newAgent(hyperagent.WithReadyCode(hyperstart.Error))
			p := connect(a)
			f := p.readCtl()
			Expect(f.Code).To(Equal(hyperstart.Error))
			Expect(f.Payload).To(BeEmpty())
		})

		It("delays READY when told", func() {
			a := newAgent(hyperagent.WithReadyDelay(300 * time.Millisecond))
			p := connect(a)
			connected := time.Now()
			Expect(p.readCtl().Code).To(Equal(hyperstart.Ready))
			Eventually(func() bool { _, ok := a.ReadyAt(); return ok }).Should(BeTrue())
			at, _ := a.ReadyAt()
			Expect(at.Sub(connected)).To(BeNumerically(">=", 250*time.Millisecond))
		})

		It("records and closes extra dials, serving only the first of each", func() {
			a := newAgent()
			p := connect(a)
			Expect(p.readCtl().Code).To(Equal(hyperstart.Ready))
			extra := dial(a.CtlPath())
			Expect(extra.SetReadDeadline(time.Now().Add(deadline))).To(Succeed())
			_, err := extra.Read(make([]byte, 1))
			Expect(err).To(MatchError(io.EOF))
			Expect(a.Dials()).To(Equal([]string{"ctl", "io", "ctl"}))
		})
	})

	Context("ctl commands", func() {

		It("answers every command with an empty ACK by default, and records it", func() {
			a := newAgent()
			p := connect(a)
			Expect(p.readCtl().Code).To(Equal(hyperstart.Ready))
			p.send(hyperstart.KillContainer, `{"container":"c","signal":15,"allProcesses":false}`)
			p.send(hyperstart.Ping, "")
			for range 2 {
				f := p.readCtl()
				Expect(f.Code).To(Equal(hyperstart.Ack))
				Expect(f.Payload).To(BeEmpty())
			}
			cmd := Successful(a.WaitCommand(ctx(), hyperstart.KillContainer))
			Expect(string(cmd.Payload)).To(MatchJSON(`{"container":"c","signal":15,"allProcesses":false}`))
			cmds := a.Commands()
			Expect(cmds).To(HaveLen(2))
			Expect(cmds[0].Code).To(Equal(hyperstart.KillContainer))
			Expect(cmds[1].Code).To(Equal(hyperstart.Ping))
			Expect(cmds[1].At).NotTo(BeTemporally("<", cmds[0].At))
		})

		It("answers as scripted, one reply per command, in order", func() {
			a := newAgent()
			a.Reply(hyperstart.NewContainer, func(c hyperagent.Command) (hyperstart.Code, []byte) {
				return hyperstart.Error, []byte("no rootfs for " + string(c.Payload))
			})
			a.Reply(hyperstart.PsContainer, func(hyperagent.Command) (hyperstart.Code, []byte) {
				return hyperstart.Ack, []byte(`[{"pid":1}]`)
			})
			p := connect(a)
			Expect(p.readCtl().Code).To(Equal(hyperstart.Ready))
			p.send(hyperstart.NewContainer, `x`)
			p.send(hyperstart.PsContainer, `{}`)
			p.send(hyperstart.Ping, ``)
			Expect(p.readCtl()).To(Equal(hyperstart.CtlFrame{Code: hyperstart.Error, Payload: []byte("no rootfs for x")}))
			Expect(p.readCtl()).To(Equal(hyperstart.CtlFrame{Code: hyperstart.Ack, Payload: []byte(`[{"pid":1}]`)}))
			f := p.readCtl()
			Expect(f.Code).To(Equal(hyperstart.Ack))
			Expect(f.Payload).To(BeEmpty())

			By("restoring the default with a nil ReplyFunc")
			a.Reply(hyperstart.NewContainer, nil)
			p.send(hyperstart.NewContainer, `y`)
			Expect(p.readCtl().Code).To(Equal(hyperstart.Ack))
		})

		It("hangs on a command scripted with NoReply, answering later ones", func() {
			a := newAgent()
			a.Reply(hyperstart.ExecCmd, func(hyperagent.Command) (hyperstart.Code, []byte) {
				return hyperagent.NoReply, nil
			})
			a.Reply(hyperstart.Ping, func(hyperagent.Command) (hyperstart.Code, []byte) {
				return hyperstart.Ack, []byte("pong")
			})
			p := connect(a)
			Expect(p.readCtl().Code).To(Equal(hyperstart.Ready))
			p.send(hyperstart.ExecCmd, `{}`)
			Successful(a.WaitCommand(ctx(), hyperstart.ExecCmd))
			p.quietFor(200 * time.Millisecond)
			p.send(hyperstart.Ping, ``)
			Expect(p.readCtl()).To(Equal(hyperstart.CtlFrame{Code: hyperstart.Ack, Payload: []byte("pong")}))
		})

		It("reassembles a command sent one byte at a time", func() {
			a := newAgent()
			p := connect(a)
			Expect(p.readCtl().Code).To(Equal(hyperstart.Ready))
			for _, b := range (hyperstart.CtlFrame{Code: hyperstart.WinSize, Payload: []byte(`{"seq":3,"row":24,"column":80}`)}).Bytes() {
				Successful(p.ctl.Write([]byte{b}))
			}
			Expect(p.readCtl().Code).To(Equal(hyperstart.Ack))
			cmd := Successful(a.WaitCommand(ctx(), hyperstart.WinSize))
			Expect(string(cmd.Payload)).To(Equal(`{"seq":3,"row":24,"column":80}`))
		})

		DescribeTable("drops the ctl channel on a bad length field, recording why",
			func(wire []byte, text string) {
				a := newAgent()
				p := connect(a)
				Expect(p.readCtl().Code).To(Equal(hyperstart.Ready))
				Successful(p.ctl.Write(wire))
				Expect(p.ctl.SetReadDeadline(time.Now().Add(deadline))).To(Succeed())
				_, err := hyperstart.ReadCtlFrame(p.ctl)
				Expect(err).To(MatchError(io.EOF))
				Eventually(a.ReadErrors).Should(ConsistOf(MatchError(hyperstart.ErrFrameLength)))
				Expect(a.ReadErrors()[0].Error()).To(ContainSubstring(text))
				ctlUp, ioUp := a.Connected()
				Expect(ctlUp).To(BeFalse())
				Expect(ioUp).To(BeTrue())
			},
			Entry("length 3", []byte{0, 0, 0, 12, 0, 0, 0, 3}, "length is 3, allowed 8..10240"),
			Entry("length 0xFFFFFFFF", []byte{0, 0, 0, 12, 0xff, 0xff, 0xff, 0xff}, "length is 4294967295, allowed 8..10240"),
		)
	})

	Context("io channel", func() {

		It("records stdin per seq, with a zero-length frame as EOF", func() {
			a := newAgent()
			p := connect(a)
			Expect(p.readCtl().Code).To(Equal(hyperstart.Ready))
			for _, f := range []hyperstart.IOFrame{
				{Seq: 3, Data: []byte("hello ")},
				{Seq: 5, Data: []byte("other")},
				{Seq: 3, Data: []byte("world")},
				{Seq: 3},
			} {
				Expect(hyperstart.WriteIOFrame(p.io, f)).To(Succeed())
			}
			Expect(a.WaitStdinEOF(ctx(), 3)).To(Equal([]byte("hello world")))
			data, eof := a.StdinOf(5)
			Expect(string(data)).To(Equal("other"))
			Expect(eof).To(BeFalse())
			frames := a.IOReceived()
			Expect(frames).To(HaveLen(4))
			Expect(frames[3].Seq).To(Equal(uint64(3)))
			Expect(frames[3].Data).To(BeEmpty())
		})

		It("sends io frames and the exit sequence", func() {
			a := newAgent()
			p := connect(a)
			Expect(p.readCtl().Code).To(Equal(hyperstart.Ready))
			Expect(a.SendIO(3, []byte("out\n"))).To(Succeed())
			Expect(a.SendIO(4, []byte("err\n"))).To(Succeed())
			Expect(a.Exit(3, 42)).To(Succeed())
			Expect(p.readIO()).To(Equal(hyperstart.IOFrame{Seq: 3, Data: []byte("out\n")}))
			Expect(p.readIO()).To(Equal(hyperstart.IOFrame{Seq: 4, Data: []byte("err\n")}))
			f := p.readIO()
			Expect(f.Seq).To(Equal(uint64(3)))
			Expect(f.Data).To(BeEmpty())
			Expect(p.readIO()).To(Equal(hyperstart.IOFrame{Seq: 3, Data: []byte{42}}))
			Expect(a.Exit(3, 43)).To(MatchError(hyperagent.ErrExitReported), "an exit is reported once")
			Expect(a.Exit(5, 0)).To(Succeed(), "another seq's exit")
		})

		It("refuses io data above 10228 bytes and sends nothing", func() {
			a := newAgent()
			p := connect(a)
			Expect(p.readCtl().Code).To(Equal(hyperstart.Ready))
			Expect(a.SendIO(3, make([]byte, hyperstart.IOMaxData+1))).To(MatchError(hyperstart.ErrFrameTooLarge))
			Expect(a.SendIO(3, make([]byte, hyperstart.IOMaxData))).To(Succeed())
			Expect(p.readIO().Data).To(HaveLen(hyperstart.IOMaxData))
		})

		It("drops the io channel on CloseIO, keeping ctl", func() {
			a := newAgent()
			p := connect(a)
			Expect(p.readCtl().Code).To(Equal(hyperstart.Ready))
			Expect(a.CloseIO()).To(Succeed())
			Expect(p.io.SetReadDeadline(time.Now().Add(deadline))).To(Succeed())
			_, err := hyperstart.ReadIOFrame(p.io)
			Expect(err).To(MatchError(io.EOF))
			Expect(a.SendIO(3, nil)).To(MatchError(hyperagent.ErrNotConnected))
			p.send(hyperstart.Ping, "")
			Expect(p.readCtl().Code).To(Equal(hyperstart.Ack))
			Expect(a.ReadErrors()).To(BeEmpty())
		})

		It("refuses to send before the io channel is connected", func() {
			a := newAgent()
			Expect(a.SendIO(3, []byte("x"))).To(MatchError(hyperagent.ErrNotConnected))
			Expect(a.Exit(3, 0)).To(MatchError(hyperagent.ErrNotConnected))
			Expect(a.SendCtl(hyperstart.CtlFrame{Code: hyperstart.Ready})).To(MatchError(hyperagent.ErrNotConnected))
		})
	})

	Context("closing", func() {

		It("leaves nothing behind, even with a frame half sent and a reply hanging", func() {
			a := newAgent()
			a.Reply(hyperstart.ExecCmd, func(hyperagent.Command) (hyperstart.Code, []byte) { return hyperagent.NoReply, nil })
			p := connect(a)
			Expect(p.readCtl().Code).To(Equal(hyperstart.Ready))
			p.send(hyperstart.ExecCmd, "{}")
			Successful(a.WaitCommand(ctx(), hyperstart.ExecCmd))
			Successful(p.ctl.Write([]byte{0, 0, 0}))         // a ctl header cut short
			Successful(p.io.Write([]byte{0, 0, 0, 0, 0, 0})) // an io header cut short
			Expect(a.Close()).To(Succeed())
			Expect(a.Close()).To(Succeed(), "Close is idempotent")
			Expect(a.ReadErrors()).To(BeEmpty(), "our own closing is no peer error")
			_, err := os.Stat(a.CtlPath())
			Expect(os.IsNotExist(err)).To(BeTrue(), "ctl socket file removed")
			_, err = os.Stat(a.IOPath())
			Expect(os.IsNotExist(err)).To(BeTrue(), "io socket file removed")
			Expect(a.SendIO(3, nil)).To(MatchError(hyperagent.ErrClosed))
			Expect(a.WaitCommand(ctx(), hyperstart.Ping)).Error().To(MatchError(hyperagent.ErrClosed))
		})

		It("closes cleanly when nobody ever connected", func() {
			a := newAgent()
			Expect(a.Close()).To(Succeed())
			Expect(a.Dials()).To(BeEmpty())
		})

		It("unblocks waiters on Close", func() {
			a := newAgent()
			errs := make(chan error, 1)
			go func() {
				_, err := a.WaitStdinEOF(context.Background(), 3)
				errs <- err
			}()
			Expect(a.Close()).To(Succeed())
			Eventually(errs).Should(Receive(MatchError(hyperagent.ErrClosed)))
		})

		It("reports a wait cut short by its context", func() {
			a := newAgent()
			c, cancel := context.WithCancel(context.Background())
			cancel()
			_, err := a.WaitCommand(c, hyperstart.Ping)
			Expect(err).To(MatchError(context.Canceled))
		})
	})
})
