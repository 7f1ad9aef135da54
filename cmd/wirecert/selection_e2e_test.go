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
		Entry("a --spec ID no spec has, beside one that has it", []string{"reference", "--spec", "CCP-S-05/header-length-0", "--spec", "CCP-S-05/header-length-9"},
			`--spec "CCP-S-05/header-length-9": no spec of .* has this ID`),
		Entry("a --spec ID no spec has, with -p", []string{"reference", "--spec", "CCP-S-05/header-length-0,CCP-S-05/nope", "-p", "2"},
			`--spec "CCP-S-05/nope": no spec of .* has this ID`),
		Entry("a --spec ID no spec has, in a dry run", []string{"reference", "--spec", "SPC-S-01/nope", "--dry-run"},
			`--spec "SPC-S-01/nope": no spec of`),
		Entry("a --spec ID of the in-process form a command target does not run", []string{"run", "--suite", "spacer-service", "--command", "/bin/true",
			"--no-preflight", "--spec", "SPC-S-01/net-in-process"}, `--spec "SPC-S-01/net-in-process": no spec of spacer-service has this ID`),
		Entry("a malformed --spec", []string{"reference", "--spec", "CCP-S-05"}, `--spec: malformed spec ID "CCP-S-05": no '/'`),
		Entry("a --spec of another suite", []string{"run", "--suite", "ccproxy-server", "--socket", "/nonexistent.sock", "--spec", "SPC-S-01/net"},
			`--spec "SPC-S-01/net" is not a spec of ccproxy-server`),
		Entry("--spec and --require selecting nothing together", []string{"reference", "--spec", "CCP-S-05/header-length-0", "--require", "CCP-S-06"},
			`the selection --require "CCP-S-06" --spec "CCP-S-05/header-length-0" matches no spec`),
	)

	It("runs exactly the --spec IDs, with any --focus", func() {
		dir := GinkgoT().TempDir()
		cmd := exec.Command(bin, "reference", "--spec", "CCP-S-05/header-length-0,SPC-C-02/six-fds", "--spec", "CCP-C-09/exit-255",
			"--focus", "CCP-S-36/shim-warn", "--json", filepath.Join(dir, "r.json"), "--junit", "")
		cmd.Dir = dir
		session := Successful(gexec.Start(cmd, GinkgoWriter, GinkgoWriter))
		DeferCleanup(func() { session.Kill().Wait() })
		Eventually(session).WithTimeout(runTimeout).Should(gexec.Exit(exitPass))
		var ids []string
		for _, sp := range readSummary(filepath.Join(dir, "r.json")).Specs {
			ids = append(ids, sp.ID)
		}
		Expect(ids).To(ConsistOf("CCP-S-05/header-length-0", "SPC-C-02/six-fds", "CCP-C-09/exit-255", "CCP-S-36/shim-warn"))
	})
})
