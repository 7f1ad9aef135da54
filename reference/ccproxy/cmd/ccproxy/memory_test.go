package main_test

import (
	"encoding/binary"
	"net"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// stalledConns is how many connections the RSS spec stalls, and
// stalledRSSBound (KiB) how much the proxy's peak RSS may grow by for them:
// 48 KiB a connection (measured: about 17 KiB; 78 KiB when a claimed
// payload's buffer grew 64 KiB ahead of the bytes received).
const (
	stalledConns    = 400
	stalledRSSBound = stalledConns * 48
)

var _ = Describe("ccproxy binary memory", func() {
	It("keeps 400 connections stalled inside a maximal frame within a bounded RSS", func() {
		p := startProxy()
		Expect(served(p.dial())).To(Succeed())
		baseline := p.status("VmRSS")

		// Each announces 1 MiB of stdin and sends 5 bytes of it.
		wire := []byte{0, 2, 3, 0, 0, 0, byte(api.TypeStream), api.StreamStdin, 0, 0, 0, 0, 'h', 'e', 'l', 'l', 'o'}
		binary.BigEndian.PutUint32(wire[8:], api.DefaultMaxPayload)
		conns := make([]net.Conn, 0, stalledConns)
		for range stalledConns {
			c := p.dial()
			conns = append(conns, c)
			Expect(c.Write(wire)).To(Equal(len(wire)))
		}
		// Every connection accepted (one fd each) and, a connection later,
		// read: the proxy serves its connections' first bytes long before
		// FrameTimeout (10 s) would end them.
		Eventually(p.openFds).Should(BeNumerically(">", stalledConns))
		Expect(served(p.dial())).To(Succeed())
		// Time for the last sessions to reach their payloads: a settling
		// wait, not a timing assertion (later, the peak only sees more).
		time.Sleep(500 * time.Millisecond)
		rss, peak := p.status("VmRSS"), p.status("VmHWM")
		GinkgoWriter.Printf("RSS: baseline %d KiB, %d stalled %d KiB (peak %d KiB, %d KiB a connection)\n",
			baseline, stalledConns, rss, peak, (peak-baseline)/stalledConns)
		Expect(peak - baseline).To(BeNumerically("<", stalledRSSBound))
		Expect(p.session.ExitCode()).To(Equal(-1), "still running")
	})

	It("gives the memory of 128 connections stalled one byte short of a 1 MiB frame back to the OS once they close", func() {
		p := startProxy()
		Expect(served(p.dial())).To(Succeed())
		baseline := p.status("VmRSS")

		wire := make([]byte, 12+api.DefaultMaxPayload-1)
		copy(wire, []byte{0, 2, 3, 0, 0, 0, byte(api.TypeStream), api.StreamStdin})
		binary.BigEndian.PutUint32(wire[8:], api.DefaultMaxPayload)
		conns := make([]net.Conn, 0, 128)
		for range 128 {
			c := p.dial()
			conns = append(conns, c)
			Expect(c.SetWriteDeadline(time.Now().Add(10 * time.Second))).To(Succeed())
			Expect(c.Write(wire)).To(Equal(len(wire)))
		}
		Expect(served(p.dial())).To(Succeed())
		held := p.status("VmRSS")
		Expect(held-baseline).To(BeNumerically(">", 100<<10), "the frames' bytes are held")

		for _, c := range conns {
			Expect(c.Close()).To(Succeed())
		}
		// Within a period of the binary's freeMemory (10 s).
		Eventually(func() int { return p.status("VmRSS") }).WithTimeout(30 * time.Second).WithPolling(500 * time.Millisecond).
			Should(BeNumerically("<", baseline+32<<10))
		GinkgoWriter.Printf("RSS: baseline %d KiB, 128 stalled %d KiB, after closing %d KiB\n", baseline, held, p.status("VmRSS"))
	})
})
