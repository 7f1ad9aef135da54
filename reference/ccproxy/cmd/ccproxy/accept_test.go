package main_test

import (
	"net"
	"os"
	"os/exec"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gexec"
	. "github.com/thediveo/success"
	"golang.org/x/sys/unix"
)

// fdLimit is the RLIMIT_NOFILE the fd-limit spec gives the proxy: a few
// dozen connections reach it.
const fdLimit = 64

var _ = Describe("ccproxy binary accepting", func() {
	It("serves a fresh connection after its fd limit was reached, having logged the accept errors", func() {
		p := startProxy()
		Expect(served(p.dial())).To(Succeed())
		// The limit lowered once the Go runtime has raised its own at start.
		Expect(unix.Prlimit(p.pid(), unix.RLIMIT_NOFILE, &unix.Rlimit{Cur: fdLimit, Max: fdLimit}, nil)).To(Succeed())

		// Twice the limit: the ones beyond it wait in the listen queue
		// while accept fails with EMFILE.
		conns := make([]net.Conn, 0, 2*fdLimit)
		for range 2 * fdLimit {
			conns = append(conns, p.dial())
		}
		Eventually(p.session.Err).WithTimeout(10 * time.Second).Should(gbytes.Say(`accept failed; retrying.*too many open files`))
		Expect(p.session.ExitCode()).To(Equal(-1), "still running")

		for _, c := range conns {
			Expect(c.Close()).To(Succeed())
		}
		// The queued connections are accepted and end; the backoff is at
		// most 1 s, so a fresh connection is served soon after.
		Eventually(func() error {
			c := p.dial()
			defer c.Close()
			return served(c)
		}).WithTimeout(20 * time.Second).Should(Succeed())
		Expect(p.session.ExitCode()).To(Equal(-1), "still running")
	})

	DescribeTable("refuses a bad --max-connections with exit 2",
		func(value string) {
			s := Successful(gexec.Start(exec.Command(proxyBin, "--socket", "/nonexistent/proxy.sock", "--max-connections", value), GinkgoWriter, GinkgoWriter))
			Eventually(s).WithTimeout(10 * time.Second).Should(gexec.Exit(2))
			Expect(s.Err).To(gbytes.Say(`--max-connections ` + value + `: allowed 1 or more`))
		},
		Entry("zero", "0"),
		Entry("negative", "-3"),
	)

	It("closes connections beyond --max-connections at once", func() {
		p := startProxy("--max-connections", "1")
		first := p.dial()
		Expect(served(first)).To(Succeed())
		// Closed, not left waiting: end of file or a reset, never the
		// 5 s deadline.
		err := served(p.dial())
		Expect(err).To(HaveOccurred())
		Expect(err).NotTo(MatchError(os.ErrDeadlineExceeded))
		Eventually(p.session.Err).Should(gbytes.Say("connection limit reached"))
		Expect(served(first)).To(Succeed())
	})
})
