package fakeproxy_test

import (
	"context"
	"errors"
	"os"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/fakes/fakeproxy"
	"github.com/wirecert/wirecert/fakes/framepeer"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

const step = 2 * time.Second

// connectShim is the ConnectShim command a client sends first.
var connectShim = []byte{0, 2, 3, 0, 0, 0, 0, 4, 0, 0, 0, 13, '{', '"', 't', 'o', 'k', 'e', 'n', '"', ':', '"', 'x', '"', '}'}

// started gives a fake proxy and a raw client connected to it, both closed
// when the spec ends.
func started(script func(*fakeproxy.Proxy)) (*fakeproxy.Proxy, *framepeer.Peer) {
	GinkgoHelper()
	p := Successful(fakeproxy.Start(fakeproxy.WithIdleTimeout(5 * time.Second)))
	DeferCleanup(p.Close)
	if script != nil {
		script(p)
	}
	c := Successful(framepeer.Dial(p.Path(), step))
	DeferCleanup(c.Close)
	Expect(p.WaitConnected(ctxFor(step))).To(Succeed())
	return p, c
}

func ctxFor(d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	DeferCleanup(cancel)
	return ctx
}

var _ = Describe("fake proxy", func() {
	BeforeEach(leakChecked)

	It("records the client's frames and answers commands with an empty success", func() {
		p, c := started(nil)
		Expect(c.Send(connectShim)).To(Succeed())
		Expect(c.ReadRaw(12, step)).To(Equal([]byte{0, 2, 3, 0, 0, 0, 1, 4, 0, 0, 0, 0}))
		Expect(c.Send([]byte{0, 2, 3, 0, 0, 0, 2, 0, 0, 0, 0, 2, 'h', 'i'})).To(Succeed())
		f := Successful(p.WaitFrame(ctxFor(step), "stdin", func(f api.Frame) bool { return f.Header.Type == api.TypeStream }))
		Expect(f.Payload).To(Equal([]byte("hi")))
		Expect(c.Close()).To(Succeed())
		Expect(p.WaitClientClosed(ctxFor(step))).To(Succeed())
		rs := p.Received()
		Expect(rs).To(HaveLen(2))
		Expect(rs[0].Header).To(Equal(connectShim[:12]))
		Expect(rs[0].Frame.Payload).To(Equal([]byte(`{"token":"x"}`)))
	})

	It("records a header violation with the raw header and then sees the close", func() {
		p, c := started(nil)
		bad := []byte{0, 2, 3, 0x7f, 0, 0, 0, 4, 0, 0, 0, 0}
		Expect(c.Send(bad)).To(Succeed())
		rs := Successful(p.WaitFor(ctxFor(step), "an error", func(rs []fakeproxy.Received) bool {
			return len(rs) == 1 && rs[0].Err != nil
		}))
		Expect(rs[0].Header).To(Equal(bad))
		Expect(rs[0].Err).To(MatchError(api.ErrReserved))
		Expect(rs[0].String()).To(ContainSubstring("00 02 03 7f"))
		Expect(p.ClientClosed()).To(BeFalse())
		Expect(c.Send([]byte("more garbage"))).To(Succeed())
		Expect(c.Close()).To(Succeed())
		Expect(p.WaitClientClosed(ctxFor(step))).To(Succeed())
	})

	DescribeTable("scripted ConnectShim answers",
		func(r fakeproxy.Response, want []byte) {
			_, c := started(func(p *fakeproxy.Proxy) { p.OnCommand(api.CmdConnectShim, r) })
			Expect(c.Send(connectShim)).To(Succeed())
			Expect(c.ReadRaw(len(want), step)).To(Equal(want))
			Expect(c.ExpectClosed(50*time.Millisecond)).To(MatchError(framepeer.ErrNotClosed), "nothing more")
		},
		Entry("failure", fakeproxy.Failure("no"),
			[]byte{0, 2, 3, 0, 0, 0, 0x11, 4, 0, 0, 0, 12, '{', '"', 'm', 's', 'g', '"', ':', '"', 'n', 'o', '"', '}'}),
		Entry("wrong opcode", fakeproxy.Response{Opcode: new(api.CmdSignal)},
			[]byte{0, 2, 3, 0, 0, 0, 1, 6, 0, 0, 0, 0}),
		Entry("HeaderLength 4", fakeproxy.Response{HeaderLength: 4, Payload: []byte("p")},
			[]byte{0, 2, 4, 0, 0, 0, 1, 4, 0, 0, 0, 1, 0xa5, 0xa5, 0xa5, 0xa5, 'p'}),
		Entry("split at 3 and 7", fakeproxy.Response{Split: []int{3, 7}, Gap: time.Millisecond},
			[]byte{0, 2, 3, 0, 0, 0, 1, 4, 0, 0, 0, 0}),
		Entry("byte at a time", fakeproxy.Response{Bytewise: true},
			[]byte{0, 2, 3, 0, 0, 0, 1, 4, 0, 0, 0, 0}),
		Entry("stdout, stderr before, ProcessExited after", fakeproxy.Response{
			Before: []api.Frame{fakeproxy.Stdout([]byte("o")), fakeproxy.Stderr([]byte("e"))},
			After:  []api.Frame{fakeproxy.ProcessExited(7)},
		}, []byte{
			0, 2, 3, 0, 0, 0, 2, 1, 0, 0, 0, 1, 'o',
			0, 2, 3, 0, 0, 0, 2, 2, 0, 0, 0, 1, 'e',
			0, 2, 3, 0, 0, 0, 1, 4, 0, 0, 0, 0,
			0, 2, 3, 0, 0, 0, 3, 0, 0, 0, 0, 1, 7,
		}),
		Entry("raw PayloadLength 0xFFFFFFFF", fakeproxy.Response{Raw: []byte{0, 2, 3, 0, 0, 0, 1, 4, 0xff, 0xff, 0xff, 0xff}},
			[]byte{0, 2, 3, 0, 0, 0, 1, 4, 0xff, 0xff, 0xff, 0xff}),
	)

	It("sends nothing for a silent response", func() {
		_, c := started(func(p *fakeproxy.Proxy) { p.OnCommand(api.CmdConnectShim, fakeproxy.NoResponse()) })
		Expect(c.Send(connectShim)).To(Succeed())
		Expect(c.ExpectClosed(50 * time.Millisecond)).To(MatchError(os.ErrDeadlineExceeded))
	})

	It("sends streams, notifications and raw bytes on demand", func() {
		p, c := started(nil)
		Expect(p.SendStdout([]byte("a"))).To(Succeed())
		Expect(p.SendStderr([]byte("b"))).To(Succeed())
		Expect(p.SendSplit([]byte{0, 2, 3, 0, 0, 0, 3, 0, 0, 0, 0, 1, 9}, time.Millisecond, 1, 11)).To(Succeed())
		Expect(p.SendBytewise([]byte{0, 2, 2}, 0)).To(Succeed())
		Expect(c.ReadRaw(13*3+3, step)).To(Equal([]byte{
			0, 2, 3, 0, 0, 0, 2, 1, 0, 0, 0, 1, 'a',
			0, 2, 3, 0, 0, 0, 2, 2, 0, 0, 0, 1, 'b',
			0, 2, 3, 0, 0, 0, 3, 0, 0, 0, 0, 1, 9,
			0, 2, 2,
		}))
		Expect(p.SendSplit([]byte{1, 2}, 0, 2)).To(MatchError(fakeproxy.ErrBadArgument))
	})

	It("fails a wait with what it received, and ends waits once reading ended", func() {
		p, c := started(nil)
		Expect(c.Send(connectShim)).To(Succeed())
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := p.WaitFrame(ctx, "a Signal", func(f api.Frame) bool { return f.Header.Opcode == api.CmdSignal })
		Expect(err).To(MatchError(fakeproxy.ErrWait))
		Expect(err.Error()).To(ContainSubstring("ConnectShim"))
		Expect(c.Close()).To(Succeed())
		_, err = p.WaitFrame(ctxFor(step), "a Signal", func(f api.Frame) bool { return f.Header.Opcode == api.CmdSignal })
		Expect(err).To(MatchError(fakeproxy.ErrReadingEnded))
	})

	It("refuses sends before a client connects and cleans up without one", func() {
		p := Successful(fakeproxy.Start())
		Expect(p.SendStdout([]byte("x"))).To(MatchError(fakeproxy.ErrNotConnected))
		Expect(p.Close()).To(Succeed())
		Expect(p.Close()).To(Succeed())
		Expect(p.Path()).NotTo(BeAnExistingFile())
		Expect(p.WaitConnected(ctxFor(step))).To(MatchError(fakeproxy.ErrReadingEnded))
		Expect(errors.Is(p.WaitClientClosed(ctxFor(step)), fakeproxy.ErrReadingEnded)).To(BeTrue())
	})
})
