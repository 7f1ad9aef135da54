package main

import (
	"os/exec"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gexec"
	. "github.com/thediveo/success"
)

// A selection that matches no spec is found out before anything runs (a
// dry run in a child, or -p's own), so it needs the built binary.
var _ = Describe("a selection matching no spec", Ordered, func() {
	var bin string

	BeforeAll(func() {
		bin = Successful(gexec.Build("github.com/wirecert/wirecert/cmd/wirecert"))
	})

	DescribeTable("is a usage error: exit 2, naming the selection, no report written",
		func(args []string, want string) {
			dir := GinkgoT().TempDir()
			cmd := exec.Command(bin, args...)
			cmd.Dir = dir
			session := Successful(gexec.Start(cmd, GinkgoWriter, GinkgoWriter))
			DeferCleanup(func() { session.Kill().Wait() })
			Eventually(session).WithTimeout(runTimeout).Should(gexec.Exit(exitUsage))
			Expect(session.Err).To(gbytes.Say(want))
			Expect(filepath.Join(dir, "reports")).NotTo(BeADirectory())
		},
		Entry("--focus", []string{"reference", "--focus", "matches-no-spec"},
			`the selection --focus "matches-no-spec" matches no spec of ccproxy-server, ccproxy-client`),
		Entry("--label-filter with -p", []string{"reference", "--label-filter", "CCP-S-05 && should", "-p", "2"},
			`the selection --label-filter "CCP-S-05 && should" matches no spec`),
		Entry("--skip of everything, for run", []string{"run", "--suite", "ccproxy-server", "--socket", "/nonexistent.sock", "--skip", "."},
			`the selection --skip "." matches no spec of ccproxy-server`),
	)
})
