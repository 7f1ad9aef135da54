package main

import (
	"bytes"
	"io"
	"os/exec"
	"regexp"
	"strings"
	"time"

	"github.com/creack/pty"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
	. "github.com/thediveo/success"
)

// What a run prints while it runs: one line saying what runs, a progress
// line on a terminal, the summary with each failure once (its whole
// message, no Go types), and with -q only the totals.
var _ = Describe("the console of a CLI run", Ordered, func() {
	var wirecert, faulty string

	BeforeAll(func() {
		wirecert = Successful(gexec.Build("github.com/wirecert/wirecert/cmd/wirecert"))
		faulty = Successful(gexec.Build("github.com/wirecert/wirecert/fakes/faultyproxy/cmd/faultyproxy"))
		DeferCleanup(gexec.CleanupBuildArtifacts)
	})

	// run runs the CLI in a temp dir, its stdout a pipe, and returns its
	// exit code and output.
	run := func(args ...string) (int, string) {
		GinkgoHelper()
		cmd := exec.Command(wirecert, args...)
		cmd.Dir = GinkgoT().TempDir()
		session := Successful(gexec.Start(cmd, GinkgoWriter, GinkgoWriter))
		Eventually(session).WithTimeout(2 * time.Minute).Should(gexec.Exit())
		return session.ExitCode(), string(session.Out.Contents())
	}
	faultyRun := func(extra ...string) (int, string) {
		return run(append([]string{"run", "--suite", "ccproxy-server", "--require", "CCP-S-03,CCP-S-19",
			"--command", faulty + " --fault CCP-S-19 --socket {socket}"}, extra...)...)
	}

	It("prints what runs, then the summary: each failure once, its whole message without Go types, no Ginkgo stream", func() {
		code, out := faultyRun()
		Expect(code).To(Equal(exitFail))
		Expect(out).To(MatchRegexp(`(?m)^wirecert: running \d+ specs of ccproxy-server \(random seed \d+\) in this process$`))
		Expect(out).NotTo(ContainSubstring("Ran "), "Ginkgo's stream only with -v")
		Expect(out).NotTo(ContainSubstring("[FAILED]"))
		Expect(out).NotTo(ContainSubstring("<string>"), "no Go types of the values")
		Expect(strings.Count(out, "must failed: CCP-S-03/registervm-hyper-one-byte-writes")).To(Equal(1), "each failure once")
		Expect(out).To(MatchRegexp(`\n\s+Expected\n\s+\{\\"result\\":.*\n\s+to equal\n\s+\{\\"pong\\":true\}\n`),
			"what was expected and what came")
		Expect(out).To(ContainSubstring("RESULT: FAIL (exit 1)"))
	})

	It("prints Ginkgo's stream before the summary with -v", func() {
		code, out := faultyRun("-v")
		Expect(code).To(Equal(exitFail))
		Expect(out).To(ContainSubstring("Ran "))
		Expect(out).To(ContainSubstring("wirecert conformance summary"))
	})

	It("prints only the totals, the result and the report files with -q", func() {
		code, out := faultyRun("-q", "--json", "r.json")
		Expect(code).To(Equal(exitFail))
		lines := strings.Split(strings.TrimSpace(out), "\n")
		Expect(lines).To(HaveLen(5), out)
		Expect(lines[0]).To(HavePrefix("preflight: "))
		Expect(lines[1]).To(MatchRegexp(`^2 requirements: 0 passed, .* 2 failed, `))
		Expect(lines[2]).To(MatchRegexp(`^\d+ specs: \d+ passed \(0 limited\), \d+ failed at must level`))
		Expect(lines[3]).To(Equal("RESULT: FAIL (exit 1)"))
		Expect(lines[4]).To(Equal("reports: r.json"))
	})

	It("refuses -q with -v: a usage error", func() {
		code, _ := run("reference", "-q", "-v")
		Expect(code).To(Equal(exitUsage))
	})

	It("shows a progress line on a terminal, rewritten in place and cleared before the summary", func() {
		cmd := exec.Command(wirecert, "reference", "--suite", "ccproxy-server", "--require", "CCP-S-05,CCP-S-19",
			"--json", "", "--junit", "")
		cmd.Dir = GinkgoT().TempDir()
		tty := Successful(pty.Start(cmd))
		var out bytes.Buffer
		copied := make(chan struct{})
		go func() {
			defer close(copied)
			_, _ = io.Copy(&out, tty) // ends with EIO once the CLI exited
		}()
		Expect(cmd.Wait()).To(Succeed())
		Eventually(copied).WithTimeout(10 * time.Second).Should(BeClosed())
		Expect(tty.Close()).To(Succeed())
		text := strings.ReplaceAll(out.String(), "\r\n", "\n")
		Expect(text).To(MatchRegexp(`\r\x1b\[K\d+/\d+ specs done, checking CCP-S-(05|19)`))
		last := regexp.MustCompile(`\r\x1b\[K(\d+)/(\d+) specs done`).FindAllStringSubmatch(text, -1)
		Expect(last).NotTo(BeEmpty())
		Expect(last[len(last)-1][1]).To(Equal(last[len(last)-1][2]), "the last count is all of them")
		Expect(text).To(ContainSubstring("\r\x1b[K\nwirecert conformance summary"), "the line cleared before the summary")
	})

	It("shows no progress line when stdout is not a terminal", func() {
		_, out := run("reference", "--suite", "ccproxy-server", "--require", "CCP-S-05", "--json", "", "--junit", "")
		Expect(out).NotTo(ContainSubstring("specs done"))
		Expect(out).NotTo(ContainSubstring("\x1b["))
	})
})
