package ccproxy

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/conformance/serving"
	"github.com/wirecert/wirecert/fakes/framepeer"
	"github.com/wirecert/wirecert/matchers"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
	"github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
)

// headerSpecs: what the proxy emits (CCP-S-01, -02) and how it treats
// hostile or unusual headers it receives (CCP-S-04..08).
func (s *serverSuite) headerSpecs() {
	s.it("CCP-S-01/raw-session-frames", requirement.Must, "every frame of a whole session, read as raw bytes", func(ctx SpecContext) {
		p := s.env.startProcess(ctx, false)
		// Events whose frames are read raw: the exact payload proves the
		// exact PayloadLength, and a header read at the right offset after
		// it proves no byte too many.
		p.runtime.send(api.TypeCommand, api.CmdAttachVM, api.AttachVM{ContainerID: uniqueID("unknown")})
		h, payload := readRawFrame(p.runtime)
		Expect(h.Type).To(Equal(api.TypeResponse))
		Expect(h.Error).To(BeTrue(), "AttachVM of an unknown id: error response")
		Expect(payload).To(ContainSubstring(`"msg"`))

		p.runtime.send(api.TypeCommand, api.CmdAttachVM, api.AttachVM{ContainerID: p.vmID})
		h, payload = readRawFrame(p.runtime)
		Expect(h.Error).To(BeFalse(), "AttachVM of a registered VM: success, payload %q", payload)
		Expect(payload).To(ContainSubstring(`"io"`))

		out := bytes.Repeat([]byte("0123456789abcdef"), 300) // 4800 bytes
		Expect(p.agent.SendIO(p.stdio, out)).To(Succeed())
		Expect(readRawStream(p.shim, api.StreamStdout, len(out))).To(Equal(out))
		Expect(p.agent.SendIO(p.stderr, []byte("e"))).To(Succeed())
		Expect(readRawStream(p.shim, api.StreamStderr, 1)).To(Equal([]byte("e")))
		Expect(p.agent.Exit(p.stdio, 7)).To(Succeed())
		h, payload = readRawFrame(p.shim)
		Expect(h.Type).To(Equal(api.TypeNotification))
		Expect(payload).To(Equal([]byte{7}), "ProcessExited carries exactly one raw byte")

		p.runtime.send(api.TypeCommand, api.CmdUnregisterVM, api.UnregisterVM{ContainerID: p.vmID})
		h, payload = readRawFrame(p.runtime)
		Expect(h.Error).To(BeFalse(), "UnregisterVM: success, payload %q", payload)
		Expect(payload).To(BeEmpty(), "UnregisterVM answers an empty payload")
		// A per-pod proxy may go with its VM; a byte would be one too many.
		p.runtime.expectNoAnswer("no byte after the last frame's PayloadLength")
	})

	s.it("CCP-S-02/error-flag-on-errors-only", requirement.Must, "error responses carry E, success responses, streams and notifications do not", func(ctx SpecContext) {
		p := s.env.startProcess(ctx, false)
		for _, f := range []api.Frame{
			p.runtime.command(api.CmdAttachVM, api.AttachVM{ContainerID: uniqueID("unknown")}),
			p.runtime.command(api.CmdAttachVM, []byte(`{"containerId":`)),
			p.runtime.command(api.CmdHyper, hyperPayload("no-such-hyper-command", nil, nil)),
			s.env.dial("second shim").command(api.CmdConnectShim, api.ConnectShim{Token: p.token}),
		} {
			Expect(f).To(matchers.HaveErrorFlag(), "an error response must carry E")
			expectErrorPayload(f)
		}
		Expect(p.runtime.command(api.CmdHyper, hyperPayload("ping", nil, nil))).NotTo(matchers.HaveErrorFlag(), "a success response must not carry E")
		Expect(p.agent.SendIO(p.stdio, []byte("out"))).To(Succeed())
		Expect(p.agent.SendIO(p.stderr, []byte("err"))).To(Succeed())
		Expect(p.agent.Exit(p.stdio, 0)).To(Succeed())
		for range 3 {
			f := p.shim.next()
			Expect(f.Header.Type).To(BeElementOf(api.TypeStream, api.TypeNotification), "shim frame %s", f)
			Expect(f).NotTo(matchers.HaveErrorFlag(), "E only on responses")
		}
		Expect(p.runtime.command(api.CmdUnregisterVM, api.UnregisterVM{ContainerID: p.vmID})).NotTo(matchers.HaveErrorFlag())
	})

	// A hostile header ends that connection only: nothing is answered, the
	// proxy lives on, a connection opened before keeps working and a new one
	// is served.
	DescribeTable("closes the connection on a hostile header, and serves the others",
		func(ctx SpecContext, b []byte) {
			env := s.env
			bystander := env.dial("bystander connection")
			bystander.fail(api.CmdAttachVM, api.AttachVM{ContainerID: uniqueID("unknown")})
			c := env.dial("hostile connection")
			c.sendBytes(b)
			c.expectClosed("sent " + describeBytes(b))
			env.expectAlive()
			bystander.fail(api.CmdAttachVM, api.AttachVM{ContainerID: uniqueID("unknown")})
			env.expectServing()
		},
		s.closes("CCP-S-05/header-length-0", requirement.Must, "HeaderLength 0", hx("00 02 00 00 00 00 00 02 00 00 00 1c"), unknownVMPayload),
		s.closes("CCP-S-05/header-length-1", requirement.Must, "HeaderLength 1", hx("00 02 01 00 00 00 00 02 00 00 00 1c"), unknownVMPayload),
		s.closes("CCP-S-05/header-length-2", requirement.Must, "HeaderLength 2", hx("00 02 02 00 00 00 00 02 00 00 00 1c"), unknownVMPayload),
		s.closes("CCP-S-05/header-length-2-no-payload", requirement.Must, "HeaderLength 2, no payload", hx("00 02 02 00 00 00 00 02 00 00 00 00"), ""),
		s.closes("CCP-S-06/version-0", requirement.Must, "Version 0", hx("00 00 03 00 00 00 00 02 00 00 00 1c"), unknownVMPayload),
		s.closes("CCP-S-06/version-1", requirement.Must, "Version 1", hx("00 01 03 00 00 00 00 02 00 00 00 1c"), unknownVMPayload),
		s.closes("CCP-S-06/version-3", requirement.Must, "Version 3", hx("00 03 03 00 00 00 00 02 00 00 00 1c"), unknownVMPayload),
		s.closes("CCP-S-06/version-ffff", requirement.Must, "Version 0xFFFF", hx("ff ff 03 00 00 00 00 02 00 00 00 1c"), unknownVMPayload),
		s.closes("CCP-S-06/type-4", requirement.Must, "Type 4", hx("00 02 03 00 00 00 04 02 00 00 00 1c"), unknownVMPayload),
		s.closes("CCP-S-06/type-5", requirement.Must, "Type 5", hx("00 02 03 00 00 00 05 02 00 00 00 1c"), unknownVMPayload),
		s.closes("CCP-S-06/type-15", requirement.Must, "Type 15", hx("00 02 03 00 00 00 0f 02 00 00 00 1c"), unknownVMPayload),
		s.closes("CCP-S-06/command-opcode-7", requirement.Must, "command opcode 7", hx("00 02 03 00 00 00 00 07 00 00 00 1c"), unknownVMPayload),
		s.closes("CCP-S-06/command-opcode-255", requirement.Must, "command opcode 255", hx("00 02 03 00 00 00 00 ff 00 00 00 1c"), unknownVMPayload),
		s.closes("CCP-S-06/stream-opcode-4", requirement.Must, "stream opcode 4", hx("00 02 03 00 00 00 02 04 00 00 00 05"), "hello"),
		s.closes("CCP-S-06/notification-opcode-1", requirement.Must, "notification opcode 1", hx("00 02 03 00 00 00 03 01 00 00 00 01"), "\x00"),
		s.closes("CCP-S-06/response-opcode-7", requirement.Must, "response opcode 7", hx("00 02 03 00 00 00 01 07 00 00 00 00"), ""),
		s.closes("CCP-S-07/e-on-attachvm-closes", requirement.Should, "E on a command (AttachVM)", hx("00 02 03 00 00 00 10 02 00 00 00 1c"), unknownVMPayload),
		s.closes("CCP-S-07/e-on-registervm-closes", requirement.Should, "E on a command (RegisterVM, no payload)", hx("00 02 03 00 00 00 10 00 00 00 00 00"), ""),
	)

	// E on a frame its sender is entitled to send: a connected shim's stdin,
	// an attached runtime's Hyper. Never forwarded (MUST); the connection
	// SHOULD be closed.
	eStdin := cat(hx("00 02 03 00 00 00 12 00 00 00 00 05"), "hello")
	s.it("CCP-S-07/e-stdin-not-forwarded", requirement.Must, fmt.Sprintf("E on a connected shim's stdin %s: the agent never receives it", showBytes(eStdin)), func(ctx SpecContext) {
		env := s.env
		p := env.startProcess(ctx, false)
		p.shim.sendBytes(eStdin)
		// Stdin after it, from the shim or (when the proxy closed it) a
		// reconnected one, reaches the agent after anything forwarded
		// before: the agent's stdin then shows whether "hello" came.
		shim := p.shim
		if !shim.expectNoAnswer("E-flagged stdin") {
			shim = s.reconnectShim(p.token)
		}
		shim.send(api.TypeStream, api.StreamStdin, []byte("after"))
		shim.send(api.TypeStream, api.StreamStdin, nil)
		got, err := p.agent.WaitStdinEOF(env.stepCtx(ctx), p.stdio)
		Expect(err).NotTo(HaveOccurred(), "the stdin after the E-flagged frame reaches the agent")
		Expect(string(got)).To(Equal("after"), "the agent's stdin: the E-flagged %q must not be forwarded", "hello")
	})
	s.it("CCP-S-07/e-stdin-closes", requirement.Should, fmt.Sprintf("E on a connected shim's stdin %s: the proxy closes the shim's connection without an answer", showBytes(eStdin)), func(ctx SpecContext) {
		p := s.env.startProcess(ctx, false)
		p.shim.sendBytes(eStdin)
		p.shim.expectClosed("E on a non-response")
		s.env.expectServing()
	})
	eHyper := cat(hx("00 02 03 00 00 00 10 03 00 00 00 20"), `{"hyperName":"ping","tokens":[]}`)
	s.it("CCP-S-07/e-hyper-not-forwarded", requirement.Must, fmt.Sprintf("E on an attached runtime's Hyper ping %s: the agent never receives it", showBytes(eHyper)), func(ctx SpecContext) {
		env := s.env
		agent := env.newAgent()
		c := env.dial("runtime")
		id, _ := env.registerVM(c, agent, 0)
		c.sendBytes(eHyper)
		// A version command right after it: the agent's first command
		// shows whether the ping came, its commands being in order.
		// Closing is the SHOULD; refusing with an error response is no
		// forwarding either, and comes before the version's response.
		version, err := api.MarshalPayload(hyperPayload("version", nil, nil))
		Expect(err).NotTo(HaveOccurred())
		var f api.Frame
		// A proxy that already closed (the SHOULD) refuses the write.
		if err = c.sendFrame(api.NewFrame(api.TypeCommand, api.CmdHyper, false, version)); err == nil {
			f, err = c.peer.ReadFrameStrict(c.step)
		}
		if err == nil && f.Header.Error {
			expectEmitted(f)
			Expect(f).To(SatisfyAll(matchers.HaveFrameType(api.TypeResponse), matchers.HaveOpcode(api.CmdHyper)),
				"the only answer an E-flagged Hyper may get is an error response")
			f, err = c.peer.ReadFrameStrict(c.step)
		}
		switch {
		case closedErr(err):
			c = env.dial("second runtime")
			c.ok(api.CmdAttachVM, api.AttachVM{ContainerID: id})
			c.ok(api.CmdHyper, hyperPayload("version", nil, nil))
		case errors.Is(err, framepeer.ErrTimeout):
			requirement.Precondition("CCP-S-11", func() {
				requirement.Fail(fmt.Sprintf("no response to the Hyper version sent after the E-flagged ping within %v", c.step))
			})
		default:
			Expect(err).NotTo(HaveOccurred(), "reading the response to the Hyper version sent after the E-flagged ping")
			expectEmitted(f)
			Expect(f).To(SatisfyAll(matchers.HaveFrameType(api.TypeResponse), matchers.HaveOpcode(api.CmdHyper), Not(matchers.HaveErrorFlag())),
				"the version's success response, after at most an error response to the E-flagged ping")
		}
		Expect(commandsOf(agent)()).To(HaveExactElements(HavePrefix(hyperstart.Version.String()+" ")), "the agent's commands: the E-flagged ping must not be forwarded")
	})

	// Reserved fields are for the future: a receiver ignores them. Extra
	// header words likewise: the payload starts at HeaderLength*4.
	DescribeTable("serves a frame with reserved fields set or a longer header",
		func(ctx SpecContext, b []byte) {
			c := s.env.dial("runtime")
			c.sendBytes(b)
			c.expectFailure(c.response(api.CmdAttachVM))
			// The next frame is read at the right offset only if the payload
			// was taken from HeaderLength*4 with PayloadLength bytes.
			c.fail(api.CmdAttachVM, api.AttachVM{ContainerID: uniqueID("unknown")})
			s.env.expectServing()
		},
		s.served("CCP-S-07/reserved-byte-3", requirement.Must, "reserved byte 3 = 0xff", hx("00 02 03 ff 00 00 00 02 00 00 00 1c"), "", unknownVMPayload),
		s.served("CCP-S-07/reserved-bytes-4-5", requirement.Must, "reserved bytes 4-5 = 0xffff", hx("00 02 03 00 ff ff 00 02 00 00 00 1c"), "", unknownVMPayload),
		s.served("CCP-S-07/reserved-bits-byte-6", requirement.Must, "reserved bits 0xe0 of byte 6", hx("00 02 03 00 00 00 e0 02 00 00 00 1c"), "", unknownVMPayload),
		s.served("CCP-S-07/all-reserved-bits", requirement.Must, "every reserved bit set", hx("00 02 03 ff ff ff e0 02 00 00 00 1c"), "", unknownVMPayload),
		s.served("CCP-S-04/header-length-4", requirement.Must, "HeaderLength 4, extra word de ad be ef", hx("00 02 04 00 00 00 00 02 00 00 00 1c"), string(hx("de ad be ef")), unknownVMPayload),
		s.served("CCP-S-04/header-length-4-json-word", requirement.Must, "HeaderLength 4, extra word looking like JSON", hx("00 02 04 00 00 00 00 02 00 00 00 1c"), `{"x"`, unknownVMPayload),
		s.served("CCP-S-04/header-length-255", requirement.Must, "HeaderLength 255, 1008 extra bytes 0xaa", hx("00 02 ff 00 00 00 00 02 00 00 00 1c"), string(bytes.Repeat([]byte{0xaa}, 255*4-12)), unknownVMPayload),
	)

	s.it("CCP-S-04/extra-word-missing", requirement.Must, fmt.Sprintf("HeaderLength 4 with the extra word missing %s: the frame is not complete, so it is not answered; new connections are served",
		showBytes(cat(hx("00 02 04 00 00 00 00 02 00 00 00 1c"), unknownVMPayload))), func(ctx SpecContext) {
		c := s.env.dial("runtime")
		c.sendBytes(cat(hx("00 02 04 00 00 00 00 02 00 00 00 1c"), unknownVMPayload))
		c.expectQuiet("4 payload bytes are still missing when the payload starts at HeaderLength*4 = 16")
		s.env.expectServing()
	})

	hugeHeaders := []struct {
		slug, what string
		b          []byte
	}{
		{"command", "command AttachVM", hx("00 02 03 00 00 00 00 02 ff ff ff ff")},
		{"stdin", "stdin stream", hx("00 02 03 00 00 00 02 00 ff ff ff ff")},
	}
	for _, h := range hugeHeaders {
		s.it("CCP-S-08/huge-length-"+h.slug+"-lives", requirement.Must, fmt.Sprintf("PayloadLength 0xFFFFFFFF on a %s %s followed by 64 KiB: the proxy lives on and serves other connections", h.what, showBytes(h.b)), func(ctx SpecContext) {
			env := s.env
			bystander := env.dial("bystander connection")
			bystander.fail(api.CmdAttachVM, api.AttachVM{ContainerID: uniqueID("unknown")})
			c := env.dial("hostile connection")
			c.sendBytes(h.b)
			// Judged once the proxy has read the header (or closed the
			// connection): before that, one that crashes on it still looks
			// alive and serving.
			Expect(c.peer.AwaitRead(env.step)).To(Succeed(), "%s: the proxy reads the header %s", c.name, describeBytes(h.b))
			// The proxy may close at once: what it does with the rest is its
			// business, so a failed write is no failure here.
			_ = c.sendRaw(bytes.Repeat([]byte{'x'}, 64<<10))
			env.expectAlive()
			bystander.fail(api.CmdAttachVM, api.AttachVM{ContainerID: uniqueID("unknown")})
			env.expectServing()
		})
		s.it("CCP-S-08/huge-length-"+h.slug+"-refused", requirement.Should, fmt.Sprintf("PayloadLength 0xFFFFFFFF on a %s %s: the proxy refuses it and closes the connection, without waiting for 4 GiB", h.what, showBytes(h.b)), func(ctx SpecContext) {
			c := s.env.dial("hostile connection")
			c.sendBytes(h.b)
			_ = c.sendRaw(bytes.Repeat([]byte{'x'}, 4<<10))
			c.expectClosedAfterFrames("a payload of 4 GiB is above any sane maximum")
			s.env.expectServing()
		})
	}

	s.it("CCP-S-08/huge-length-no-allocation", requirement.Must, fmt.Sprintf("PayloadLength 0xFFFFFFFF on %d connections held open, each followed by 4 KiB: the proxy allocates nothing like 4 GiB per header (its VmSize grows by less than %d MiB, its VmRSS by less than %d MiB) and lives on", hugeHeaderConns, maxHugeVmSizeGrowth>>20, maxHugeRSSGrowth>>20), func(ctx SpecContext) {
		env := s.env
		// a first exchange, so what any connection costs is in the baseline
		bystander := env.dial("bystander connection")
		bystander.fail(api.CmdAttachVM, api.AttachVM{ContainerID: uniqueID("unknown")})
		pid := env.servingPID()
		var before serving.Memory
		if pid != 0 {
			var err error
			before, err = serving.ReadMemory(pid)
			Expect(err).NotTo(HaveOccurred(), "the serving process's memory before the headers")
		}
		sent := 0
		for i := range hugeHeaderConns {
			c := env.dial(fmt.Sprintf("hostile connection %d", i+1))
			h := hugeHeaders[i%len(hugeHeaders)].b
			c.sendBytes(h)
			// the proxy may close at once: a failed write is no failure here
			_ = c.sendRaw(bytes.Repeat([]byte{'x'}, 4<<10))
			sent += len(h) + 4<<10
		}
		if pid == 0 {
			requirement.Limited("no serving process (no PID, or none found through the target's wrapper): its memory was not watched, only that it lives on")
		} else {
			// the connections stay open (closed when the spec ends), so an
			// allocation per header would be live: watch for a while
			peak := before
			for range hugeWatchSamples {
				now, err := serving.ReadMemory(pid)
				Expect(err).NotTo(HaveOccurred(), "the serving process %d's memory after the headers: it must live on", pid)
				peak.VmSize, peak.VmRSS = max(peak.VmSize, now.VmSize), max(peak.VmRSS, now.VmRSS)
				time.Sleep(hugeWatchInterval)
			}
			AddReportEntry("CCP-S-08 memory", fmt.Sprintf("process %d: VmSize %d -> %d KiB, VmRSS %d -> %d KiB, for %d bytes sent", pid, before.VmSize>>10, peak.VmSize>>10, before.VmRSS>>10, peak.VmRSS>>10, sent))
			Expect(peak.VmSize-before.VmSize).To(BeNumerically("<", uint64(maxHugeVmSizeGrowth)),
				"VmSize growth in bytes of the serving process %d after %d bytes of %d headers announcing 4 GiB each: it allocates for the announced length", pid, sent, hugeHeaderConns)
			Expect(peak.VmRSS-before.VmRSS).To(BeNumerically("<", uint64(maxHugeRSSGrowth)),
				"VmRSS growth in bytes of the serving process %d after %d bytes of %d headers announcing 4 GiB each", pid, sent, hugeHeaderConns)
		}
		env.expectAlive()
		bystander.fail(api.CmdAttachVM, api.AttachVM{ContainerID: uniqueID("unknown")})
		env.expectServing()
	})
}

// The CCP-S-08 memory watch: headers announcing 4 GiB on hugeHeaderConns
// connections, the serving process's VmSize and VmRSS sampled
// hugeWatchSamples times. The bounds are far beyond the 16 KiB sent and
// far beyond what a Go runtime reserves for a few goroutines and buffers
// (heap arenas come in 64 MiB), yet far below one 4 GiB allocation.
const (
	hugeHeaderConns     = 4
	hugeWatchSamples    = 10
	hugeWatchInterval   = 30 * time.Millisecond
	maxHugeVmSizeGrowth = 1 << 30
	maxHugeRSSGrowth    = 64 << 20
)

// closes is the entry specID of the hostile-header table.
func (s *serverSuite) closes(specID string, level requirement.Level, what string, header []byte, payload string) TableEntry {
	b := cat(header, payload)
	return s.entry(specID, level, fmt.Sprintf("%s %s: the connection is closed without an answer", what, showBytes(b)), b)
}

// served is the entry specID of the served-header table: header, extra
// header words, payload.
func (s *serverSuite) served(specID string, level requirement.Level, what string, header []byte, extra, payload string) TableEntry {
	b := cat(header, extra, payload)
	return s.entry(specID, level, fmt.Sprintf("%s %s: the AttachVM is answered", what, showBytes(b)), b)
}

// readRawFrame reads one frame as raw bytes, judges the header as an emitted
// one (CCP-S-01: Version 2, HeaderLength 3, zero reserved; CCP-S-02) with
// its hex in any failure, and reads exactly PayloadLength payload bytes.
func readRawFrame(c *serverConn) (api.FrameHeader, []byte) {
	GinkgoHelper()
	head, err := c.peer.ReadRaw(api.HeaderSize, c.step)
	Expect(err).NotTo(HaveOccurred(), "%s: expected a 12-byte frame header within %v", c.name, c.step)
	h := api.ParseHeader(head)
	Expect(h.CheckEmitted()).To(Succeed(), "%s: header [% x] as emitted by the proxy", c.name, head)
	payload, err := c.peer.ReadRaw(int(h.PayloadLength), c.step)
	Expect(err).NotTo(HaveOccurred(), "%s: header [% x] announces %d payload bytes", c.name, head, h.PayloadLength)
	if h.Error {
		expectErrorPayload(api.Frame{Header: h, Payload: payload})
	}
	return h, payload
}

// readRawStream reads raw frames of stream op until n bytes arrived.
func readRawStream(c *serverConn, op uint8, n int) []byte {
	GinkgoHelper()
	var got []byte
	for len(got) < n {
		h, payload := readRawFrame(c)
		Expect(h.Type).To(Equal(api.TypeStream), "%s: expected %s frames, got %s", c.name, api.OpcodeName(api.TypeStream, op), h)
		Expect(h.Opcode).To(Equal(op), "%s: expected %s frames, got %s", c.name, api.OpcodeName(api.TypeStream, op), h)
		got = append(got, payload...)
	}
	return got
}
