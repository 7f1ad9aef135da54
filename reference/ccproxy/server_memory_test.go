package ccproxy_test

import (
	"encoding/binary"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
	"github.com/thediveo/fdooze"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/reference/ccproxy"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// stalledConns is how many connections the memory spec stalls, and
// stalledBound what they may cost the Server together, heap and goroutine
// stacks: 40 KiB a connection (measured: about 23 KiB).
const (
	stalledConns = 400
	stalledBound = stalledConns * 40 << 10
)

// stalledHeader announces a stdin frame of the largest payload allowed.
func stalledHeader() []byte {
	h := []byte{0, 2, 3, 0, 0, 0, byte(api.TypeStream), api.StreamStdin, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(h[8:], api.DefaultMaxPayload)
	return h
}

// inUse is the memory the process holds for live objects and goroutine
// stacks, after a collection.
func inUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse + m.StackInuse)
}

// readingPayloads counts the goroutines blocked inside a payload read.
func readingPayloads() int {
	n := 0
	for _, g := range gleak.Goroutines() {
		if strings.Contains(g.Backtrace, "api.(*Reader).readPayload") {
			n++
		}
	}
	return n
}

var _ = Describe("reference proxy Server under load", func() {
	It("holds 400 connections stalled inside a maximal frame in a bounded memory, and gives it back once they close", func(ctx SpecContext) {
		goods := gleak.Goroutines()
		fds := fdooze.Filedescriptors()
		dir := Successful(os.MkdirTemp("", "ccproxy-mem-"))
		sock := filepath.Join(dir, "proxy.sock")
		srv := Successful(ccproxy.Listen(sock, ccproxy.Config{FrameTimeout: time.Minute}))

		baseline := inUse()
		conns := make([]net.Conn, 0, stalledConns)
		closeAll := func() {
			for _, c := range conns {
				Expect(c.Close()).To(Succeed())
			}
			conns = conns[:0]
		}
		DeferCleanup(func() {
			closeAll()
			Expect(srv.Close()).To(Succeed())
			Expect(os.RemoveAll(dir)).To(Succeed())
			Eventually(gleak.Goroutines).ShouldNot(gleak.HaveLeaked(goods))
			Expect(fdooze.Filedescriptors()).NotTo(fdooze.HaveLeakedFds(fds))
		})
		// Each announces 1 MiB and sends 5 bytes of it, then nothing.
		wire := append(stalledHeader(), "hello"...)
		for range stalledConns {
			c := Successful(net.DialTimeout("unix", sock, 5*time.Second))
			conns = append(conns, c)
			Successful(c.Write(wire))
		}
		Eventually(readingPayloads).WithContext(ctx).Should(Equal(stalledConns), "every connection is inside its payload")
		stalled := inUse()
		GinkgoWriter.Printf("in use: baseline %d KiB, %d stalled %d KiB (%d KiB a connection)\n",
			baseline>>10, stalledConns, stalled>>10, (stalled-baseline)/stalledConns>>10)
		Expect(stalled - baseline).To(BeNumerically("<", stalledBound))

		closeAll()
		Eventually(readingPayloads).WithContext(ctx).Should(BeZero())
		// The sessions end asynchronously: what they held is given back
		// once each has, but for 2 MiB (the runtime keeps a goroutine's
		// descriptor for reuse, and spans some survivor shares).
		Eventually(func() int64 { return inUse() - baseline }).WithContext(ctx).
			Should(BeNumerically("<", 2<<20))
		GinkgoWriter.Printf("in use after closing: %d KiB\n", inUse()>>10)
	}, SpecTimeout(time.Minute))
})
