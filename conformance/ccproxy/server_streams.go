package ccproxy

import (
	"bytes"
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/matchers"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
	"github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
)

// allBytes holds every byte value once, so binary data is routed
// byte-exact, NUL and 0xff included.
var allBytes = func() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}()

// pattern is n bytes of a pattern no chunking can shift unnoticed.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

// streamSpecs: stdin, stdout, stderr, ProcessExited and log routing
// (CCP-S-31..36).
func (s *serverSuite) streamSpecs() {
	s.it("CCP-S-31/stdin-before-connectshim", requirement.Must, "stdin from connections that did not (successfully) ConnectShim reaches no agent", func(ctx SpecContext) {
		env := s.env
		p := env.startProcess(ctx, false)
		stranger := env.dial("connection without ConnectShim")
		stranger.send(api.TypeStream, api.StreamStdin, []byte("sneaky"))
		refused := env.dial("connection whose ConnectShim failed")
		refused.fail(api.CmdConnectShim, api.ConnectShim{Token: unknownToken})
		refused.send(api.TypeStream, api.StreamStdin, []byte("refused"))
		p.runtime.send(api.TypeStream, api.StreamStdin, []byte("runtime"))
		// Each connection's barrier shows the proxy is done with its stdin
		// (or closed it: no shim's stdin is never accepted); stdin it
		// forwarded would reach the agent before the shim's below.
		for _, c := range []*serverConn{stranger, refused, p.runtime} {
			c.expectNoAnswer("stdin on a connection that is no shim")
		}
		p.shim.send(api.TypeStream, api.StreamStdin, []byte("real"))
		p.shim.send(api.TypeStream, api.StreamStdin, nil)
		got, err := p.agent.WaitStdinEOF(env.stepCtx(ctx), p.stdio)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(got)).To(Equal("real"), "the agent's stdin on seq %d holds only the shim's data", p.stdio)
		Expect(p.agent.IOReceived()).To(HaveEach(HaveField("Seq", p.stdio)), "stdin only on the process's stdio seq")
	})

	s.it("CCP-S-32/stdin-in-order-and-eof", requirement.Must, "stdin chunks reach the agent byte-exact and in order on the stdio seq; a zero-length stdin frame is one empty io frame (EOF)", func(ctx SpecContext) {
		env := s.env
		p := env.startProcess(ctx, false)
		chunks := [][]byte{[]byte("hello "), allBytes, {0, 0}, pattern(5000), []byte("\n")}
		var want []byte
		for _, c := range chunks {
			p.shim.send(api.TypeStream, api.StreamStdin, c)
			want = append(want, c...)
		}
		p.shim.send(api.TypeStream, api.StreamStdin, nil)
		got, err := p.agent.WaitStdinEOF(env.stepCtx(ctx), p.stdio)
		Expect(err).NotTo(HaveOccurred())
		expectSameBytes(got, want, "stdin at the agent")
		frames := p.agent.IOReceived()
		Expect(frames).To(HaveEach(HaveField("Seq", p.stdio)), "stdin only on the process's stdio seq %d", p.stdio)
		Expect(frames[len(frames)-1].Data).To(BeEmpty(), "the EOF is the last io frame")
		empty := 0
		for _, f := range frames {
			if len(f.Data) == 0 {
				empty++
			}
		}
		Expect(empty).To(Equal(1), "exactly one empty io frame: the EOF (no empty data frames otherwise)")
		Expect(p.agent.ReadErrors()).To(BeEmpty())
	})

	s.it("CCP-S-33/large-stdin-split", requirement.Must, fmt.Sprintf("stdin frames of 10229 and 30000 bytes reach the agent split into io frames of at most %d data bytes, and the shim stays connected", hyperstart.IOMaxData), func(ctx SpecContext) {
		env := s.env
		p := env.startProcess(ctx, false)
		first, second := pattern(10229), bytes.Repeat([]byte("0123456789"), 3000)
		p.shim.send(api.TypeStream, api.StreamStdin, first)
		p.shim.send(api.TypeStream, api.StreamStdin, second)
		p.shim.send(api.TypeStream, api.StreamStdin, nil)
		got, err := p.agent.WaitStdinEOF(env.stepCtx(ctx), p.stdio)
		Expect(err).NotTo(HaveOccurred(), "the agent's read errors: %v", p.agent.ReadErrors())
		expectSameBytes(got, append(first, second...), fmt.Sprintf("stdin at the agent (the agent's read errors: %v)", p.agent.ReadErrors()))
		frames := p.agent.IOReceived()
		Expect(len(frames)).To(BeNumerically(">=", 2+3+1), "10229 bytes need 2 frames, 30000 bytes 3, plus the EOF")
		for _, f := range frames {
			Expect(len(f.Data)).To(BeNumerically("<=", hyperstart.IOMaxData), "an io frame is at most %d bytes in all", hyperstart.IOMaxFrame)
		}
		Expect(p.agent.ReadErrors()).To(BeEmpty())
		p.shim.ok(api.CmdSignal, api.Signal{SignalNumber: 28, Rows: 24, Columns: 80})
	})

	s.it("CCP-S-34/stdout-and-stderr", requirement.Must, "agent output on the stdio and stderr seqs reaches the shim byte-exact as stdout and stderr", func(ctx SpecContext) {
		p := s.env.startProcess(ctx, false)
		outs := [][]byte{[]byte("line 1\n"), allBytes, pattern(hyperstart.IOMaxData), {0}}
		errs := [][]byte{[]byte("warning\n"), allBytes[128:], pattern(3000)}
		var wantOut, wantErr []byte
		for i := range max(len(outs), len(errs)) {
			if i < len(outs) {
				Expect(p.agent.SendIO(p.stdio, outs[i])).To(Succeed())
				wantOut = append(wantOut, outs[i]...)
			}
			if i < len(errs) {
				Expect(p.agent.SendIO(p.stderr, errs[i])).To(Succeed())
				wantErr = append(wantErr, errs[i]...)
			}
		}
		other := map[uint8][]byte{}
		gotOut := readStream(p.shim, api.StreamStdout, len(wantOut), other)
		gotErr := append(other[api.StreamStderr], readStream(p.shim, api.StreamStderr, len(wantErr)-len(other[api.StreamStderr]), nil)...)
		expectSameBytes(gotOut, wantOut, "stdout at the shim")
		expectSameBytes(gotErr, wantErr, "stderr at the shim")
		for op := range other {
			Expect(op).To(Equal(api.StreamStderr), "only stdout and stderr streams reach the shim")
		}
		p.shim.expectQuiet("all output delivered: more would come from the agent's side")
	})

	s.it("CCP-S-34/terminal-output", requirement.Must, "a terminal process's output on its stdio seq reaches the shim as stdout", func(ctx SpecContext) {
		p := s.env.startProcess(ctx, true)
		Expect(p.stderr).To(BeZero(), "a terminal process has no stderr seq")
		Expect(p.agent.SendIO(p.stdio, []byte("\x1b[1mtty\r\n"))).To(Succeed())
		Expect(readStream(p.shim, api.StreamStdout, len("\x1b[1mtty\r\n"), nil)).To(Equal([]byte("\x1b[1mtty\r\n")))
	})

	s.it("CCP-S-35/exit-after-output", requirement.Must, "output, then EOF and the exit code on the stdio seq: stdout first, then exactly one ProcessExited with the code", func(ctx SpecContext) {
		p := s.env.startProcess(ctx, false)
		Expect(p.agent.SendIO(p.stdio, []byte("bye\n"))).To(Succeed())
		Expect(p.agent.SendIO(p.stdio, []byte{5})).To(Succeed())
		Expect(p.agent.Exit(p.stdio, 42)).To(Succeed())
		Expect(readStream(p.shim, api.StreamStdout, 5, nil)).To(Equal([]byte("bye\n\x05")), "a 1-byte packet before EOF is stdout, not an exit code")
		expectExited(p.shim, 42)
		p.shim.expectQuiet("exactly one ProcessExited: a second would come from the agent's side")
	})

	s.it("CCP-S-35/stderr-eof-is-no-exit", requirement.Must, "EOF on the stderr seq, even followed by one byte, is no exit; the exit comes with EOF on the stdio seq", func(ctx SpecContext) {
		p := s.env.startProcess(ctx, false)
		Expect(p.agent.SendIO(p.stderr, nil)).To(Succeed())
		Expect(p.agent.SendIO(p.stderr, []byte{9})).To(Succeed())
		// The byte after stderr's EOF may be dropped or passed on as
		// stderr; it must not be taken for an exit code.
		f, err := p.shim.peer.ReadFrameStrict(shortWindow)
		if err == nil {
			expectEmitted(f)
			Expect(f).NotTo(matchers.HaveFrameType(api.TypeNotification), "EOF on the stderr seq %d produced %s", p.stderr, f)
			Expect(f).To(matchers.HaveOpcode(api.StreamStderr), "the byte on the stderr seq")
		}
		Expect(p.agent.SendIO(p.stdio, []byte("more"))).To(Succeed())
		Expect(readStream(p.shim, api.StreamStdout, 4, nil)).To(Equal([]byte("more")), "the process still runs")
		Expect(p.agent.Exit(p.stdio, 0)).To(Succeed())
		expectExited(p.shim, 0)
		p.shim.expectQuiet("exactly one ProcessExited: a second would come from the agent's side")
	})

	DescribeTable("a log entry produces no frame",
		func(ctx SpecContext, payload string) {
			env := s.env
			p := env.startProcess(ctx, false)
			for _, c := range []*serverConn{p.runtime, p.shim, env.dial("client")} {
				c.send(api.TypeStream, api.StreamLog, []byte(payload))
				c.expectSilent("a log entry")
			}
			// Each connection still answers its next command first.
			p.runtime.ok(api.CmdHyper, hyperPayload("ping", nil, nil))
			p.shim.ok(api.CmdSignal, api.Signal{SignalNumber: 28, Rows: 24, Columns: 80})
		},
		s.entry("CCP-S-36/shim-info", requirement.Must, `shim info with containerId`, `{"source":"shim","containerId":"c","level":"info","msg":"hello"}`),
		s.entry("CCP-S-36/runtime-debug", requirement.Must, `runtime debug`, `{"source":"runtime","level":"debug","msg":"starting"}`),
		s.entry("CCP-S-36/shim-warn", requirement.Must, `shim warn`, `{"source":"shim","level":"warn","msg":"reading stdin: EOF"}`),
		s.entry("CCP-S-36/runtime-error-long", requirement.Must, `runtime error, long msg`, fmt.Sprintf(`{"source":"runtime","level":"error","msg":%q}`, bytes.Repeat([]byte("x"), 4000))),
	)
}

// expectExited reads the next frame and expects ProcessExited with code.
func expectExited(c *serverConn, code byte) {
	GinkgoHelper()
	f := c.next()
	Expect(f).To(matchers.HaveFrameType(api.TypeNotification), "expected ProcessExited")
	Expect(f).To(matchers.HaveOpcode(api.NotificationProcessExited))
	Expect(f.Payload).To(Equal([]byte{code}), "ProcessExited is exactly one raw byte, the exit code")
}
