package framepeer_test

import (
	"bytes"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/fakes/framepeer"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// helloStdin is a stdin stream frame with payload "hello": 17 bytes.
var helloStdin = []byte{0, 2, 3, 0, 0, 0, 0x02, 0, 0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o'}

var _ = Describe("sending", func() {

	BeforeEach(leakChecked)

	DescribeTable("Send splits the bytes into exactly the writes asked for",
		func(wire []byte, chunks []int, writes [][]byte) {
			a, b := socketpair(syscall.SOCK_SEQPACKET)
			p := framepeer.New(a)
			DeferCleanup(p.Close)
			DeferCleanup(b.Close)
			Expect(p.Send(wire, chunks...)).To(Succeed())
			Expect(packets(b, len(wire))).To(Equal(writes))
		},
		Entry("no chunks: one write", helloStdin, nil, [][]byte{helloStdin}),
		Entry("header split 5 + 7, payload in the remainder", helloStdin, []int{5, 7},
			[][]byte{{0, 2, 3, 0, 0}, {0, 0x02, 0, 0, 0, 0, 5}, []byte("hello")}),
		Entry("header in one write, payload byte by byte", helloStdin, []int{12, 1, 1, 1, 1, 1},
			[][]byte{helloStdin[:12], {'h'}, {'e'}, {'l'}, {'l'}, {'o'}}),
		Entry("a chunk past the end ends the sending", helloStdin, []int{11, 100, 3},
			[][]byte{helloStdin[:11], helloStdin[11:]}),
		Entry("chunks adding up to the length: no empty last write", helloStdin, []int{16, 1},
			[][]byte{helloStdin[:16], {'o'}}),
	)

	It("SendPaced pauses between the writes it splits", func() {
		a, b := socketpair(syscall.SOCK_SEQPACKET)
		p := framepeer.New(a)
		DeferCleanup(p.Close)
		DeferCleanup(b.Close)
		Expect(p.SendPaced(helloStdin, time.Millisecond, 1, 2, 3)).To(Succeed())
		Expect(packets(b, len(helloStdin))).To(Equal([][]byte{
			helloStdin[:1], helloStdin[1:3], helloStdin[3:6], helloStdin[6:]}))
	})

	It("SendBytewise writes one byte per write", func() {
		a, b := socketpair(syscall.SOCK_SEQPACKET)
		p := framepeer.New(a)
		DeferCleanup(p.Close)
		DeferCleanup(b.Close)
		Expect(p.SendBytewise(helloStdin, time.Millisecond)).To(Succeed())
		got := packets(b, len(helloStdin))
		Expect(got).To(HaveLen(len(helloStdin)))
		Expect(bytes.Join(got, nil)).To(Equal(helloStdin))
	})

	It("SendEachRead writes a chunk only once the peer read all before it: a single read() gets exactly the first chunk", func() {
		a, b := socketpair(syscall.SOCK_STREAM)
		p := framepeer.New(a)
		DeferCleanup(p.Close)
		DeferCleanup(b.Close)
		sent := make(chan error, 1)
		go func() { sent <- p.SendEachRead(helloStdin, 2*time.Second, 5, 7) }()
		var reads [][]byte
		for n := 0; n < len(helloStdin); {
			// Each read asks for more than a chunk: only the pacing
			// keeps the chunks apart.
			buf := make([]byte, 64)
			Expect(b.SetReadDeadline(time.Now().Add(2 * time.Second))).To(Succeed())
			got, err := b.Read(buf)
			Expect(err).NotTo(HaveOccurred())
			reads = append(reads, buf[:got])
			n += got
		}
		Expect(<-sent).To(Succeed())
		Expect(reads).To(Equal([][]byte{helloStdin[:5], helloStdin[5:12], helloStdin[12:]}))
	})

	It("SendEachRead gives up on a peer that does not read", func() {
		a, b := socketpair(syscall.SOCK_STREAM)
		p := framepeer.New(a)
		DeferCleanup(p.Close)
		DeferCleanup(b.Close)
		Expect(p.SendEachRead(helloStdin, 30*time.Millisecond, 5)).To(MatchError(framepeer.ErrNotRead))
	})

	It("delivers chunked sends byte-exact over a stream socket", func() {
		a, b := peers()
		wire := bytes.Repeat(helloStdin, 300) // 5100 bytes
		Expect(a.Send(wire, 1, 11, 4096, 3)).To(Succeed())
		Expect(a.SendBytewise(helloStdin, 0)).To(Succeed())
		Expect(b.ReadRaw(len(wire)+len(helloStdin), 2*time.Second)).To(Equal(append(wire, helloStdin...)))
	})

	DescribeTable("refuses chunk sizes and gaps that cannot work, writing nothing",
		func(send func(*framepeer.Peer) error, want string) {
			a, b := peers()
			err := send(a)
			Expect(err).To(MatchError(framepeer.ErrBadArgument))
			Expect(err).To(MatchError(ContainSubstring(want)))
			Expect(b.ReadRaw(1, 20*time.Millisecond)).Error().To(MatchError(framepeer.ErrTimeout))
		},
		Entry("chunk 0", func(p *framepeer.Peer) error { return p.Send(helloStdin, 5, 0) },
			"chunk 1 has size 0, allowed > 0"),
		Entry("negative chunk", func(p *framepeer.Peer) error { return p.Send(helloStdin, -3) },
			"chunk 0 has size -3, allowed > 0"),
		Entry("negative gap", func(p *framepeer.Peer) error { return p.SendPaced(helloStdin, -time.Second, 1) },
			"gap is -1s, allowed >= 0"),
		Entry("negative bytewise gap", func(p *framepeer.Peer) error { return p.SendBytewise(helloStdin, -time.Second) },
			"gap is -1s, allowed >= 0"),
	)

	DescribeTable("SendRaw puts hostile headers on the wire verbatim",
		func(h api.FrameHeader, payload []byte, wire []byte) {
			a, b := peers()
			Expect(a.SendRaw(h, payload)).To(Succeed())
			Expect(b.ReadRaw(len(wire), 2*time.Second)).To(Equal(wire))
			Expect(b.ReadRaw(1, 20*time.Millisecond)).Error().To(MatchError(framepeer.ErrTimeout), "nothing more")
		},
		Entry("HeaderLength 0",
			api.FrameHeader{Version: 2, HeaderLength: 0}, nil,
			[]byte{0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
		Entry("HeaderLength 2",
			api.FrameHeader{Version: 2, HeaderLength: 2, Type: api.TypeCommand, Opcode: api.CmdHyper}, nil,
			[]byte{0, 2, 2, 0, 0, 0, 0, 3, 0, 0, 0, 0}),
		Entry("Version 0xFFFF",
			api.FrameHeader{Version: 0xffff, HeaderLength: 3}, nil,
			[]byte{0xff, 0xff, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
		Entry("every reserved bit, E and type 15",
			api.FrameHeader{Version: 2, HeaderLength: 3, Reserved3: 0xff, Reserved45: 0xffff, ReservedBits: 7, Error: true, Type: 15, Opcode: 0xff}, nil,
			[]byte{0, 2, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}),
		Entry("PayloadLength 0xFFFFFFFF with 3 bytes",
			api.FrameHeader{Version: 2, HeaderLength: 3, Type: api.TypeStream, PayloadLength: 0xffffffff}, []byte("abc"),
			[]byte{0, 2, 3, 0, 0, 0, 2, 0, 0xff, 0xff, 0xff, 0xff, 'a', 'b', 'c'}),
		Entry("HeaderLength 255, payload right after byte 12",
			api.FrameHeader{Version: 2, HeaderLength: 255, Type: api.TypeCommand, PayloadLength: 2}, []byte("{}"),
			[]byte{0, 2, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 2, '{', '}'}),
	)

	It("SendFrame emits what a sender owes, whatever the header says", func() {
		a, b := peers()
		f := api.Frame{
			Header:  api.FrameHeader{Version: 9, HeaderLength: 7, Reserved3: 1, ReservedBits: 7, Type: api.TypeResponse, Opcode: api.CmdSignal, Error: true, PayloadLength: 99},
			Payload: []byte(`{"msg":"x"}`),
		}
		Expect(a.SendFrame(f)).To(Succeed())
		Expect(b.ReadRaw(23, 2*time.Second)).To(Equal(
			append([]byte{0, 2, 3, 0, 0, 0, 0x11, 6, 0, 0, 0, 11}, `{"msg":"x"}`...)))
	})

	It("SendFrame refuses what api.Writer refuses", func() {
		a, _ := peers()
		err := a.SendFrame(api.NewFrame(4, 0, false, nil))
		Expect(err).To(MatchError(api.ErrType))
		Expect(err).To(MatchError(ContainSubstring("framepeer: send {Version:2")))
	})

	It("gives up writing to a peer that does not read", func() {
		a, _ := peers()
		Expect(a.SetWriteTimeout(50 * time.Millisecond)).To(Succeed())
		err := a.Send(make([]byte, 8<<20))
		Expect(err).To(MatchError(ContainSubstring("i/o timeout")))
		Expect(a.SetWriteTimeout(0)).To(MatchError(framepeer.ErrBadArgument))
	})

	It("reports a write to a closed connection", func() {
		a, b := peers()
		Expect(b.Close()).To(Succeed())
		Eventually(func() error { return a.SendRaw(api.FrameHeader{Version: 2, HeaderLength: 3}, nil) }).
			WithTimeout(2 * time.Second).Should(MatchError(ContainSubstring("framepeer: send raw header [00 02 03")))
	})
})
