package incontainer_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/scenarios/incontainer"
)

// The outer verdict has teeth: an inner run against a proxy that breaks
// CCP-S-05 (it crashes on HeaderLength < 3) fails the outer spec, and the
// failure names CCP-S-05. It runs on the host: what is judged is the
// report, whichever way it came out.
var _ = Describe("the outer verdict", func() {
	It("surfaces every inner failure with its requirement ID", func(ctx SpecContext) {
		Expect(incontainer.Build(ctx, binDir, []incontainer.Binary{
			{Name: "faultyproxy", Package: "github.com/wirecert/wirecert/fakes/faultyproxy/cmd/faultyproxy"},
		})).To(Succeed())
		wrapper := filepath.Join(binDir, "faulty-ccp-s-05")
		Expect(os.WriteFile(wrapper, []byte(fmt.Sprintf("#!/bin/sh\nexec %s --fault CCP-S-05 \"$@\"\n", filepath.Join(binDir, "faultyproxy"))), 0o755)).To(Succeed())

		dir := GinkgoT().TempDir()
		argv := append(ccproxyheader.argv(binDir, dir), "-ccproxy="+wrapper, "-ginkgo.label-filter=CCP-S-05")
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		Expect(err).To(HaveOccurred(), "the inner run against a proxy breaking CCP-S-05:\n%s", out)

		msg := verdict("ccproxyheader", "host, faulty proxy", filepath.Join(dir, "ccproxyheader.json"), 1, out)
		Expect(msg).To(ContainSubstring("CCP-S-05 (must) failed: "))
		Expect(strings.Count(msg, "CCP-S-05 (must) failed: ")).To(BeNumerically(">", 1), "one line per failed spec:\n%s", msg)
		Expect(msg).NotTo(MatchRegexp(`CCP-S-0[^5] \(`), "only CCP-S-05 was selected and broken")
		Expect(msg).To(MatchRegexp(`: \d+ specs, 1 requirement: `), "one requirement, in the singular")
		AddReportEntry("verdict against a proxy breaking CCP-S-05", msg[:min(len(msg), 600)])
	}, SpecTimeout(innerTimeout))
})
