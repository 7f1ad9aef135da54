package main

import (
	"fmt"
	"os/exec"
	"syscall"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
	. "github.com/thediveo/success"
)

// outputBound is what a target's output may add to the harness's peak
// memory, however much it prints: the tail kept per spec
// (serving.DefaultTailSize) and Ginkgo's report of it, with room for the
// noise of a garbage-collected process.
const outputBound = 64 << 20

// A target printing 200 MB before it serves: the harness keeps a bounded
// tail of it, so its peak RSS stays within outputBound of a run whose
// target prints nothing.
var _ = Describe("a target's output", Ordered, func() {
	var wirecert, proxy, spacer string

	BeforeAll(func() {
		wirecert = Successful(gexec.Build("github.com/wirecert/wirecert/cmd/wirecert"))
		proxy = Successful(gexec.Build("github.com/wirecert/wirecert/reference/ccproxy/cmd/ccproxy"))
		spacer = Successful(gexec.Build("github.com/wirecert/wirecert/reference/spacer/cmd/spacer"))
	})

	// peakRSS runs wirecert with args and returns its peak resident set
	// size in bytes.
	peakRSS := func(args ...string) int64 {
		GinkgoHelper()
		cmd := exec.Command(wirecert, args...)
		cmd.Dir = GinkgoT().TempDir()
		cmd.Stdout, cmd.Stderr = GinkgoWriter, GinkgoWriter
		Expect(cmd.Run()).To(Succeed())
		return cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10 // KiB on Linux
	}

	DescribeTable("costs the harness a bounded tail, not the output",
		func(suite, require string, command func(bytes int) string) {
			quiet := peakRSS("run", "--suite", suite, "--require", require, "--command", command(0))
			loud := peakRSS("run", "--suite", suite, "--require", require, "--command", command(200_000_000))
			AddReportEntry("peak RSS", fmt.Sprintf("%s: %d MiB with a silent target, %d MiB with 200 MB of output per start", suite, quiet>>20, loud>>20))
			Expect(loud).To(BeNumerically("<", quiet+outputBound), "peak RSS %d MiB against %d MiB", loud>>20, quiet>>20)
		},
		Entry("a proxy printing on stdout", "ccproxy-server", "CCP-S-01", func(n int) string {
			return fmt.Sprintf(`sh -c 'head -c %d /dev/zero; exec "$1" --socket "$0"' {socket} %s`, n, proxy)
		}),
		Entry("a spacer service printing on stderr", "spacer-service", "SPC-S-01", func(n int) string {
			return fmt.Sprintf(`sh -c 'head -c %d /dev/zero >&2; exec "$0"' %s`, n, spacer)
		}),
	)
})
