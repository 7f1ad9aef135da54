package ccproxy_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gleak"
	"github.com/thediveo/fdooze"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/fakes/hyperagent"
	"github.com/wirecert/wirecert/reference/ccproxy"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
	"github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
)

// End to end: our runtime Client and shim against our Server and the fake
// agent, over real unix sockets.
var _ = Describe("process lifecycle: runtime + shim + proxy + agent", func() {
	It("starts a process, feeds stdin, relays stdout and stderr, forwards a signal and returns the exit code", func(ctx SpecContext) {
		goods := gleak.Goroutines()
		fds := fdooze.Filedescriptors()

		dir := Successful(os.MkdirTemp("", "ccproxy-e2e-"))
		sock := filepath.Join(dir, "proxy.sock")
		srv := Successful(ccproxy.Listen(sock, ccproxy.Config{}))
		agent := Successful(hyperagent.New(dir))
		rt := Successful(ccproxy.Dial(sock))

		resp := Successful(rt.RegisterVM(api.RegisterVM{ContainerID: "pod", CtlSerial: agent.CtlPath(), IoSerial: agent.IOPath()}))
		Expect(resp.IO.Tokens).To(BeEmpty())
		attach := Successful(rt.AttachVM(api.AttachVM{ContainerID: "pod", NumIOStreams: 1}))
		Expect(attach.IO.Tokens).To(HaveLen(1))
		token := attach.IO.Tokens[0]

		stdout, stderr := gbytes.NewBuffer(), gbytes.NewBuffer()
		signals := make(chan os.Signal, 1)
		exit := make(chan int, 1)
		go func() {
			defer GinkgoRecover()
			code, err := ccproxy.RunShim(context.Background(), ccproxy.ShimConfig{
				ProxyPath: sock, Token: token,
				Stdin:  strings.NewReader("hello proxy\n"),
				Stdout: stdout, Stderr: stderr, Signals: signals,
			})
			Expect(err).NotTo(HaveOccurred())
			exit <- code
		}()

		// The start waits for the shim, which is already on its way.
		Successful(rt.Hyper("newcontainer", []string{token}, json.RawMessage(`{"id":"pod","rootfs":"rootfs","process":{"args":["cat"],"workdir":"/"}}`)))
		cmd := Successful(agent.WaitCommand(ctx, hyperstart.NewContainer))
		proc := Successful(hyperstart.ProcessOf("newcontainer", cmd.Payload))
		Expect([]uint64{proc.Stdio, proc.Stderr}).To(Equal([]uint64{3, 4}))

		Expect(Successful(agent.WaitStdinEOF(ctx, 3))).To(Equal([]byte("hello proxy\n")))
		Expect(agent.SendIO(3, []byte("to stdout"))).To(Succeed())
		Expect(agent.SendIO(4, []byte("to stderr"))).To(Succeed())
		Eventually(stdout).Should(gbytes.Say("to stdout"))
		Eventually(stderr).Should(gbytes.Say("to stderr"))

		signals <- syscall.SIGTERM
		kill := Successful(agent.WaitCommand(ctx, hyperstart.KillContainer))
		Expect(kill.Payload).To(MatchJSON(`{"container":"pod","signal":15,"allProcesses":false}`))

		Expect(agent.Exit(3, 143)).To(Succeed())
		Eventually(exit).WithTimeout(10 * time.Second).Should(Receive(Equal(143)))

		Expect(rt.UnregisterVM(api.UnregisterVM{ContainerID: "pod"})).To(Succeed())
		Expect(rt.Close()).To(Succeed())
		Expect(srv.Close()).To(Succeed())
		Expect(agent.Close()).To(Succeed())
		Expect(os.RemoveAll(dir)).To(Succeed())
		Eventually(gleak.Goroutines).ShouldNot(gleak.HaveLeaked(goods))
		Expect(fdooze.Filedescriptors()).NotTo(fdooze.HaveLeakedFds(fds))
	}, SpecTimeout(30*time.Second))
})
