package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
	. "github.com/thediveo/success"
)

// With a TMPDIR too long for a socket path under it, the sockets the
// harness chooses (the proxy's {socket}, the fake agents', the fake
// proxy's) still fit sun_path, so the targets can bind and dial them.
var _ = Describe("a long TMPDIR", Ordered, func() {
	var wirecert, proxy, shim string

	BeforeAll(func() {
		wirecert = Successful(gexec.Build("github.com/wirecert/wirecert/cmd/wirecert"))
		proxy = Successful(gexec.Build("github.com/wirecert/wirecert/reference/ccproxy/cmd/ccproxy"))
		shim = Successful(gexec.Build("github.com/wirecert/wirecert/reference/ccproxy/cmd/ccshim"))
	})

	DescribeTable("leaves the targets socket paths they can use",
		func(args func() []string) {
			tmp := filepath.Join(GinkgoT().TempDir(), strings.Repeat("t", 120))
			Expect(os.MkdirAll(tmp, 0o700)).To(Succeed())
			cmd := exec.Command(wirecert, args()...)
			cmd.Dir = GinkgoT().TempDir()
			cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
			session := Successful(gexec.Start(cmd, GinkgoWriter, GinkgoWriter))
			DeferCleanup(func() { session.Kill().Wait() })
			Eventually(session).WithTimeout(runTimeout).Should(gexec.Exit(exitPass))
		},
		Entry("a proxy started per spec, with fake agents", func() []string {
			return []string{"run", "--suite", "ccproxy-server", "--require", "CCP-S-13,CCP-S-19", "--command", proxy + " --socket {socket}"}
		}),
		Entry("a shim against the fake proxy", func() []string {
			return []string{"run", "--suite", "ccproxy-client", "--require", "CCP-C-01", "--command", shim + " --proxy {socket} --token {token}"}
		}),
	)
})
