package api_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"slices"
	"syscall"
	"testing/iotest"
	"time"
	"weak"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
	"github.com/thediveo/fdooze"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// socketpair gives two connected AF_UNIX stream ends as net.Conns.
func socketpair() (net.Conn, net.Conn) {
	GinkgoHelper()
	fds := Successful(syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0))
	conns := make([]net.Conn, 2)
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "socketpair")
		conns[i] = Successful(net.FileConn(f))
		Expect(f.Close()).To(Succeed())
	}
	return conns[0], conns[1]
}

// readerModes are the ways a Reader reads: the specs that judge frames run
// in each, and each must give the same frames and errors.
var readerModes = []struct {
	name string
	opts []api.ReaderOption
}{
	{"reading exactly", nil},
	{"reading ahead", []api.ReaderOption{api.WithReadAhead(api.DefaultReadAhead)}},
	{"reading ahead with the smallest buffer", []api.ReaderOption{api.WithReadAhead(0)}},
}

// countingReader counts the Read calls that reach r.
type countingReader struct {
	r     io.Reader
	reads int
}

func (c *countingReader) Read(p []byte) (int, error) {
	c.reads++
	return c.r.Read(p)
}

var _ = Describe("frame Reader", func() {
	for _, mode := range readerModes {
		Context(mode.name, func() { readerSpecs(mode.opts) })
	}

	It("reads exactly each frame's bytes unless told to read ahead", func() {
		wire := api.AppendFrame(nil, api.NewFrame(api.TypeStream, api.StreamStdout, false, []byte("out")))
		rest := []byte("not a frame: the next owner's bytes")
		under := bytes.NewReader(append(slices.Clone(wire), rest...))
		r := api.NewReader(under)
		Expect(string(Successful(r.ReadFrame()).Payload)).To(Equal("out"))
		Expect(r.Buffered()).To(BeEmpty())
		Expect(io.ReadAll(under)).To(Equal(rest))
	})

	It("serves a stream of small frames from few reads", func() {
		var wire []byte
		for i := range 100 {
			wire = api.AppendFrame(wire, api.NewFrame(api.TypeStream, api.StreamStdout, false, bytes.Repeat([]byte{'x'}, i)))
		}
		under := &countingReader{r: bytes.NewReader(wire)}
		r := api.NewReader(under, api.WithReadAhead(api.DefaultReadAhead))
		for i := range 100 {
			Expect(Successful(r.ReadFrame()).Payload).To(HaveLen(i))
		}
		Expect(r.ReadFrame()).Error().To(Equal(io.EOF))
		// 6150 bytes: one read takes them all, one more sees the end.
		Expect(under.reads).To(Equal(2))
	})

	It("gives the bytes read ahead to the caller that hands the connection over", func() {
		var wire []byte
		wire = api.AppendFrame(wire, api.NewFrame(api.TypeCommand, api.CmdHyper, false, []byte(`{}`)))
		wire = api.AppendFrame(wire, api.NewFrame(api.TypeStream, api.StreamStdin, false, []byte("in")))
		rest := []byte("raw bytes for the next owner")
		under := bytes.NewReader(append(slices.Clone(wire), rest...))
		r := api.NewReader(under, api.WithReadAhead(api.DefaultReadAhead))
		Expect(string(Successful(r.ReadFrame()).Payload)).To(Equal(`{}`))
		next := io.MultiReader(bytes.NewReader(r.Buffered()), under)
		f := Successful(api.NewReader(next).ReadFrame())
		Expect(string(f.Payload)).To(Equal("in"))
		Expect(io.ReadAll(next)).To(Equal(rest))
	})

	It("reads a payload longer than the buffer into a buffer of its own", func() {
		long := bytes.Repeat([]byte("0123456789"), 300)
		var wire []byte
		wire = api.AppendFrame(wire, api.NewFrame(api.TypeStream, api.StreamStdout, false, []byte("a")))
		wire = api.AppendFrame(wire, api.NewFrame(api.TypeStream, api.StreamStdout, false, long))
		wire = api.AppendFrame(wire, api.NewFrame(api.TypeStream, api.StreamStdout, false, long))
		wire = api.AppendFrame(wire, api.NewFrame(api.TypeStream, api.StreamStdout, false, []byte("b")))
		r := api.NewReader(iotest.HalfReader(bytes.NewReader(wire)), api.WithReadAhead(1024))
		Expect(string(Successful(r.ReadFrame()).Payload)).To(Equal("a"))
		Expect(Successful(r.ReadFrame()).Payload).To(Equal(long))
		Expect(Successful(r.ReadFrame()).Payload).To(Equal(long))
		Expect(string(Successful(r.ReadFrame()).Payload)).To(Equal("b"))
		Expect(r.ReadFrame()).Error().To(Equal(io.EOF))
	})

	It("allocates nothing per frame once its buffers have grown", func() {
		for _, mode := range readerModes {
			for _, size := range []int{0, 1 << 10, 64 << 10} {
				wire := api.AppendFrame(nil, api.NewFrame(api.TypeStream, api.StreamStdout, false, bytes.Repeat([]byte{'x'}, size)))
				Expect(allocsPerFrame(api.NewReader(&repeatReader{wire: wire}, mode.opts...))).
					To(BeZero(), "%s, %d-byte payloads", mode.name, size)
			}
		}
	})
})

// readerSpecs judges frames with a Reader made with opts.
func readerSpecs(opts []api.ReaderOption) {
	newReader := func(r io.Reader, more ...api.ReaderOption) *api.Reader {
		return api.NewReader(r, append(slices.Clone(opts), more...)...)
	}

	DescribeTable("accepts valid frames",
		func(wire []byte, want api.FrameHeader, payload string) {
			f := Successful(newReader(bytes.NewReader(wire)).ReadFrame())
			Expect(f.Header).To(Equal(want))
			Expect(string(f.Payload)).To(Equal(payload))
		},
		Entry("command, empty payload",
			[]byte{0, 2, 3, 0, 0, 0, 0x00, 0, 0, 0, 0, 0},
			api.FrameHeader{Version: 2, HeaderLength: 3}, ""),
		Entry("response with E and msg",
			append([]byte{0, 2, 3, 0, 0, 0, 0x11, 3, 0, 0, 0, 9}, `{"msg":1}`...),
			api.FrameHeader{Version: 2, HeaderLength: 3, Error: true, Type: api.TypeResponse, Opcode: 3, PayloadLength: 9}, `{"msg":1}`),
		Entry("HL 4: extra word skipped, payload at 16",
			append([]byte{0, 2, 4, 0, 0, 0, 0x02, 1, 0, 0, 0, 2, 0xde, 0xad, 0xbe, 0xef}, "hi"...),
			api.FrameHeader{Version: 2, HeaderLength: 4, Type: api.TypeStream, Opcode: 1, PayloadLength: 2}, "hi"),
		Entry("reserved bytes and bits set are ignored",
			[]byte{0, 2, 3, 0xff, 0xff, 0xff, 0xe3, 0, 0, 0, 0, 1, 7},
			api.FrameHeader{Version: 2, HeaderLength: 3, Reserved3: 0xff, Reserved45: 0xffff, ReservedBits: 7, Type: api.TypeNotification, PayloadLength: 1}, "\x07"),
	)

	DescribeTable("rejects bad headers naming the field",
		func(wire []byte, sentinel error, field string) {
			_, err := newReader(bytes.NewReader(wire)).ReadFrame()
			Expect(err).To(MatchError(sentinel))
			var herr *api.HeaderError
			Expect(errors.As(err, &herr)).To(BeTrue())
			Expect(herr.Field).To(Equal(field))
			Expect(err.Error()).To(ContainSubstring("allowed"))
		},
		Entry("HL 0", []byte{0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, api.ErrHeaderLength, "HeaderLength"),
		Entry("HL 1", []byte{0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0}, api.ErrHeaderLength, "HeaderLength"),
		Entry("HL 2", []byte{0, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0}, api.ErrHeaderLength, "HeaderLength"),
		Entry("version 0", []byte{0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0}, api.ErrVersion, "Version"),
		Entry("version 1", []byte{0, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0}, api.ErrVersion, "Version"),
		Entry("version 3", []byte{0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0}, api.ErrVersion, "Version"),
		Entry("version 0xFFFF", []byte{0xff, 0xff, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0}, api.ErrVersion, "Version"),
		Entry("type 4", []byte{0, 2, 3, 0, 0, 0, 4, 0, 0, 0, 0, 0}, api.ErrType, "Type"),
		Entry("type 5", []byte{0, 2, 3, 0, 0, 0, 5, 0, 0, 0, 0, 0}, api.ErrType, "Type"),
		Entry("type 15", []byte{0, 2, 3, 0, 0, 0, 15, 0, 0, 0, 0, 0}, api.ErrType, "Type"),
		Entry("command opcode 7", []byte{0, 2, 3, 0, 0, 0, 0, 7, 0, 0, 0, 0}, api.ErrOpcode, "Opcode"),
		Entry("command opcode 255", []byte{0, 2, 3, 0, 0, 0, 0, 255, 0, 0, 0, 0}, api.ErrOpcode, "Opcode"),
		Entry("stream opcode 4", []byte{0, 2, 3, 0, 0, 0, 2, 4, 0, 0, 0, 0}, api.ErrOpcode, "Opcode"),
		Entry("notification opcode 1", []byte{0, 2, 3, 0, 0, 0, 3, 1, 0, 0, 0, 0}, api.ErrOpcode, "Opcode"),
		Entry("E on command", []byte{0, 2, 3, 0, 0, 0, 0x10, 0, 0, 0, 0, 0}, api.ErrErrorFlag, "E"),
		Entry("E on stream", []byte{0, 2, 3, 0, 0, 0, 0x12, 0, 0, 0, 0, 0}, api.ErrErrorFlag, "E"),
		Entry("E on notification", []byte{0, 2, 3, 0, 0, 0, 0x13, 0, 0, 0, 0, 0}, api.ErrErrorFlag, "E"),
		Entry("PayloadLength 0xFFFFFFFF", []byte{0, 2, 3, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}, api.ErrPayloadTooLong, "PayloadLength"),
	)

	DescribeTable("reports truncation inside a frame",
		func(wire []byte) {
			_, err := newReader(bytes.NewReader(wire)).ReadFrame()
			Expect(err).To(MatchError(api.ErrTruncated))
			Expect(err).To(MatchError(io.ErrUnexpectedEOF))
		},
		Entry("half a header", []byte{0, 2, 3, 0, 0, 0}),
		Entry("HL 4 with its extra word missing", []byte{0, 2, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
		Entry("partial payload", []byte{0, 2, 3, 0, 0, 0, 2, 1, 0, 0, 0, 5, 'a', 'b'}),
	)

	It("returns io.EOF at a clean frame boundary", func() {
		_, err := newReader(bytes.NewReader(nil)).ReadFrame()
		Expect(err).To(Equal(io.EOF))
	})

	It("enforces strict reserved fields only when asked", func() {
		wire := []byte{0, 2, 3, 0, 0, 1, 0, 0, 0, 0, 0, 0}
		Expect(newReader(bytes.NewReader(wire)).ReadFrame()).Error().NotTo(HaveOccurred())
		_, err := newReader(bytes.NewReader(wire), api.WithStrictReserved()).ReadFrame()
		Expect(err).To(MatchError(api.ErrReserved))
		Expect(err).To(MatchError(ContainSubstring("bytes 4-5")))
	})

	It("does not pre-allocate a claimed payload", func() {
		// 16 MiB claimed, 3 bytes sent: the allocation must stay near the chunk size.
		wire := []byte{0, 2, 3, 0, 0, 0, 2, 1, 0, 0xff, 0xff, 0xff, 'a', 'b', 'c'}
		allocs := allocatedBytes(func() {
			_, err := newReader(bytes.NewReader(wire), api.WithMaxPayload(1<<30)).ReadFrame()
			Expect(err).To(MatchError(api.ErrTruncated))
		})
		Expect(allocs).To(BeNumerically("<", 1<<20))
	})

	DescribeTable("grows a claimed payload's buffer only with the bytes received",
		func(sent int) {
			// 1 MiB claimed (the default maximum), sent bytes of it, then the
			// end: the buffers grown (at most twice what arrived, 4 KiB for
			// the first few, each doubling's predecessor included) must
			// stay under twice the last one, whatever the claim.
			const claimed = 1 << 20
			wire := append([]byte{0, 2, 3, 0, 0, 0, 2, 1, 0, 0x10, 0, 0}, bytes.Repeat([]byte{'x'}, sent)...)
			in := bytes.NewReader(wire)
			r := newReader(in)
			allocs := allocatedBytes(func() {
				_, err := r.ReadFrame()
				Expect(err).To(MatchError(ContainSubstring("read %d of %d payload bytes", sent, claimed)))
			})
			last := min(claimed, max(4<<10, 2*sent))
			Expect(allocs).To(BeNumerically("<", 2*last+8<<10), "%d bytes sent", sent)
		},
		Entry("none", 0),
		Entry("10 bytes", 10),
		Entry("5000 bytes", 5000),
		Entry("100 KB", 100_000),
		Entry("all but one", 1<<20-1),
	)

	It("keeps no buffer of a payload above 64 KiB once its frame is done", func() {
		long := api.AppendFrame(nil, api.NewFrame(api.TypeStream, api.StreamStdin, false, bytes.Repeat([]byte{'x'}, 1<<20)))
		short := api.AppendFrame(nil, api.NewFrame(api.TypeStream, api.StreamStdin, false, []byte("after")))
		r := newReader(bytes.NewReader(slices.Concat(short, long, short)))
		Expect(string(Successful(r.ReadFrame()).Payload)).To(Equal("after"))
		held := func() weak.Pointer[byte] {
			f := Successful(r.ReadFrame())
			Expect(f.Payload).To(HaveLen(1 << 20))
			return weak.Make(&f.Payload[0])
		}()
		Expect(string(Successful(r.ReadFrame()).Payload)).To(Equal("after"))
		runtime.GC()
		Expect(held.Value()).To(BeNil(), "the Reader still holds the 1 MiB payload's buffer")
	})

	When("reading from a real socket", func() {
		BeforeEach(func() {
			goods := gleak.Goroutines()
			fds := fdooze.Filedescriptors()
			DeferCleanup(func() {
				Eventually(gleak.Goroutines).ShouldNot(gleak.HaveLeaked(goods))
				Expect(fdooze.Filedescriptors()).NotTo(fdooze.HaveLeakedFds(fds))
			})
		})

		It("reassembles frames written one byte at a time, several frames per write", func() {
			a, b := socketpair()
			defer a.Close()
			defer b.Close()
			var wire []byte
			wire = api.AppendFrame(wire, api.NewFrame(api.TypeCommand, api.CmdHyper, false, []byte(`{"hyperName":"ping"}`)))
			wire = api.AppendFrame(wire, api.NewFrame(api.TypeStream, api.StreamStdin, false, bytes.Repeat([]byte{'x'}, 3000)))
			wire = api.AppendFrame(wire, api.NewFrame(api.TypeStream, api.StreamStdin, false, nil))
			done := make(chan struct{})
			go func() {
				defer GinkgoRecover()
				defer close(done)
				for i := range wire {
					Expect(a.Write(wire[i : i+1])).To(Equal(1))
				}
				Expect(a.Write(wire)).To(Equal(len(wire)))
				Expect(a.Close()).To(Succeed())
			}()
			Expect(b.SetReadDeadline(time.Now().Add(10 * time.Second))).To(Succeed())
			r := newReader(b)
			for range 2 {
				f := Successful(r.ReadFrame())
				Expect(f.Header.Opcode).To(Equal(api.CmdHyper))
				Expect(string(f.Payload)).To(Equal(`{"hyperName":"ping"}`))
				f = Successful(r.ReadFrame())
				Expect(f.Payload).To(HaveLen(3000))
				f = Successful(r.ReadFrame())
				Expect(f.Payload).To(BeEmpty())
			}
			Expect(r.ReadFrame()).Error().To(Equal(io.EOF))
			Eventually(done).Should(BeClosed())
		})

		It("returns buffered frames whatever the deadline and times out inside a frame", func() {
			a, b := socketpair()
			defer a.Close()
			defer b.Close()
			first := api.AppendFrame(nil, api.NewFrame(api.TypeStream, api.StreamStdout, false, []byte("one")))
			second := api.AppendFrame(nil, api.NewFrame(api.TypeStream, api.StreamStdout, false, []byte("two")))
			partial := append(first, second[:api.HeaderSize+1]...) // the second's header and one payload byte
			Expect(a.Write(partial)).To(Equal(len(partial)))
			r := newReader(b)
			Expect(b.SetReadDeadline(time.Now().Add(10 * time.Second))).To(Succeed())
			Expect(string(Successful(r.ReadFrame()).Payload)).To(Equal("one"))
			Expect(b.SetReadDeadline(time.Now().Add(50 * time.Millisecond))).To(Succeed())
			_, err := r.ReadFrame()
			Expect(err).To(MatchError(api.ErrTruncated))
			Expect(err).To(MatchError(os.ErrDeadlineExceeded))
			Expect(err).To(MatchError(ContainSubstring("read 1 of 3 payload bytes")))
		})
	})
}
