package api_test

import (
	"bytes"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

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

// BenchmarkFrameRoundTrip writes and reads frames over a socketpair and
// moves the same bytes raw (write, ReadFull) over the same socketpair, in
// alternating rounds so both see the same machine state, and reports the
// ratio: what framing costs on top of the socket (x-raw).
func BenchmarkFrameRoundTrip(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"0B", 0}, {"1KiB", 1 << 10}, {"64KiB", 64 << 10}} {
		b.Run(size.name, func(b *testing.B) {
			a, c := benchSocketpair(b)
			frame := api.NewFrame(api.TypeStream, api.StreamStdout, false, bytes.Repeat([]byte{'x'}, size.n))
			wire := api.AppendFrame(nil, frame)
			raw := make([]byte, len(wire))
			w, r := api.NewWriter(a), api.NewReader(c)
			b.SetBytes(int64(len(wire)))
			b.ReportAllocs()

			// round moves k items: write in a goroutine, read here.
			round := func(k int, write func() error, read func() error) time.Duration {
				start := time.Now()
				errs := make(chan error, 1)
				go func() {
					for range k {
						if err := write(); err != nil {
							errs <- err
							return
						}
					}
					errs <- nil
				}()
				for range k {
					if err := read(); err != nil {
						b.Fatal(err)
					}
				}
				if err := <-errs; err != nil {
					b.Fatal(err)
				}
				return time.Since(start)
			}
			writeRaw := func() error { _, err := a.Write(wire); return err }
			readRaw := func() error { _, err := io.ReadFull(c, raw); return err }
			writeFrame := func() error { return w.WriteFrame(frame) }
			readFrame := func() error { _, err := r.ReadFrame(); return err }

			const perRound = 64
			var rawTime, frameTime time.Duration
			b.ResetTimer()
			for done := 0; done < b.N; done += perRound {
				k := min(perRound, b.N-done)
				b.StopTimer()
				rawTime += round(k, writeRaw, readRaw)
				b.StartTimer()
				frameTime += round(k, writeFrame, readFrame)
			}
			b.ReportMetric(float64(rawTime.Nanoseconds())/float64(b.N), "raw-ns/op")
			b.ReportMetric(float64(frameTime)/float64(rawTime), "x-raw")
		})
	}
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
// Reader's buffer has grown (goal: 0).
func BenchmarkReadFrameSteadyState(b *testing.B) {
	wire := api.AppendFrame(nil, api.NewFrame(api.TypeStream, api.StreamStdout, false, bytes.Repeat([]byte{'x'}, 1<<10)))
	r := api.NewReader(&repeatReader{wire: wire})
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
}
