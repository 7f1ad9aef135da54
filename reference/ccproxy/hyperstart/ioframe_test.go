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

// ioHeader builds the 12 header bytes of an io frame with any length field.
func ioHeader(seq uint64, length uint32) []byte {
	return binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint64(nil, seq), length)
}

var _ = Describe("io frames", func() {

	DescribeTable("reads good frames",
		func(wire []byte, want IOFrame) {
			f := Successful(ReadIOFrame(bytes.NewReader(wire)))
			Expect(f.Seq).To(Equal(want.Seq))
			Expect(f.Data).To(HaveLen(len(want.Data)))
			if len(want.Data) > 0 {
				Expect(f.Data).To(Equal(want.Data))
			}
			Expect(f.Bytes()).To(Equal(wire), "Bytes is the inverse of ReadIOFrame")
		},
		Entry("empty frame (EOF) on seq 3", []byte{0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 12}, IOFrame{Seq: 3}),
		Entry("exit code 7 on seq 3", []byte{0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 13, 7}, IOFrame{Seq: 3, Data: []byte{7}}),
		Entry("stdout on seq 5", []byte{0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 15, 'h', 'i', '\n'}, IOFrame{Seq: 5, Data: []byte("hi\n")}),
		Entry("seq uses all 64 bits", []byte{0x80, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 12}, IOFrame{Seq: 0x8000000000000001}),
		Entry("largest frame, 10240", append(ioHeader(3, 10240), make([]byte, 10228)...), IOFrame{Seq: 3, Data: make([]byte, 10228)}),
	)

	DescribeTable("rejects a length field out of range with a *LengthError",
		func(wire []byte, seen uint64) {
			_, err := ReadIOFrame(bytes.NewReader(wire))
			var lerr *LengthError
			Expect(errors.As(err, &lerr)).To(BeTrue(), "got %v", err)
			Expect(lerr.Channel).To(Equal("io"))
			Expect(lerr.Field).To(Equal("length"))
			Expect(lerr.Seen).To(Equal(seen))
			Expect(lerr.Allowed).To(Equal("12..10240"))
			Expect(err).To(MatchError(ErrFrameLength))
		},
		Entry("length 0", []byte{0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0}, uint64(0)),
		Entry("length 8, a ctl-sized header", []byte{0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 8}, uint64(8)),
		Entry("length 11, below the header", []byte{0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 11}, uint64(11)),
		Entry("length 10241, above the maximum", []byte{0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0x28, 0x01}, uint64(10241)),
		Entry("length 0xFFFFFFFF", []byte{0, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff}, uint64(0xffffffff)),
	)

	DescribeTable("reports a stream ending inside a frame as truncated",
		func(wire []byte, part string) {
			_, err := ReadIOFrame(bytes.NewReader(wire))
			Expect(err).To(MatchError(ErrTruncated))
			Expect(err).To(MatchError(io.ErrUnexpectedEOF))
			Expect(err.Error()).To(ContainSubstring(part))
		},
		Entry("header, 8 of 12 bytes", []byte{0, 0, 0, 0, 0, 0, 0, 3}, "header ended after 8 of 12 bytes"),
		Entry("data, 2 of 3 bytes", []byte{0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 15, 'h', 'i'}, "seq 5 data ended after 2 of 3 bytes"),
	)

	It("returns io.EOF on a clean end between frames", func() {
		_, err := ReadIOFrame(bytes.NewReader(nil))
		Expect(err).To(BeIdenticalTo(io.EOF))
	})

	DescribeTable("writes frames up to 10228 data bytes and refuses more, writing nothing",
		func(size int, ok bool) {
			var buf bytes.Buffer
			err := WriteIOFrame(&buf, IOFrame{Seq: 3, Data: make([]byte, size)})
			if ok {
				Expect(err).NotTo(HaveOccurred())
				Expect(buf.Bytes()[:12]).To(Equal(ioHeader(3, uint32(12+size))))
				Expect(buf.Len()).To(Equal(12 + size))
				return
			}
			Expect(err).To(MatchError(ErrFrameTooLarge))
			Expect(err.Error()).To(ContainSubstring("data length is %d, allowed 0..10228", size))
			Expect(buf.Len()).To(BeZero())
		},
		Entry("empty", 0, true),
		Entry("10228, the maximum", 10228, true),
		Entry("10229", 10229, false),
		Entry("65536", 65536, false),
	)

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
			frames := []IOFrame{
				{Seq: 3, Data: []byte("hello")},
				{Seq: 3},
				{Seq: 3, Data: []byte{42}},
			}
			var wire []byte
			for _, f := range frames {
				wire = append(wire, f.Bytes()...)
			}
			go writeBytewise(w, wire)
			in := iotest.OneByteReader(r)
			for _, want := range frames {
				f := Successful(ReadIOFrame(in))
				Expect(f.Seq).To(Equal(want.Seq))
				Expect(string(f.Data)).To(Equal(string(want.Data)))
			}
			_, err := ReadIOFrame(in)
			Expect(err).To(BeIdenticalTo(io.EOF))
		})

		It("reports a peer hanging up mid-frame as truncated", func() {
			r, w := socketpair()
			go writeBytewise(w, []byte{0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 20, 'a'})
			_, err := ReadIOFrame(r)
			Expect(err).To(MatchError(ErrTruncated))
			Expect(err).To(MatchError(io.ErrUnexpectedEOF))
		})
	})
})
