package ccproxy_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gexec"
	"github.com/onsi/gomega/gleak"
	"github.com/thediveo/fdooze"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/conformance/ccproxy"
	"github.com/wirecert/wirecert/fakes/hyperagent"
	refproxy "github.com/wirecert/wirecert/reference/ccproxy"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// shimRun is a session for a command shim: no proxy is needed to see how
// the process is run.
func shimRun(stdin io.Reader, stdout, stderr io.Writer, signals <-chan os.Signal) ccproxy.ShimRun {
	return ccproxy.ShimRun{
		Socket: "/run/fake-proxy.sock", Token: "TOKEN-44", Container: "c0ffee",
		Stdin: stdin, Stdout: stdout, Stderr: stderr, Signals: signals,
	}
}

var _ = Describe("targets", func() {

	BeforeEach(func() {
		goods := gleak.Goroutines()
		fds := fdooze.Filedescriptors()
		DeferCleanup(func() {
			Eventually(gleak.Goroutines).WithTimeout(2 * time.Second).ShouldNot(gleak.HaveLeaked(goods))
			Eventually(fdooze.Filedescriptors).WithTimeout(2 * time.Second).ShouldNot(fdooze.HaveLeakedFds(fds))
		})
	})

	Describe("CommandServer", Ordered, func() {
		var proxyBin string
		BeforeAll(func() {
			proxyBin = Successful(gexec.Build("github.com/wirecert/wirecert/reference/ccproxy/cmd/ccproxy"))
			// Only this build's dir: other specs of the suite hold gexec builds too.
			DeferCleanup(os.RemoveAll, filepath.Dir(proxyBin))
		})

		It("starts the proxy on dir/proxy.sock, reports it alive, stops and reaps it", func() {
			dir := GinkgoT().TempDir()
			t := ccproxy.CommandServer([]string{proxyBin, "--socket", ccproxy.SocketPlaceholder})
			Expect(t.Name).To(Equal("command " + proxyBin + " --socket {socket}"))
			inst := Successful(t.Start(context.Background(), dir))
			Expect(filepath.Join(dir, ccproxy.ProxySocketName)).To(BeAnExistingFile())
			conn := Successful(inst.Dial())
			Expect(conn.Close()).To(Succeed())
			Expect(inst.Alive()).To(Succeed())
			pid := inst.PID()
			Expect(pid).To(BeNumerically(">", 0))

			Expect(inst.Stop(context.Background())).To(Succeed())
			Expect(inst.Alive()).To(MatchError(ccproxy.ErrProxyExited))
			Expect(syscall.Kill(pid, 0)).To(MatchError(syscall.ESRCH), "the proxy process is reaped")
			Expect(inst.Stop(context.Background())).To(Succeed(), "a second Stop is harmless")
		})

		It("runs the reference binary with the READY bound of its --ready-timeout", func(ctx SpecContext) {
			t := ccproxy.CommandServer([]string{proxyBin, "--socket", ccproxy.SocketPlaceholder, "--ready-timeout", "300ms"})
			dir := GinkgoT().TempDir()
			inst := Successful(t.Start(ctx, dir))
			DeferCleanup(inst.Stop, context.Background())
			agent := Successful(hyperagent.New(GinkgoT().TempDir(), hyperagent.WithholdReady()))
			DeferCleanup(agent.Close)
			c := Successful(refproxy.Dial(filepath.Join(dir, ccproxy.ProxySocketName)))
			DeferCleanup(c.Close)
			// The default bound, 10 s, would outlast the spec's timeout.
			_, err := c.RegisterVM(api.RegisterVM{ContainerID: "vm", CtlSerial: agent.CtlPath(), IoSerial: agent.IOPath()})
			Expect(err).To(MatchError(ContainSubstring("READY")), "RegisterVM of an agent that never sends READY fails with the proxy's error")
		}, SpecTimeout(5*time.Second))

		It("reports a proxy that dies as not alive, with how it ended", func() {
			t := ccproxy.CommandServer([]string{proxyBin, "--socket", ccproxy.SocketPlaceholder})
			inst := Successful(t.Start(context.Background(), GinkgoT().TempDir()))
			DeferCleanup(inst.Stop, context.Background())
			Expect(syscall.Kill(inst.PID(), syscall.SIGKILL)).To(Succeed())
			Eventually(inst.Alive).Should(MatchError(ContainSubstring("signal: killed")))
		})

		It("fails at once when the process exits before accepting, saying how it ended", func() {
			t := ccproxy.CommandServer([]string{"sh", "-c", "exit 3", ccproxy.SocketPlaceholder})
			_, err := t.Start(context.Background(), GinkgoT().TempDir())
			Expect(err).To(MatchError(ccproxy.ErrProxyNotReady))
			Expect(err).To(MatchError(ContainSubstring("exit status 3")))
		})

		It("gives up when its context ends before the proxy listens, leaving no process", func(ctx SpecContext) {
			t := ccproxy.CommandServer([]string{"sh", "-c", "exec sleep 31.37", ccproxy.SocketPlaceholder})
			start, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
			defer cancel()
			began := time.Now()
			_, err := t.Start(start, GinkgoT().TempDir())
			Expect(err).To(MatchError(ccproxy.ErrProxyNotReady))
			Expect(err).To(MatchError(ContainSubstring("(the start timeout)")))
			Expect(time.Since(began)).To(BeNumerically("<", ccproxy.DefaultStartTimeout), "the context's bound, not the default")
			Expect(os.ReadDir("/proc")).NotTo(ContainElement(WithTransform(func(e os.DirEntry) string {
				b, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
				return string(b)
			}, Equal("sleep\x0031.37\x00"))), "the command was killed and reaped")
		}, SpecTimeout(20*time.Second))

		It("rejects an empty command, naming what is allowed", func() {
			_, err := ccproxy.CommandServer(nil).Start(context.Background(), GinkgoT().TempDir())
			Expect(err).To(MatchError(ccproxy.ErrEmptyCommand))
			Expect(err).To(MatchError(ContainSubstring("allowed a program and its arguments")))
		})
	})

	Describe("SocketServer", func() {
		It("dials the socket it was given", func() {
			dir := GinkgoT().TempDir()
			srv := Successful(refproxy.Listen(filepath.Join(dir, "p.sock"), refproxy.Config{}))
			DeferCleanup(srv.Close)
			t := ccproxy.SocketServer(filepath.Join(dir, "p.sock"))
			Expect(t.Start).To(BeNil())
			conn := Successful(t.Dial())
			Expect(conn.Close()).To(Succeed())
		})
	})

	Describe("ReferenceServer", func() {
		It("runs a fresh reference proxy in this process", func() {
			dir := GinkgoT().TempDir()
			inst := Successful(ccproxy.ReferenceServer().Start(context.Background(), dir))
			conn := Successful(inst.Dial())
			Expect(conn.Close()).To(Succeed())
			Expect(inst.Alive()).To(Succeed())
			Expect(inst.PID()).To(Equal(os.Getpid()))
			Expect(inst.Stop(context.Background())).To(Succeed())
			Expect(inst.Alive()).To(MatchError(refproxy.ErrServerClosed))
			_, err := net.Dial("unix", filepath.Join(dir, ccproxy.ProxySocketName))
			Expect(err).To(HaveOccurred(), "the socket is gone")
		})
	})

	Describe("ReferenceShim", func() {
		It("fails with exit code -1 when there is no proxy", func() {
			run := shimRun(nil, io.Discard, io.Discard, nil)
			run.Socket = filepath.Join(GinkgoT().TempDir(), "absent.sock")
			code, err := ccproxy.ReferenceShim().Shim(context.Background(), run)
			Expect(code).To(Equal(-1))
			Expect(err).To(HaveOccurred())
		})
	})

	Describe("CommandShim", func() {
		ctx := context.Background()

		It("fills in {socket}, {token} and {container}, wires stdio byte-exact and returns the exit code", func() {
			in := []byte("line 1\n\x00\xff binary\n")
			var stdout, stderr bytes.Buffer
			t := ccproxy.CommandShim([]string{"sh", "-c", `cat; printf '%s %s %s' "$0" "$1" "$2" >&2; exit 3`, "{socket}", "{token}", "-c={container}"})
			code, err := t.Shim(ctx, shimRun(bytes.NewReader(in), &stdout, &stderr, nil))
			Expect(err).NotTo(HaveOccurred())
			Expect(code).To(Equal(3))
			Expect(stdout.Bytes()).To(Equal(in))
			Expect(stderr.String()).To(Equal("/run/fake-proxy.sock TOKEN-44 -c=c0ffee"))
		})

		It("hands an *os.File stdin to the shim as is", func() {
			r, w := Successful2R(os.Pipe())
			DeferCleanup(r.Close)
			Expect(Successful(w.Write([]byte("through a pipe")))).To(Equal(14))
			Expect(w.Close()).To(Succeed())
			var stdout bytes.Buffer
			code, err := ccproxy.CommandShim([]string{"cat"}).Shim(ctx, shimRun(r, &stdout, io.Discard, nil))
			Expect(err).NotTo(HaveOccurred())
			Expect(code).To(BeZero())
			Expect(stdout.String()).To(Equal("through a pipe"))
		})

		It("forwards the signals of ShimRun.Signals to the process", func() {
			signals := make(chan os.Signal, 1)
			stdout := gbytes.NewBuffer()
			done := make(chan int)
			go func() {
				defer close(done)
				code, err := ccproxy.CommandShim([]string{"sh", "-c", `trap 'exit 7' USR1; echo ready; while :; do sleep 0.05; done`}).
					Shim(ctx, shimRun(nil, stdout, io.Discard, signals))
				Expect(err).NotTo(HaveOccurred())
				done <- code
			}()
			Eventually(stdout).Should(gbytes.Say("ready"))
			signals <- syscall.SIGUSR1
			Eventually(done).WithTimeout(5 * time.Second).Should(Receive(Equal(7)))
			close(signals)
		})

		It("reports a shim killed by a signal", func() {
			code, err := ccproxy.CommandShim([]string{"sh", "-c", "kill -KILL $$"}).Shim(ctx, shimRun(nil, io.Discard, io.Discard, nil))
			Expect(code).To(Equal(-1))
			Expect(err).To(MatchError(ccproxy.ErrShimSignalled))
			Expect(err).To(MatchError(ContainSubstring("killed")))
		})

		It("kills the shim when the context ends", func() {
			c, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
			defer cancel()
			code, err := ccproxy.CommandShim([]string{"sleep", "60"}).Shim(c, shimRun(nil, io.Discard, io.Discard, nil))
			Expect(code).To(Equal(-1))
			Expect(err).To(MatchError(context.DeadlineExceeded))
		})

		It("returns when the shim exits although its stdin never ends", func() {
			pr, pw := io.Pipe() // no read deadline: the copier ends once pw closes
			DeferCleanup(pw.Close)
			code, err := ccproxy.CommandShim([]string{"true"}).Shim(ctx, shimRun(pr, io.Discard, io.Discard, nil))
			Expect(err).NotTo(HaveOccurred())
			Expect(code).To(BeZero())
		})

		It("cuts short a stdin read with a deadline when the shim exits", func() {
			server, client := net.Pipe()
			DeferCleanup(server.Close)
			DeferCleanup(client.Close)
			code, err := ccproxy.CommandShim([]string{"true"}).Shim(ctx, shimRun(client, io.Discard, io.Discard, nil))
			Expect(err).NotTo(HaveOccurred())
			Expect(code).To(BeZero())
		})
	})
})
