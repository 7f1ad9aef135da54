package hyperstart_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing/iotest"

	"github.com/onsi/gomega/gleak"
	"github.com/thediveo/fdooze"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/thediveo/success"

	. "github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
)

// ctlHeader builds the 8 header bytes of a ctl frame with any length field.
func ctlHeader(code, length uint32) []byte {
	return binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, code), length)
}

var _ = Describe("ctl frames", func() {

	DescribeTable("reads good frames",
		func(wire []byte, want CtlFrame) {
			f := Successful(ReadCtlFrame(bytes.NewReader(wire)))
			Expect(f.Code).To(Equal(want.Code))
			Expect(f.Payload).To(HaveLen(len(want.Payload)))
			if len(want.Payload) > 0 {
				Expect(f.Payload).To(Equal(want.Payload))
			}
			Expect(f.Bytes()).To(Equal(wire), "Bytes is the inverse of ReadCtlFrame")
		},
		Entry("READY, empty", []byte{0, 0, 0, 8, 0, 0, 0, 8}, CtlFrame{Code: Ready}),
		Entry("ACK with result", []byte{0, 0, 0, 9, 0, 0, 0, 10, 'o', 'k'}, CtlFrame{Code: Ack, Payload: []byte("ok")}),
		Entry("ERROR with text", []byte{0, 0, 0, 10, 0, 0, 0, 12, 'b', 'o', 'o', 'm'}, CtlFrame{Code: Error, Payload: []byte("boom")}),
		Entry("killcontainer JSON", append([]byte{0, 0, 0, 18, 0, 0, 0, 10}, '{', '}'), CtlFrame{Code: KillContainer, Payload: []byte("{}")}),
		Entry("unknown code is still a frame", []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 8}, CtlFrame{Code: 0xffffffff}),
		Entry("largest frame, 10240", append(ctlHeader(6, 10240), make([]byte, 10232)...), CtlFrame{Code: ExecCmd, Payload: make([]byte, 10232)}),
	)

	DescribeTable("rejects a length field out of range with a *LengthError",
		func(wire []byte, seen uint64) {
			_, err := ReadCtlFrame(bytes.NewReader(wire))
			var lerr *LengthError
			Expect(errors.As(err, &lerr)).To(BeTrue(), "got %v", err)
			Expect(lerr.Channel).To(Equal("ctl"))
			Expect(lerr.Field).To(Equal("length"))
			Expect(lerr.Seen).To(Equal(seen))
			Expect(lerr.Allowed).To(Equal("8..10240"))
			Expect(err).To(MatchError(ErrFrameLength))
			Expect(err.Error()).To(ContainSubstring("length is %d, allowed 8..10240", seen))
		},
		Entry("length 0", []byte{0, 0, 0, 9, 0, 0, 0, 0}, uint64(0)),
		Entry("length 7, below the header", []byte{0, 0, 0, 9, 0, 0, 0, 7}, uint64(7)),
		Entry("length 10241, above the maximum", []byte{0, 0, 0, 9, 0, 0, 0x28, 0x01}, uint64(10241)),
		Entry("length 0xFFFFFFFF, no payload behind it", []byte{0, 0, 0, 9, 0xff, 0xff, 0xff, 0xff}, uint64(0xffffffff)),
	)

	DescribeTable("reports a stream ending inside a frame as truncated",
		func(wire []byte, part string) {
			_, err := ReadCtlFrame(bytes.NewReader(wire))
			Expect(err).To(MatchError(ErrTruncated))
			Expect(err).To(MatchError(io.ErrUnexpectedEOF))
			Expect(err.Error()).To(ContainSubstring(part))
		},
		Entry("header, 1 of 8 bytes", []byte{0}, "header ended after 1 of 8 bytes"),
		Entry("header, 7 of 8 bytes", []byte{0, 0, 0, 9, 0, 0, 0}, "header ended after 7 of 8 bytes"),
		Entry("payload, 0 of 2 bytes", []byte{0, 0, 0, 9, 0, 0, 0, 10}, "ack payload ended after 0 of 2 bytes"),
		Entry("payload, 1 of 2 bytes", []byte{0, 0, 0, 9, 0, 0, 0, 10, 'o'}, "ack payload ended after 1 of 2 bytes"),
	)

	It("returns io.EOF on a clean end between frames", func() {
		_, err := ReadCtlFrame(bytes.NewReader(nil))
		Expect(err).To(BeIdenticalTo(io.EOF))
	})

	It("refuses to write a payload above 10232 bytes, writing nothing", func() {
		var buf bytes.Buffer
		err := WriteCtlFrame(&buf, CtlFrame{Code: ExecCmd, Payload: make([]byte, CtlMaxPayload+1)})
		Expect(err).To(MatchError(ErrFrameTooLarge))
		Expect(err.Error()).To(ContainSubstring("payload length is 10233, allowed 0..10232"))
		Expect(buf.Len()).To(BeZero())
	})

	When("on a real socketpair", func() {
		BeforeEach(func() {
			goods := gleak.Goroutines()
			fds := fdooze.Filedescriptors()
			DeferCleanup(func() {
				Eventually(gleak.Goroutines).ShouldNot(gleak.HaveLeaked(goods))
				Expect(fdooze.Filedescriptors()).NotTo(fdooze.HaveLeakedFds(fds))
			})
		})

		It("reassembles frames written one byte at a time", func() {
			r, w := socketpair()
			frames := []CtlFrame{
				{Code: Ready},
				{Code: Ack, Payload: []byte(`{"answer":42}`)},
				{Code: Error, Payload: []byte("no such container")},
			}
			var wire []byte
			for _, f := range frames {
				wire = append(wire, f.Bytes()...)
			}
			go writeBytewise(w, wire)
			// OneByteReader makes every read short, whatever the kernel coalesced.
			in := iotest.OneByteReader(r)
			for _, want := range frames {
				f := Successful(ReadCtlFrame(in))
				Expect(f.Code).To(Equal(want.Code))
				Expect(string(f.Payload)).To(Equal(string(want.Payload)))
			}
			_, err := ReadCtlFrame(in)
			Expect(err).To(BeIdenticalTo(io.EOF))
		})

		It("writes a frame that a peer reads back exactly", func() {
			r, w := socketpair()
			Expect(WriteCtlFrame(w, CtlFrame{Code: WinSize, Payload: []byte(`{"seq":3,"row":24,"column":80}`)})).To(Succeed())
			f := Successful(ReadCtlFrame(r))
			Expect(f.Code).To(Equal(WinSize))
			Expect(string(f.Payload)).To(Equal(`{"seq":3,"row":24,"column":80}`))
		})
	})
})

var _ = Describe("ctl codes", func() {

	DescribeTable("map cc-proxy Hyper names to codes and back",
		func(name string, code Code, value uint32) {
			Expect(uint32(code)).To(Equal(value))
			c, ok := CodeByName(name)
			Expect(ok).To(BeTrue())
			Expect(c).To(Equal(code))
			Expect(code.String()).To(Equal(name))
		},
		Entry(nil, "version", Version, uint32(0)),
		Entry(nil, "startpod", StartPod, uint32(1)),
		Entry(nil, "destroypod", DestroyPod, uint32(4)),
		Entry(nil, "execcmd", ExecCmd, uint32(6)),
		Entry(nil, "ready", Ready, uint32(8)),
		Entry(nil, "ack", Ack, uint32(9)),
		Entry(nil, "error", Error, uint32(10)),
		Entry(nil, "winsize", WinSize, uint32(11)),
		Entry(nil, "ping", Ping, uint32(12)),
		Entry(nil, "next", Next, uint32(14)),
		Entry(nil, "writefile", WriteFile, uint32(15)),
		Entry(nil, "readfile", ReadFile, uint32(16)),
		Entry(nil, "newcontainer", NewContainer, uint32(17)),
		Entry(nil, "killcontainer", KillContainer, uint32(18)),
		Entry(nil, "onlinecpumem", OnlineCPUMem, uint32(19)),
		Entry(nil, "setupinterface", SetupInterface, uint32(20)),
		Entry(nil, "setuproute", SetupRoute, uint32(21)),
		Entry(nil, "removecontainer", RemoveContainer, uint32(22)),
		Entry(nil, "pscontainer", PsContainer, uint32(23)),
		Entry(nil, "processasyncevent", ProcessAsyncEvent, uint32(24)),
	)

	It("knows exactly the 20 hyperstart names", func() {
		Expect(CodeNames()).To(HaveLen(20))
	})

	DescribeTable("rejects unknown names",
		func(name string) {
			_, ok := CodeByName(name)
			Expect(ok).To(BeFalse())
		},
		Entry(nil, ""),
		Entry(nil, "ExecCmd"),
		Entry(nil, "nosuchcommand"),
	)

	It("prints undefined codes by number", func() {
		Expect(Code(13).String()).To(Equal("Code(13)"))
	})
})
