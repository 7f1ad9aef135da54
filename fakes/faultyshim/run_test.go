package faultyshim_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
	"github.com/thediveo/fdooze"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/conformance/ccproxy"
	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/fakes/fakeproxy"
	"github.com/wirecert/wirecert/fakes/faultyshim"
	refccproxy "github.com/wirecert/wirecert/reference/ccproxy"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// leakChecked makes the current spec prove that the shim, its relay and
// the fake proxy leave no goroutines and no fds behind.
func leakChecked() {
	// The runtime's poller opens its fds on first use: not a spec's leak.
	r, w := Successful2R(os.Pipe())
	Expect(r.Close()).To(Succeed())
	Expect(w.Close()).To(Succeed())
	goods := gleak.Goroutines()
	fds := fdooze.Filedescriptors()
	DeferCleanup(func() {
		Eventually(gleak.Goroutines).WithTimeout(2 * time.Second).ShouldNot(gleak.HaveLeaked(goods))
		Eventually(fdooze.Filedescriptors).WithTimeout(2 * time.Second).ShouldNot(fdooze.HaveLeakedFds(fds))
	})
}

// output is a shim's stdout or stderr, written by the shim, read by a spec.
type output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// target runs the shim with the fault called name in-process.
func target(name string) ccproxy.ClientTarget {
	fault := Successful(faultyshim.Lookup(name))
	return ccproxy.ClientTarget{
		Name: "faultyshim " + name + " (in-process)",
		Shim: func(ctx context.Context, run ccproxy.ShimRun) (int, error) {
			cfg := refccproxy.ShimConfig{ProxyPath: run.Socket, Token: run.Token,
				Stdin: run.Stdin, Stdout: run.Stdout, Stderr: run.Stderr, Signals: run.Signals}
			if ws := run.WindowSize; ws != nil {
				cfg.WindowSize = func() (int, int, bool) {
					rows, cols := ws()
					return rows, cols, rows > 0 && cols > 0
				}
			}
			return faultyshim.Run(ctx, cfg, fault)
		},
	}
}

var _ = Describe("faulty shims", func() {
	It("has one fault per client requirement, and none", func() {
		want := []string{"none"}
		for _, r := range requirement.All("CCP-C-") {
			want = append(want, r.ID)
		}
		Expect(faultyshim.Names()).To(ConsistOf(want))
		for _, n := range faultyshim.Names() {
			f := Successful(faultyshim.Lookup(n))
			Expect(f.What).NotTo(BeEmpty(), "fault %s", n)
			if n != "none" {
				Expect(f.Requirement).To(Equal(n))
			}
		}
	})

	It("names the allowed faults for an unknown one", func() {
		_, err := faultyshim.Lookup("CCP-C-99")
		Expect(err).To(MatchError(faultyshim.ErrUnknownFault))
		Expect(err).To(MatchError(And(ContainSubstring(`"CCP-C-99"`), ContainSubstring("CCP-C-12"), ContainSubstring("none"))))
	})

	When("the proxy cannot be reached", func() {
		BeforeEach(leakChecked)

		It("fails like ccshim, naming the socket", func(ctx SpecContext) {
			path := filepath.Join(GinkgoT().TempDir(), "nothing.sock")
			code, err := faultyshim.Run(ctx, refccproxy.ShimConfig{ProxyPath: path, Token: "t"}, faultyshim.Fault{})
			Expect(code).To(Equal(-1))
			Expect(err).To(MatchError(ContainSubstring(path)))
		})
	})

	// What the relay does after a header a client must refuse: the bytes
	// are the header and a valid ProcessExited(0) right behind it.
	DescribeTable("a header a client must refuse",
		func(ctx SpecContext, name string, garbage []byte, wantCode int) {
			leakChecked()
			proxy := Successful(fakeproxy.Start(fakeproxy.WithIdleTimeout(10 * time.Second)))
			DeferCleanup(proxy.Close)
			done := make(chan struct{})
			var code int
			var err error
			go func() {
				defer GinkgoRecover()
				defer close(done)
				code, err = faultyshim.Run(ctx, refccproxy.ShimConfig{ProxyPath: proxy.Path(), Token: "t"}, Successful(faultyshim.Lookup(name)))
			}()
			Expect(Successful(proxy.WaitFrame(ctx, "ConnectShim", func(f api.Frame) bool {
				return f.Header.Type == api.TypeCommand && f.Header.Opcode == api.CmdConnectShim
			})).Payload).To(MatchJSON(`{"token":"t"}`))
			Expect(proxy.Send(append(garbage, 0, 2, 3, 0, 0, 0, 3, 0, 0, 0, 0, 1, 0))).To(Succeed())
			Eventually(done).Within(5 * time.Second).Should(BeClosed())
			Expect(proxy.WaitClientClosed(ctx)).To(Succeed())
			if wantCode == 0 {
				Expect(err).NotTo(HaveOccurred())
			} else {
				Expect(err).To(HaveOccurred())
			}
			Expect(code).To(Equal(wantCode))
		},
		Entry("none closes on HeaderLength 2", SpecTimeout(10*time.Second),
			"none", []byte{0, 2, 2, 0, 0, 0, 2, 1, 0, 0, 0, 0}, -1),
		Entry("none closes on PayloadLength 0xFFFFFFFF", SpecTimeout(10*time.Second),
			"none", []byte{0, 2, 3, 0, 0, 0, 2, 1, 0xff, 0xff, 0xff, 0xff}, -1),
		Entry("CCP-C-02 resyncs onto the ProcessExited behind HeaderLength 2", SpecTimeout(10*time.Second),
			"CCP-C-02", []byte{0, 2, 2, 0, 0, 0, 2, 1, 0, 0, 0, 0}, 0),
		Entry("CCP-C-03 wraps PayloadLength 0xFFFFFFFF to an empty payload", SpecTimeout(10*time.Second),
			"CCP-C-03", []byte{0, 2, 3, 0, 0, 0, 2, 1, 0xff, 0xff, 0xff, 0xff}, 0),
	)

	It("relays a whole session with stdio, signals and the exit code", func(ctx SpecContext) {
		leakChecked()
		proxy := Successful(fakeproxy.Start(fakeproxy.WithIdleTimeout(10 * time.Second)))
		DeferCleanup(proxy.Close)
		stdinR, stdinW := Successful2R(os.Pipe())
		DeferCleanup(stdinR.Close)
		var stdout, stderr output
		signals := make(chan os.Signal, 1)
		done := make(chan struct{})
		var code int
		var err error
		go func() {
			defer GinkgoRecover()
			defer close(done)
			code, err = faultyshim.Run(ctx, refccproxy.ShimConfig{ProxyPath: proxy.Path(), Token: "t",
				Stdin: stdinR, Stdout: &stdout, Stderr: &stderr, Signals: signals,
				WindowSize: func() (int, int, bool) { return 24, 80, true }}, Successful(faultyshim.Lookup("none")))
		}()
		Expect(Successful(stdinW.Write([]byte("in\x00put")))).To(Equal(6))
		Expect(stdinW.Close()).To(Succeed())
		Expect(proxy.WaitFor(ctx, "stdin and its EOF", func(rs []fakeproxy.Received) bool {
			return len(rs) >= 3 && len(rs[len(rs)-1].Frame.Payload) == 0
		})).Error().NotTo(HaveOccurred())
		signals <- syscall.SIGWINCH
		Expect(Successful(proxy.WaitFrame(ctx, "Signal", func(f api.Frame) bool {
			return f.Header.Type == api.TypeCommand && f.Header.Opcode == api.CmdSignal
		})).Payload).To(MatchJSON(`{"signalNumber":28,"rows":24,"columns":80}`))
		Expect(proxy.SendFrames(fakeproxy.Stdout([]byte("out\x00")), fakeproxy.Stderr([]byte("err")), fakeproxy.ProcessExited(143))).To(Succeed())
		Eventually(done).Within(5 * time.Second).Should(BeClosed())
		Expect(err).NotTo(HaveOccurred())
		Expect(code).To(Equal(143))
		Expect(stdout.String()).To(Equal("out\x00"))
		Expect(stderr.String()).To(Equal("err"))
		Expect(proxy.WaitClientClosed(ctx)).To(Succeed())
		var frames []string
		for _, f := range proxy.Frames() {
			frames = append(frames, api.OpcodeName(f.Header.Type, f.Header.Opcode)+":"+string(f.Payload))
		}
		Expect(frames).To(Equal([]string{`ConnectShim:{"token":"t"}`, "stdin:in\x00put", "stdin:",
			`Signal:{"signalNumber":28,"columns":80,"rows":24}`}))
	}, SpecTimeout(10*time.Second))

	// The transparent relay keeps the reference shim conformant.
	Describe("without a fault", func() {
		BeforeEach(leakChecked)
		ccproxy.ClientSpecs(target("none"))
	})
})
