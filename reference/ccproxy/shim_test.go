package ccproxy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gexec"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/reference/ccproxy"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// patterned returns n bytes covering every byte value.
func patterned(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*31 + i/256)
	}
	return b
}

// shimSession scripts a fake proxy for one whole shim session: ConnectShim
// must come first (CCP-C-04); it sends the output, collects stdin up to the
// zero-length frame (CCP-C-07) and checks it, then sends ProcessExited and
// expects nothing more but the close (no second EOF frame).
func shimSession(wantStdin, stdout, stderr []byte, exit byte) func(p *proxyPeer) {
	return func(p *proxyPeer) {
		f := p.Expect(api.TypeCommand, api.CmdConnectShim)
		Expect(f.Payload).To(MatchJSON(`{"token":"tok"}`))
		p.Respond(api.CmdConnectShim, "")
		for _, out := range []struct {
			op   uint8
			data []byte
		}{{api.StreamStdout, stdout}, {api.StreamStderr, stderr}} {
			for data := out.data; len(data) > 0; {
				n := min(len(data), 1000)
				p.Send(api.TypeStream, out.op, data[:n])
				data = data[n:]
			}
		}
		var got []byte
		for {
			f := p.Expect(api.TypeStream, api.StreamStdin)
			if len(f.Payload) == 0 {
				break
			}
			got = append(got, f.Payload...)
		}
		Expect(got).To(Equal(wantStdin))
		p.Send(api.TypeNotification, api.NotificationProcessExited, []byte{exit})
		p.ExpectClosed()
	}
}

// nextCommand reads up to the next command, collecting stdin frames on the
// way (their order against commands is up to the shim's goroutines).
func nextCommand(p *proxyPeer, stdin *[][]byte) api.Frame {
	GinkgoHelper()
	for {
		f := Successful(p.R.ReadFrame())
		Expect(f.Header.CheckEmitted()).To(Succeed())
		f.Payload = bytes.Clone(f.Payload)
		if f.Header.Type == api.TypeStream && f.Header.Opcode == api.StreamStdin {
			*stdin = append(*stdin, f.Payload)
			continue
		}
		return f
	}
}

// awaitStdinEOF reads stdin frames until the zero-length one, unless it came
// already.
func awaitStdinEOF(p *proxyPeer, stdin *[][]byte) {
	GinkgoHelper()
	for len(*stdin) == 0 || len((*stdin)[len(*stdin)-1]) != 0 {
		*stdin = append(*stdin, p.Expect(api.TypeStream, api.StreamStdin).Payload)
	}
}

var _ = Describe("RunShim", func() {

	BeforeEach(checkClientLeaks)

	DescribeTable("runs a session: stdin verbatim + one EOF frame, output byte-exact, the exit code (CCP-C-04, -06, -07, -09)",
		func(stdin, stdout, stderr []byte, exit byte) {
			fake := startFakeProxy(shimSession(stdin, stdout, stderr, exit))
			var gotOut, gotErr bytes.Buffer
			code, err := ccproxy.RunShim(context.Background(), ccproxy.ShimConfig{
				ProxyPath: fake.Path, Token: "tok",
				Stdin: bytes.NewReader(stdin), Stdout: &gotOut, Stderr: &gotErr,
			})
			Expect(err).NotTo(HaveOccurred())
			Expect(code).To(Equal(int(exit)))
			Expect(gotOut.Bytes()).To(Equal(stdout))
			Expect(gotErr.Bytes()).To(Equal(stderr))
			fake.Wait()
		},
		Entry("empty stdin, no output, exit 0", []byte{}, []byte{}, []byte{}, byte(0)),
		Entry("short lines, exit 42", []byte("hello\n"), []byte("out\n"), []byte("err\n"), byte(42)),
		Entry("binary, larger than a stdin frame, exit 255",
			patterned(3*ccproxy.MaxStdinChunk+5), patterned(70000), patterned(3000), byte(255)),
	)

	It("fails on an error response to ConnectShim, sending nothing else (CCP-C-05)", func() {
		fake := startFakeProxy(func(p *proxyPeer) {
			p.Expect(api.TypeCommand, api.CmdConnectShim)
			Expect(p.W.WriteError(api.CmdConnectShim, "unknown token")).To(Succeed())
			p.ExpectClosed()
		})
		code, err := ccproxy.RunShim(context.Background(), ccproxy.ShimConfig{
			ProxyPath: fake.Path, Token: "tok", Stdin: bytes.NewReader([]byte("never sent")),
		})
		Expect(code).To(Equal(-1))
		var perr *ccproxy.ProxyError
		Expect(errors.As(err, &perr)).To(BeTrue(), "want *ProxyError, got %v", err)
		Expect(perr.Msg).To(Equal("unknown token"))
		fake.Wait()
	})

	It("forwards signals, SIGWINCH with the window size, and logs what it cannot forward (CCP-C-08)", func() {
		var signals, logs []string
		var stdin [][]byte
		fake := startFakeProxy(func(p *proxyPeer) {
			p.Expect(api.TypeCommand, api.CmdConnectShim)
			p.Respond(api.CmdConnectShim, "")
			for len(signals) < 2 || len(logs) < 2 || len(stdin) < 1 {
				f := nextCommand(p, &stdin)
				switch {
				case f.Header.Type == api.TypeCommand && f.Header.Opcode == api.CmdSignal:
					signals = append(signals, string(f.Payload))
					if len(signals) == 1 {
						Expect(p.W.WriteError(api.CmdSignal, "process not started")).To(Succeed())
					} else {
						p.Respond(api.CmdSignal, "")
					}
				case f.Header.Type == api.TypeStream && f.Header.Opcode == api.StreamLog:
					logs = append(logs, string(f.Payload))
				default:
					Fail("unexpected frame " + f.String())
				}
			}
			p.Send(api.TypeNotification, api.NotificationProcessExited, []byte{0})
			p.ExpectClosed()
		})
		sigs := make(chan os.Signal, 4)
		sigs <- syscall.SIGTERM
		sigs <- syscall.Signal(34) // SIGRTMIN: beyond the protocol's range
		sigs <- syscall.SIGWINCH
		code, err := ccproxy.RunShim(context.Background(), ccproxy.ShimConfig{
			ProxyPath: fake.Path, Token: "tok", Signals: sigs,
			WindowSize: func() (int, int, bool) { return 24, 80, true },
		})
		Expect(err).NotTo(HaveOccurred())
		Expect(code).To(Equal(0))
		fake.Wait()
		Expect(signals).To(HaveExactElements(
			MatchJSON(`{"signalNumber":15}`),
			MatchJSON(`{"signalNumber":28,"rows":24,"columns":80}`)))
		Expect(logs).To(HaveExactElements(
			And(ContainSubstring(`"source":"shim"`), ContainSubstring("process not started")),
			And(ContainSubstring(`"level":"warn"`), ContainSubstring("34"))))
		for _, l := range logs {
			var entry api.LogEntry
			Expect(json.Unmarshal([]byte(l), &entry)).To(Succeed())
		}
		Expect(stdin).To(HaveExactElements(BeEmpty()))
	})

	It("stops listening for signals once their channel is closed", func() {
		var stdin [][]byte
		fake := startFakeProxy(func(p *proxyPeer) {
			p.Expect(api.TypeCommand, api.CmdConnectShim)
			p.Respond(api.CmdConnectShim, "")
			awaitStdinEOF(p, &stdin)
			// Give a shim that spins on the closed channel time to send the
			// Signal or log frames that ExpectClosed would then find.
			time.Sleep(100 * time.Millisecond)
			p.Send(api.TypeNotification, api.NotificationProcessExited, []byte{3})
			p.ExpectClosed()
		})
		sigs := make(chan os.Signal)
		close(sigs)
		code, err := ccproxy.RunShim(context.Background(), ccproxy.ShimConfig{ProxyPath: fake.Path, Token: "tok", Signals: sigs})
		Expect(err).NotTo(HaveOccurred())
		Expect(code).To(Equal(3))
		fake.Wait()
	})

	It("does not forward SIGWINCH without a window size", func() {
		var stdin [][]byte
		fake := startFakeProxy(func(p *proxyPeer) {
			p.Expect(api.TypeCommand, api.CmdConnectShim)
			p.Respond(api.CmdConnectShim, "")
			f := nextCommand(p, &stdin)
			Expect(f.Header.Opcode).To(Equal(api.CmdSignal))
			Expect(f.Payload).To(MatchJSON(`{"signalNumber":2}`))
			p.Respond(api.CmdSignal, "")
			awaitStdinEOF(p, &stdin)
			p.Send(api.TypeNotification, api.NotificationProcessExited, []byte{130})
			p.ExpectClosed()
		})
		sigs := make(chan os.Signal, 2)
		sigs <- syscall.SIGWINCH
		sigs <- syscall.SIGINT
		code, err := ccproxy.RunShim(context.Background(), ccproxy.ShimConfig{
			ProxyPath: fake.Path, Token: "tok", Signals: sigs,
			WindowSize: func() (int, int, bool) { return 0, 0, false },
		})
		Expect(err).NotTo(HaveOccurred())
		Expect(code).To(Equal(130))
		fake.Wait()
	})

	It("fails when the proxy closes before ProcessExited", func() {
		fake := startFakeProxy(func(p *proxyPeer) {
			p.Expect(api.TypeCommand, api.CmdConnectShim)
			p.Respond(api.CmdConnectShim, "")
		})
		code, err := ccproxy.RunShim(context.Background(), ccproxy.ShimConfig{ProxyPath: fake.Path, Token: "tok"})
		Expect(code).To(Equal(-1))
		Expect(err).To(MatchError(ccproxy.ErrProxyClosed))
		fake.Wait()
	})

	It("ends on context cancellation", func() {
		ctx, cancel := context.WithCancel(context.Background())
		fake := startFakeProxy(func(p *proxyPeer) {
			p.Expect(api.TypeCommand, api.CmdConnectShim)
			p.Respond(api.CmdConnectShim, "")
			p.Expect(api.TypeStream, api.StreamStdin)
			cancel()
			p.ExpectClosed()
		})
		code, err := ccproxy.RunShim(ctx, ccproxy.ShimConfig{ProxyPath: fake.Path, Token: "tok"})
		Expect(code).To(Equal(-1))
		Expect(err).To(MatchError(context.Canceled))
		fake.Wait()
	})

	It("stops reading a still-open stdin pipe when the process exits", func() {
		fake := startFakeProxy(func(p *proxyPeer) {
			p.Expect(api.TypeCommand, api.CmdConnectShim)
			p.Respond(api.CmdConnectShim, "")
			Expect(p.Expect(api.TypeStream, api.StreamStdin).Payload).To(Equal([]byte("abc")))
			p.Send(api.TypeNotification, api.NotificationProcessExited, []byte{3})
			p.ExpectClosed()
		})
		r, w := Successful2R(os.Pipe())
		defer func() { _ = r.Close(); _ = w.Close() }()
		Expect(w.Write([]byte("abc"))).To(Equal(3))
		code, err := ccproxy.RunShim(context.Background(), ccproxy.ShimConfig{ProxyPath: fake.Path, Token: "tok", Stdin: r})
		Expect(err).NotTo(HaveOccurred())
		Expect(code).To(Equal(3))
		fake.Wait()
	})

	DescribeTable("refuses an incomplete config",
		func(cfg ccproxy.ShimConfig, field string) {
			code, err := ccproxy.RunShim(context.Background(), cfg)
			Expect(code).To(Equal(-1))
			Expect(err).To(MatchError(ContainSubstring(field)))
		},
		Entry("no proxy path", ccproxy.ShimConfig{Token: "tok"}, "ProxyPath"),
		Entry("no token", ccproxy.ShimConfig{ProxyPath: "/p.sock"}, "Token"),
	)
})

var _ = Describe("ccshim binary", Ordered, func() {

	var ccshim string

	BeforeAll(func() {
		// CGO_ENABLED=0 proves the binary builds static.
		ccshim = Successful(gexec.BuildWithEnvironment(
			"github.com/wirecert/wirecert/reference/ccproxy/cmd/ccshim", []string{"CGO_ENABLED=0"}))
		DeferCleanup(gexec.CleanupBuildArtifacts)
	})

	BeforeEach(checkClientLeaks)

	start := func(stdin []byte, args ...string) *gexec.Session {
		GinkgoHelper()
		cmd := exec.Command(ccshim, args...)
		if stdin != nil {
			cmd.Stdin = bytes.NewReader(stdin)
		}
		s := Successful(gexec.Start(cmd, GinkgoWriter, GinkgoWriter))
		DeferCleanup(func() { s.Kill().Wait() })
		return s
	}

	It("runs a session and exits with the process's exit code (CCP-C-06, -07, -09)", func() {
		stdin, stdout, stderr := patterned(25000), patterned(50000), []byte("warning\n")
		fake := startFakeProxy(shimSession(stdin, stdout, stderr, 42))
		s := start(stdin, "--proxy", fake.Path, "--token", "tok")
		Eventually(s).WithTimeout(2 * fakeProxyDeadline).Should(gexec.Exit(42))
		Expect(s.Out.Contents()).To(Equal(stdout))
		Expect(s.Err.Contents()).To(Equal(stderr))
		fake.Wait()
	})

	It("exits non-zero with a message on an error response to ConnectShim (CCP-C-05)", func() {
		fake := startFakeProxy(func(p *proxyPeer) {
			p.Expect(api.TypeCommand, api.CmdConnectShim)
			Expect(p.W.WriteError(api.CmdConnectShim, "unknown token")).To(Succeed())
			p.ExpectClosed()
		})
		s := start(nil, "--proxy", fake.Path, "--token", "tok")
		Eventually(s).WithTimeout(2 * fakeProxyDeadline).Should(gexec.Exit(1))
		Expect(s.Err).To(gbytes.Say("ccshim: ConnectShim: cc-proxy: ConnectShim failed: unknown token"))
		fake.Wait()
	})

	It("forwards SIGTERM and exits with the code the proxy reports (CCP-C-08)", func() {
		connected := make(chan struct{})
		fake := startFakeProxy(func(p *proxyPeer) {
			p.Expect(api.TypeCommand, api.CmdConnectShim)
			p.Respond(api.CmdConnectShim, "")
			close(connected)
			var stdin [][]byte
			f := nextCommand(p, &stdin)
			Expect(f.Header.Opcode).To(Equal(api.CmdSignal))
			Expect(f.Payload).To(MatchJSON(`{"signalNumber":15}`))
			p.Respond(api.CmdSignal, "")
			awaitStdinEOF(p, &stdin)
			p.Send(api.TypeNotification, api.NotificationProcessExited, []byte{143})
			p.ExpectClosed()
		})
		s := start(nil, "--proxy", fake.Path, "--token", "tok")
		Eventually(connected).WithTimeout(fakeProxyDeadline).Should(BeClosed())
		s.Signal(syscall.SIGTERM)
		Eventually(s).WithTimeout(2 * fakeProxyDeadline).Should(gexec.Exit(143))
		fake.Wait()
	})

	DescribeTable("exits 1 with a message when it cannot run",
		func(args []string, msg string) {
			s := start(nil, args...)
			Eventually(s).WithTimeout(2 * fakeProxyDeadline).Should(gexec.Exit(1))
			Expect(s.Err).To(gbytes.Say(msg))
		},
		Entry("no proxy there", []string{"--proxy", "/nonexistent/proxy.sock", "--token", "tok"}, `dialing cc-proxy at "/nonexistent/proxy.sock"`),
		Entry("no token", []string{"--proxy", "/p.sock"}, "usage: ccshim --proxy SOCKET --token TOKEN"),
		Entry("stray argument", []string{"--proxy", "/p.sock", "--token", "tok", "x"}, "usage"),
	)
})
