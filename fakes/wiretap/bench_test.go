package wiretap_test

import (
	"bytes"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/wirecert/wirecert/fakes/framepeer"
	"github.com/wirecert/wirecert/fakes/wiretap"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// benchPeers are two framepeer Peers on a socketpair, as the server
// suite's connections are.
func benchPeers(b *testing.B) (*framepeer.Peer, *framepeer.Peer) {
	b.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		b.Fatal(err)
	}
	peers := make([]*framepeer.Peer, 2)
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "socketpair")
		conn, err := net.FileConn(f)
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		peers[i] = framepeer.New(conn)
	}
	b.Cleanup(func() { peers[0].Close(); peers[1].Close() })
	return peers[0], peers[1]
}

// BenchmarkPeerFrame sends a stream frame through one Peer and reads it
// with the other, as the codec benchmarks of reference/ccproxy/api do,
// with recording off (no Recorder: the Peers are not even wrapped) and on
// (both ends recorded, every chunk copied and decoded).
func BenchmarkPeerFrame(b *testing.B) {
	for _, rec := range []bool{false, true} {
		for _, size := range []struct {
			name string
			n    int
		}{{"0B", 0}, {"1KiB", 1 << 10}, {"64KiB", 64 << 10}} {
			name := "off/" + size.name
			if rec {
				name = "on/" + size.name
			}
			b.Run(name, func(b *testing.B) {
				if rec {
					r := wiretap.Start(time.Time{}, wiretap.Limits{})
					b.Cleanup(func() { r.Stop() })
				}
				a, c := benchPeers(b)
				f := api.NewFrame(api.TypeStream, api.StreamStdout, false, bytes.Repeat([]byte{'x'}, size.n))
				done := make(chan error, 1)
				b.SetBytes(int64(api.HeaderSize + size.n))
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					// the writer in its own goroutine: 64 KiB is more than
					// the socket buffer holds
					go func() { done <- a.SendFrame(f) }()
					if _, err := c.ReadFrame(5 * time.Second); err != nil {
						b.Fatal(err)
					}
					if err := <-done; err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkRecord is the cost of recording one chunk, without the socket:
// a whole cc-proxy frame, decoded and kept (the Recorder full, so every
// event also drops one).
func BenchmarkRecord(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"0B", 0}, {"1KiB", 1 << 10}, {"64KiB", 64 << 10}} {
		b.Run(size.name, func(b *testing.B) {
			r := wiretap.New(time.Time{}, wiretap.Limits{})
			ch := r.Open("runtime", wiretap.CCProxy)
			frame := api.AppendFrame(nil, api.NewFrame(api.TypeStream, api.StreamStdout, false, bytes.Repeat([]byte{'x'}, size.n)))
			b.SetBytes(int64(len(frame)))
			b.ReportAllocs()
			for range b.N {
				ch.Sent(frame, nil)
			}
		})
	}
}
