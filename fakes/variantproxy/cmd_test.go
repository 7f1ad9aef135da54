package variantproxy_test

import (
	"os"
	"os/exec"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/fakes/hyperagent"
	"github.com/wirecert/wirecert/reference/ccproxy"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

var _ = Describe("the variantproxy binary", Ordered, func() {
	var bin string

	BeforeAll(func() {
		bin = Successful(gexec.Build("github.com/wirecert/wirecert/fakes/variantproxy/cmd/variantproxy"))
		DeferCleanup(gexec.CleanupBuildArtifacts)
	})

	run := func(args ...string) *gexec.Session {
		s := Successful(gexec.Start(exec.Command(bin, args...), GinkgoWriter, GinkgoWriter))
		DeferCleanup(func() { s.Kill().Wait(step) })
		return s
	}

	It("lists its variants and allowances", func() {
		s := run("--list")
		Eventually(s).WithTimeout(step).Should(gexec.Exit(0))
		for _, name := range []string{"pod", "system", "close-unaccepted", "ready-bound"} {
			Expect(string(s.Out.Contents())).To(ContainSubstring(name))
		}
	})

	DescribeTable("refuses a bad command line with exit status 2",
		func(args ...string) {
			Eventually(run(args...)).WithTimeout(step).Should(gexec.Exit(2))
		},
		Entry("no socket", "--variant", "pod"),
		Entry("no variant", "--socket", "/tmp/x.sock"),
		Entry("an unknown variant", "--variant", "nope", "--socket", "/tmp/x.sock"),
		Entry("an unknown allowance", "--variant", "pod", "--without", "nope", "--socket", "/tmp/x.sock"),
	)

	It("as the pod variant, exits 0 after UnregisterVM, leaving no file behind", func() {
		dir := Successful(os.MkdirTemp("", "variant-cmd-"))
		DeferCleanup(os.RemoveAll, dir)
		proxyDir := filepath.Join(dir, "proxy")
		Expect(os.Mkdir(proxyDir, 0o700)).To(Succeed())
		sock := filepath.Join(proxyDir, "proxy.sock")
		s := run("--variant", "pod", "--socket", sock)
		Eventually(func() error {
			c, err := ccproxy.Dial(sock)
			if err == nil {
				c.Close()
			}
			return err
		}).WithTimeout(step).Should(Succeed())
		agent := Successful(hyperagent.New(dir))
		DeferCleanup(agent.Close)
		c := Successful(ccproxy.Dial(sock, ccproxy.WithTimeout(step)))
		DeferCleanup(c.Close)
		Successful(c.RegisterVM(api.RegisterVM{ContainerID: "vm", CtlSerial: agent.CtlPath(), IoSerial: agent.IOPath()}))
		Expect(c.UnregisterVM(api.UnregisterVM{ContainerID: "vm"})).To(Succeed())
		Eventually(s).WithTimeout(step).Should(gexec.Exit(0))
		Expect(os.ReadDir(proxyDir)).To(BeEmpty(), "neither its socket nor its private files are left")
		Eventually(c.Done()).WithTimeout(step).Should(BeClosed())
	})
})
