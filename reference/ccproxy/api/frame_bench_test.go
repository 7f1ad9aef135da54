package api_test

import (
	"bytes"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

func benchSocketpair(b *testing.B) (net.Conn, net.Conn) {
	b.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		b.Fatal(err)
	}
	conns := make([]net.Conn, 2)
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "socketpair")
		if conns[i], err = net.FileConn(f); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
	b.Cleanup(func() { conns[0].Close(); conns[1].Close() })
	return conns[0], conns[1]
}

// benchSizes are the payload sizes of the socket benchmarks.
var benchSizes = []struct {
	name string
	n    int
}{{"0B", 0}, {"1KiB", 1 << 10}, {"64KiB", 64 << 10}}

// benchReaders are the Reader configurations the benchmarks compare: exact
// reads (the default) and a read-ahead buffer.
var benchReaders = []struct {
	name string
	opts []api.ReaderOption
}{{"exact", nil}, {"readahead", []api.ReaderOption{api.WithReadAhead(api.DefaultReadAhead)}}}

// benchPair is a socketpair with a frame Writer on one end, a Reader on the
// other, the wire bytes of one frame, and the raw variant's buffers.
type benchPair struct {
	a, c     net.Conn
	w        *api.Writer
	r        *api.Reader
	frame    api.Frame
	wire     []byte // what raw writes: the frame's bytes, as the Writer sends them
	raw      []byte // where raw reads them, aligned like the Reader's payload
	payloadN int
}

func newBenchPair(b *testing.B, size int, opts []api.ReaderOption) *benchPair {
	a, c := benchSocketpair(b)
	p := &benchPair{a: a, c: c, w: api.NewWriter(a), r: api.NewReader(c, opts...), payloadN: size}
	p.frame = api.NewFrame(api.TypeStream, api.StreamStdout, false, bytes.Repeat([]byte{'x'}, size))
	p.wire = api.AppendFrame(nil, p.frame)
	// One frame first: the Writer's and the Reader's buffers reach their
	// steady state, and the payload shows where the Reader puts it.
	if err := p.writeFrame(); err != nil {
		b.Fatal(err)
	}
	f, err := p.r.ReadFrame()
	if err != nil {
		b.Fatal(err)
	}
	p.raw = alignedLike(len(p.wire), api.HeaderSize, f.Payload)
	return p
}

// alignedLike returns n bytes whose byte at index at has the same address
// modulo 4096 as payload's first byte (any alignment when payload is empty).
//
// Why: on this machine's CPU the kernel's copy of socket bytes to user
// memory is fast or slow by where the destination lies in its page
// relative to the source: a 64 KiB frame written from a page-aligned buffer
// and read whole into a buffer at page offset 0 or 12 took 1.4 to 2 times
// as long as read at offset 64, 2048 or 4084 (its payload then at 0). A raw
// ReadFull into a fresh buffer puts the frame at offset 0, its payload at
// 12, while the Reader reads a 64 KiB payload on its own into a
// page-aligned buffer, at offset 0: compared so, "framed beats raw"
// measured the slow path, not the framing. So the raw side reads the
// payload at the same offset modulo 4096 as the framed side's first frame,
// and both sides' copies meet the same source alignment (with read-ahead a
// small payload's offset then moves from frame to frame through the
// buffer; for 1 KiB reads the offset made no difference beyond the noise).
// The write side needs nothing: the raw wire and the Writer's buffer are
// both allocated whole with the header first, for 64 KiB both page-aligned
// with the payload at offset 12.
func alignedLike(n, at int, payload []byte) []byte {
	const page = 4096
	buf := make([]byte, n+2*page)
	if len(payload) == 0 {
		return buf[:n]
	}
	want := int(uintptr(unsafe.Pointer(&payload[0])) % page)
	have := int(uintptr(unsafe.Pointer(&buf[at])) % page)
	i := (want - have + page) % page
	return buf[i : i+n]
}

func (p *benchPair) writeRaw() error   { _, err := p.a.Write(p.wire); return err }
func (p *benchPair) readRaw() error    { _, err := io.ReadFull(p.c, p.raw); return err }
func (p *benchPair) writeFrame() error { return p.w.WriteFrame(p.frame) }
func (p *benchPair) readFrame() error {
	f, err := p.r.ReadFrame()
	if err == nil && len(f.Payload) != p.payloadN {
		err = io.ErrShortBuffer
	}
	return err
}

// sideBySide runs b.N frames and as many raw moves of the same bytes in
// alternating rounds (the order flipping every round), so that both see the
// same machine state: the scheduler, the caches, the socket buffers and the
// other tenants of a shared machine. It reports framed/raw, the ratio of
// their times, and raw-ns/op; b's own timer runs only in the framed rounds,
// so ns/op, B/op and allocs/op are the framed variant's, per frame.
func sideBySide(b *testing.B, raw, framed func(k int)) {
	const perRound = 64
	var rawTime, frameTime time.Duration
	timed := func(f func(int), k int) time.Duration {
		start := time.Now()
		f(k)
		return time.Since(start)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for round, done := 0, 0; done < b.N; round, done = round+1, done+perRound {
		k := min(perRound, b.N-done)
		if round%2 == 0 {
			b.StopTimer()
			rawTime += timed(raw, k)
			b.StartTimer()
			frameTime += timed(framed, k)
		} else {
			frameTime += timed(framed, k)
			b.StopTimer()
			rawTime += timed(raw, k)
			b.StartTimer()
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(rawTime.Nanoseconds())/float64(b.N), "raw-ns/op")
	b.ReportMetric(float64(frameTime)/float64(rawTime), "framed/raw")
}

// writerJob asks the writer goroutine for k writes.
type writerJob struct {
	k     int
	write func() error
}

// startWriter starts one goroutine that writes for the whole benchmark, so
// that a round allocates nothing; it ends when the benchmark does.
func startWriter(b *testing.B) (jobs chan<- writerJob, done <-chan error) {
	j := make(chan writerJob)
	d := make(chan error, 1)
	go func() {
		for job := range j {
			var err error
			for range job.k {
				if err = job.write(); err != nil {
					break
				}
			}
			d <- err
		}
	}()
	b.Cleanup(func() { close(j) })
	return j, d
}

// rounds makes a variant's rounds of k moves from its write and read.
type rounds func(write, read func() error) func(k int)

// sideBySideEach runs sideBySide for every payload size and Reader
// configuration, the framed and the raw variant's rounds made alike by the
// rounds that newRounds gives for that sub-benchmark.
func sideBySideEach(b *testing.B, newRounds func(b *testing.B) rounds) {
	for _, size := range benchSizes {
		for _, rd := range benchReaders {
			b.Run(size.name+"/"+rd.name, func(b *testing.B) {
				p := newBenchPair(b, size.n, rd.opts)
				b.SetBytes(int64(len(p.wire)))
				variant := newRounds(b)
				sideBySide(b, variant(p.writeRaw, p.readRaw), variant(p.writeFrame, p.readFrame))
			})
		}
	}
}

// BenchmarkFrameStream streams frames over a socketpair, a goroutine writing
// k frames back to back while this one reads them, against the same bytes
// moved raw (one Write, one io.ReadFull per frame) over the same socketpair:
// framed/raw is what the Writer and the Reader cost on top of the socket.
func BenchmarkFrameStream(b *testing.B) {
	sideBySideEach(b, func(b *testing.B) rounds {
		jobs, done := startWriter(b)
		return func(write, read func() error) func(int) {
			return func(k int) {
				jobs <- writerJob{k, write}
				for range k {
					if err := read(); err != nil {
						b.Fatal(err)
					}
				}
				if err := <-done; err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// BenchmarkFrameRoundTrip writes one frame and reads it back before the
// next, in one goroutine, against the same for the raw bytes: the cost of a
// single frame's trip when nothing is queued behind it.
func BenchmarkFrameRoundTrip(b *testing.B) {
	sideBySideEach(b, func(b *testing.B) rounds {
		return func(write, read func() error) func(int) {
			return func(k int) {
				for range k {
					if err := write(); err != nil {
						b.Fatal(err)
					}
					if err := read(); err != nil {
						b.Fatal(err)
					}
				}
			}
		}
	})
}

// repeatReader serves the same bytes forever, to measure the steady-state
// read path without a socket.
type repeatReader struct {
	wire []byte
	off  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := copy(p, r.wire[r.off:])
	r.off = (r.off + n) % len(r.wire)
	return n, nil
}

// BenchmarkReadFrameSteadyState reports allocations per frame once the
// Reader's buffers have grown (goal: 0).
func BenchmarkReadFrameSteadyState(b *testing.B) {
	wire := api.AppendFrame(nil, api.NewFrame(api.TypeStream, api.StreamStdout, false, bytes.Repeat([]byte{'x'}, 1<<10)))
	for _, rd := range benchReaders {
		b.Run(rd.name, func(b *testing.B) {
			r := api.NewReader(&repeatReader{wire: wire}, rd.opts...)
			if _, err := r.ReadFrame(); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(wire)))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := r.ReadFrame(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
