package variantshim_test

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/creack/pty"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
	"github.com/thediveo/fdooze"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/conformance/ccproxy"
	"github.com/wirecert/wirecert/fakes/fakeproxy"
	"github.com/wirecert/wirecert/fakes/variantshim"
	refccproxy "github.com/wirecert/wirecert/reference/ccproxy"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// leakChecked makes the current spec prove that the shim and the fake
// proxy leave no goroutines and no fds behind.
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

// target runs the variant called name in-process; its window size is the
// session's.
func target(name string) ccproxy.ClientTarget {
	v := Successful(variantshim.Lookup(name))
	return ccproxy.ClientTarget{
		Name: "variantshim " + name + " (in-process)",
		Shim: func(ctx context.Context, run ccproxy.ShimRun) (int, error) {
			cfg := refccproxy.ShimConfig{ProxyPath: run.Socket, Token: run.Token,
				Stdin: run.Stdin, Stdout: run.Stdout, Stderr: run.Stderr, Signals: run.Signals}
			if ws := run.WindowSize; ws != nil {
				cfg.WindowSize = func() (int, int, bool) {
					rows, cols := ws()
					return rows, cols, rows > 0 && cols > 0
				}
			}
			return variantshim.Run(ctx, cfg, v)
		},
	}
}

// session is one variant shim run in-process against a fake proxy.
type session struct {
	proxy   *fakeproxy.Proxy
	stdin   *os.File // write end
	signals chan os.Signal
	done    chan struct{}
	code    int
	err     error
}

// startSession runs the variant called name with stdin from a pipe the
// spec writes and the window size ws (nil: no terminal).
func startSession(ctx context.Context, name string, ws func() (int, int, bool)) *session {
	proxy := Successful(fakeproxy.Start(fakeproxy.WithIdleTimeout(10 * time.Second)))
	DeferCleanup(proxy.Close)
	r, w := Successful2R(os.Pipe())
	DeferCleanup(r.Close)
	DeferCleanup(func() { _ = w.Close() }) // the spec may have closed it
	s := &session{proxy: proxy, stdin: w, signals: make(chan os.Signal, 1), done: make(chan struct{})}
	v := Successful(variantshim.Lookup(name))
	go func() {
		defer GinkgoRecover()
		defer close(s.done)
		s.code, s.err = variantshim.Run(ctx, refccproxy.ShimConfig{ProxyPath: proxy.Path(), Token: "t",
			Stdin: r, Signals: s.signals, WindowSize: ws}, v)
	}()
	Expect(proxy.WaitFrame(ctx, "ConnectShim", isCommand(api.CmdConnectShim))).Error().NotTo(HaveOccurred())
	return s
}

// exit sends ProcessExited(code) and waits for the shim to exit with it
// and close its connection.
func (s *session) exit(ctx context.Context, code uint8) {
	Expect(s.proxy.SendProcessExited(code)).To(Succeed())
	Eventually(s.done).Within(5 * time.Second).Should(BeClosed())
	Expect(s.err).NotTo(HaveOccurred())
	Expect(s.code).To(Equal(int(code)))
	Expect(s.proxy.WaitClientClosed(ctx)).To(Succeed())
}

func isCommand(opcode uint8) func(api.Frame) bool {
	return func(f api.Frame) bool { return f.Header.Type == api.TypeCommand && f.Header.Opcode == opcode }
}

func isStream(opcode uint8) func(api.Frame) bool {
	return func(f api.Frame) bool { return f.Header.Type == api.TypeStream && f.Header.Opcode == opcode }
}

// openTerminal opens a pseudo-terminal pair sized rows x cols.
func openTerminal(rows, cols uint16) (master, slave *os.File) {
	master, slave = Successful2R(pty.Open())
	DeferCleanup(master.Close)
	DeferCleanup(slave.Close)
	Expect(pty.Setsize(master, &pty.Winsize{Rows: rows, Cols: cols})).To(Succeed())
	return master, slave
}

var _ = Describe("variant shims", func() {
	It("names each variant, what it does and the protocol text that allows it", func() {
		Expect(variantshim.Names()).To(ContainElements("winsize-stdin", "winsize-stderr", "log-entries",
			"small-stdin-frames", "winsize-at-start", "split-writes", "combined"))
		for _, n := range variantshim.Names() {
			v := Successful(variantshim.Lookup(n))
			Expect(v.What).NotTo(BeEmpty(), "variant %s", n)
			Expect(v.Allowed).NotTo(BeEmpty(), "variant %s", n)
		}
	})

	It("names the allowed variants for an unknown one", func() {
		_, err := variantshim.Lookup("winsize-stdout")
		Expect(err).To(MatchError(variantshim.ErrUnknownVariant))
		Expect(err).To(MatchError(And(ContainSubstring(`"winsize-stdout"`), ContainSubstring("winsize-stdin"), ContainSubstring("combined"))))
	})

	It("refuses a config without a proxy or a token", func(ctx SpecContext) {
		_, err := variantshim.Run(ctx, refccproxy.ShimConfig{Token: "t"}, variantshim.Variant{})
		Expect(err).To(MatchError(variantshim.ErrConfig))
		_, err = variantshim.Run(ctx, refccproxy.ShimConfig{ProxyPath: "/x.sock"}, variantshim.Variant{})
		Expect(err).To(MatchError(variantshim.ErrConfig))
	})

	Describe("TerminalWindowSize", func() {
		BeforeEach(leakChecked)

		It("asks the descriptors in turn and gives the first terminal's size", func() {
			_, slave := openTerminal(33, 99)
			r, w := Successful2R(os.Pipe())
			DeferCleanup(r.Close)
			DeferCleanup(w.Close)
			rows, cols, ok := variantshim.TerminalWindowSize(int(r.Fd()), int(slave.Fd()))()
			Expect(ok).To(BeTrue())
			Expect([]int{rows, cols}).To(Equal([]int{33, 99}))
			_, _, ok = variantshim.TerminalWindowSize(int(r.Fd()), int(w.Fd()))()
			Expect(ok).To(BeFalse(), "pipes have no window size")
		})
	})

	Describe("sessions", func() {
		BeforeEach(leakChecked)

		It("log-entries: logs {source: shim} after ConnectShim, for a signal and at the exit", func(ctx SpecContext) {
			s := startSession(ctx, "log-entries", nil)
			Expect(s.stdin.Close()).To(Succeed())
			s.signals <- syscall.SIGTERM
			Expect(s.proxy.WaitFrame(ctx, "Signal", isCommand(api.CmdSignal))).Error().NotTo(HaveOccurred())
			s.exit(ctx, 3)
			var msgs []string
			for i, f := range s.proxy.Frames() {
				if !isStream(api.StreamLog)(f) {
					continue
				}
				Expect(i).To(BeNumerically(">", 0), "ConnectShim comes first")
				var e map[string]any
				Expect(json.Unmarshal(f.Payload, &e)).To(Succeed())
				Expect(e).To(HaveKeyWithValue("source", "shim"))
				Expect(e).To(HaveKeyWithValue("level", BeElementOf("debug", "info", "warn", "error")))
				Expect(e).To(HaveKeyWithValue("msg", Not(BeEmpty())))
				msgs = append(msgs, e["msg"].(string))
			}
			Expect(msgs).To(ContainElements("connected to the proxy", "forwarded signal 15", "the process exited with 3"))
		}, SpecTimeout(10*time.Second))

		It("small-stdin-frames: cuts stdin into small frames, verbatim, one EOF frame", func(ctx SpecContext) {
			s := startSession(ctx, "small-stdin-frames", nil)
			in := []byte("0123456789abcdefghijklmnopqrstuvwxyz\x00\xff\r\n")
			Expect(s.stdin.Write(in)).To(Equal(len(in)))
			Expect(s.stdin.Close()).To(Succeed())
			Expect(s.proxy.WaitFrame(ctx, "the EOF frame", func(f api.Frame) bool {
				return isStream(api.StreamStdin)(f) && len(f.Payload) == 0
			})).Error().NotTo(HaveOccurred())
			s.exit(ctx, 0)
			var got []byte
			var sizes []int
			for _, f := range s.proxy.Frames() {
				if isStream(api.StreamStdin)(f) {
					got = append(got, f.Payload...)
					sizes = append(sizes, len(f.Payload))
				}
			}
			Expect(got).To(Equal(in))
			Expect(sizes[len(sizes)-1]).To(BeZero(), "the EOF frame comes last")
			Expect(sizes[:len(sizes)-1]).To(HaveEach(BeNumerically("<=", 13)))
			Expect(sizes).To(ContainElement(1))
		}, SpecTimeout(10*time.Second))

		It("winsize-at-start: reports the terminal's size right after ConnectShim", func(ctx SpecContext) {
			s := startSession(ctx, "winsize-at-start", func() (int, int, bool) { return 24, 80, true })
			f := Successful(s.proxy.WaitFrame(ctx, "Signal", isCommand(api.CmdSignal)))
			Expect(f.Payload).To(MatchJSON(`{"signalNumber":28,"rows":24,"columns":80}`))
			s.exit(ctx, 0)
		}, SpecTimeout(10*time.Second))

		It("winsize-at-start: reports nothing without a terminal", func(ctx SpecContext) {
			s := startSession(ctx, "winsize-at-start", nil)
			Expect(s.stdin.Close()).To(Succeed())
			// The EOF frame comes after the report would have.
			Expect(s.proxy.WaitFrame(ctx, "the EOF frame", func(f api.Frame) bool {
				return isStream(api.StreamStdin)(f) && len(f.Payload) == 0
			})).Error().NotTo(HaveOccurred())
			s.exit(ctx, 0)
			Expect(s.proxy.Frames()).NotTo(ContainElement(Satisfy(isCommand(api.CmdSignal))))
		}, SpecTimeout(10*time.Second))
	})

	Describe("split writes", func() {
		BeforeEach(leakChecked)

		It("writes a frame as 5 header bytes, the other 7, the payload", func(ctx SpecContext) {
			// net.Pipe has no buffer: each Read gets one Write's bytes.
			shimEnd, proxyEnd := net.Pipe()
			DeferCleanup(shimEnd.Close)
			DeferCleanup(proxyEnd.Close)
			c := refccproxy.NewClient(variantshim.SplitConn(shimEnd))
			DeferCleanup(c.Close)
			go func() {
				defer GinkgoRecover()
				_ = c.Log(api.LogEntry{Source: "shim", Level: "info", Message: "split"})
			}()
			payload := `{"source":"shim","level":"info","msg":"split"}`
			var reads []int
			var all []byte
			buf := make([]byte, 1024)
			for len(all) < api.HeaderSize+len(payload) {
				Expect(proxyEnd.SetReadDeadline(time.Now().Add(5 * time.Second))).To(Succeed())
				n, err := proxyEnd.Read(buf)
				Expect(err).NotTo(HaveOccurred())
				reads = append(reads, n)
				all = append(all, buf[:n]...)
			}
			Expect(reads).To(Equal([]int{5, 7, len(payload)}))
			Expect(string(all[api.HeaderSize:])).To(Equal(payload))
		}, SpecTimeout(10*time.Second))
	})

	// The whole client suite in-process, every variant: the allowances
	// that need no shim binary (the window size comes from the session).
	for _, name := range variantshim.Names() {
		Describe("as "+name, func() {
			BeforeEach(leakChecked)
			ccproxy.ClientSpecs(target(name))
		})
	}
})
