package framepeer_test

import (
	"errors"
	"os"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/fakes/framepeer"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

var _ = Describe("receiving", func() {

	BeforeEach(leakChecked)

	It("reassembles a frame sent a byte at a time while it reads", func() {
		a, b := peers()
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer GinkgoRecover()
			defer wg.Done()
			Expect(a.SendBytewise(helloStdin, 2*time.Millisecond)).To(Succeed())
		}()
		f := Successful(b.ReadFrame(5 * time.Second))
		wg.Wait()
		Expect(f.Header).To(Equal(api.FrameHeader{Version: 2, HeaderLength: 3, Type: api.TypeStream, PayloadLength: 5}))
		Expect(string(f.Payload)).To(Equal("hello"))
	})

	It("returns frames that own their payload", func() {
		a, b := peers()
		Expect(a.SendFrame(api.NewFrame(api.TypeStream, api.StreamStdout, false, []byte("first")))).To(Succeed())
		Expect(a.SendFrame(api.NewFrame(api.TypeStream, api.StreamStdout, false, []byte("again")))).To(Succeed())
		first := Successful(b.ReadFrame(time.Second))
		second := Successful(b.ReadFrame(time.Second))
		Expect(string(first.Payload)).To(Equal("first"))
		Expect(string(second.Payload)).To(Equal("again"))
	})

	DescribeTable("ReadFrame reads what a receiver must accept",
		func(wire []byte, want api.FrameHeader, payload string) {
			a, b := peers()
			Expect(a.Send(wire)).To(Succeed())
			f := Successful(b.ReadFrame(time.Second))
			Expect(f.Header).To(Equal(want))
			Expect(string(f.Payload)).To(Equal(payload))
		},
		Entry("HL 4: the extra word is skipped",
			append([]byte{0, 2, 4, 0, 0, 0, 0x02, 1, 0, 0, 0, 2, 0xde, 0xad, 0xbe, 0xef}, "hi"...),
			api.FrameHeader{Version: 2, HeaderLength: 4, Type: api.TypeStream, Opcode: 1, PayloadLength: 2}, "hi"),
		Entry("reserved fields set",
			[]byte{0, 2, 3, 0xff, 0xff, 0xff, 0xe3, 0, 0, 0, 0, 1, 7},
			api.FrameHeader{Version: 2, HeaderLength: 3, Reserved3: 0xff, Reserved45: 0xffff, ReservedBits: 7, Type: api.TypeNotification, PayloadLength: 1}, "\x07"),
	)

	DescribeTable("ReadFrameStrict rejects reserved fields a sender left set",
		func(wire []byte, field string) {
			a, b := peers()
			Expect(a.Send(wire)).To(Succeed())
			_, err := b.ReadFrameStrict(time.Second)
			Expect(err).To(MatchError(api.ErrReserved))
			var herr *api.HeaderError
			Expect(errors.As(err, &herr)).To(BeTrue())
			Expect(herr.Field).To(Equal(field))
		},
		Entry("byte 3", []byte{0, 2, 3, 1, 0, 0, 0x01, 0, 0, 0, 0, 0}, "Reserved (byte 3)"),
		Entry("bytes 4-5", []byte{0, 2, 3, 0, 0, 1, 0x01, 0, 0, 0, 0, 0}, "Reserved (bytes 4-5)"),
		Entry("bit 0x80 of byte 6", []byte{0, 2, 3, 0, 0, 0, 0x81, 0, 0, 0, 0, 0}, "Reserved (bits 0xE0 of byte 6)"),
	)

	It("ReadFrameStrict accepts a clean frame", func() {
		a, b := peers()
		Expect(a.Send(helloStdin)).To(Succeed())
		Expect(string(Successful(b.ReadFrameStrict(time.Second)).Payload)).To(Equal("hello"))
	})

	DescribeTable("ReadFrame rejects invalid headers with the api's HeaderError",
		func(wire []byte, sentinel error) {
			a, b := peers()
			Expect(a.Send(wire)).To(Succeed())
			_, err := b.ReadFrame(time.Second)
			Expect(err).To(MatchError(sentinel))
			Expect(err).To(MatchError(ContainSubstring("framepeer: read frame: frame header [% x]", wire[:12])))
		},
		Entry("HL 2", []byte{0, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0}, api.ErrHeaderLength),
		Entry("version 1", []byte{0, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0}, api.ErrVersion),
		Entry("PayloadLength 0xFFFFFFFF", []byte{0, 2, 3, 0, 0, 0, 2, 0, 0xff, 0xff, 0xff, 0xff}, api.ErrPayloadTooLong),
	)

	DescribeTable("every read gives up at its deadline",
		func(sent []byte, read func(*framepeer.Peer) error, also error) {
			a, b := peers()
			Expect(a.Send(sent)).To(Succeed())
			err := read(b)
			Expect(err).To(MatchError(framepeer.ErrTimeout))
			Expect(err).To(MatchError(os.ErrDeadlineExceeded))
			if also != nil {
				Expect(err).To(MatchError(also))
			}
		},
		Entry("ReadFrame, nothing sent", nil,
			func(p *framepeer.Peer) error { _, err := p.ReadFrame(20 * time.Millisecond); return err }, nil),
		Entry("ReadFrame, half a header", []byte{0, 2, 3, 0, 0, 0},
			func(p *framepeer.Peer) error { _, err := p.ReadFrame(20 * time.Millisecond); return err }, api.ErrTruncated),
		Entry("ReadFrame, payload short", []byte{0, 2, 3, 0, 0, 0, 2, 0, 0, 0, 0, 5, 'h'},
			func(p *framepeer.Peer) error { _, err := p.ReadFrame(20 * time.Millisecond); return err }, api.ErrTruncated),
		Entry("ReadFrameStrict, nothing sent", nil,
			func(p *framepeer.Peer) error { _, err := p.ReadFrameStrict(20 * time.Millisecond); return err }, nil),
		Entry("ReadRaw, 3 of 4 bytes", []byte{1, 2, 3},
			func(p *framepeer.Peer) error {
				got, err := p.ReadRaw(4, 20*time.Millisecond)
				Expect(got).To(Equal([]byte{1, 2, 3}))
				Expect(err).To(MatchError(ContainSubstring("3 of 4 bytes within 20ms: [01 02 03]")))
				return err
			}, nil),
	)

	DescribeTable("refuses reads without a deadline",
		func(read func(*framepeer.Peer) error) {
			_, b := peers()
			err := read(b)
			Expect(err).To(MatchError(framepeer.ErrBadArgument))
			Expect(err).To(MatchError(ContainSubstring("read timeout is 0s, allowed > 0")))
		},
		Entry("ReadFrame", func(p *framepeer.Peer) error { _, err := p.ReadFrame(0); return err }),
		Entry("ReadFrameStrict", func(p *framepeer.Peer) error { _, err := p.ReadFrameStrict(0); return err }),
		Entry("ReadRaw", func(p *framepeer.Peer) error { _, err := p.ReadRaw(1, 0); return err }),
		Entry("ExpectClosed", func(p *framepeer.Peer) error { return p.ExpectClosed(0) }),
	)

	It("reports a connection closed within a frame as truncated", func() {
		a, b := peers()
		Expect(a.Send(helloStdin[:14])).To(Succeed())
		Expect(a.Close()).To(Succeed())
		_, err := b.ReadFrame(time.Second)
		Expect(err).To(MatchError(api.ErrTruncated))
		Expect(err).NotTo(MatchError(framepeer.ErrTimeout))
	})

	Describe("ExpectClosed", func() {

		DescribeTable("succeeds when the other side closes with nothing sent",
			func(close func(other *framepeer.Peer, self *framepeer.Peer)) {
				self, other := peers()
				close(other, self)
				Expect(self.ExpectClosed(time.Second)).To(Succeed())
			},
			Entry("Close", func(other, _ *framepeer.Peer) { Expect(other.Close()).To(Succeed()) }),
			Entry("CloseWrite: EOF", func(other, _ *framepeer.Peer) { Expect(other.CloseWrite()).To(Succeed()) }),
			Entry("Close with our bytes unread: ECONNRESET", func(other, self *framepeer.Peer) {
				Expect(self.Send(helloStdin)).To(Succeed())
				Expect(other.Close()).To(Succeed())
			}),
		)

		It("sees the close while it waits", func() {
			self, other := peers()
			time.AfterFunc(20*time.Millisecond, func() { _ = other.Close() })
			Expect(self.ExpectClosed(5 * time.Second)).To(Succeed())
		})

		DescribeTable("says what arrived instead",
			func(sent []byte, thenClose bool, want ...string) {
				self, other := peers()
				Expect(other.Send(sent)).To(Succeed())
				if thenClose {
					Expect(other.Close()).To(Succeed())
				}
				err := self.ExpectClosed(50 * time.Millisecond)
				Expect(err).To(MatchError(framepeer.ErrNotClosed))
				Expect(errors.Is(err, os.ErrDeadlineExceeded)).To(Equal(!thenClose))
				for _, w := range want {
					Expect(err.Error()).To(ContainSubstring(w))
				}
			},
			Entry("nothing, connection open", nil, false,
				"kept the connection open for 50ms and sent nothing"),
			Entry("an error response, then close",
				append([]byte{0, 2, 3, 0, 0, 0, 0x11, 0, 0, 0, 0, 9}, `{"msg":1}`...), true,
				"21 bytes arrived before it closed (EOF)",
				`[00 02 03 00 00 00 11 00 00 00 00 09 7b 22 6d 73 67 22 3a 31 7d]`,
				"header {Version:2 HeaderLength:3 Reserved3:0x0 Reserved45:0x0 ReservedBits:0x0 E:true Type:response Opcode:RegisterVM PayloadLength:9}"),
			Entry("3 bytes, connection open", []byte{1, 2, 3}, false,
				"3 bytes arrived and the connection stayed open for 50ms: [01 02 03]"),
			Entry("5000 bytes, then close", []byte(strings.Repeat("\x00\x02\x03\x00", 1250)), true,
				"5000 bytes arrived before it closed", "(first 64 of 5000 bytes)", "header {Version:2 HeaderLength:3"),
		)

		It("reports its own closed connection as not a peer's close", func() {
			self, _ := peers()
			Expect(self.Close()).To(Succeed())
			err := self.ExpectClosed(time.Second)
			Expect(err).To(MatchError(ContainSubstring("use of closed network connection")))
		})
	})
})
