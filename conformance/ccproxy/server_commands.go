package ccproxy

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/matchers"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// commandSpecs: what gets an answer and what does not (CCP-S-09, -11), and
// error responses (CCP-S-12).
func (s *serverSuite) commandSpecs() {
	DescribeTable("does not answer frames that are not commands (it may close the connection)",
		func(ctx SpecContext, b []byte) {
			c := s.env.dial("client")
			c.sendBytes(b)
			c.expectNoAnswer("a client's " + describeBytes(b) + " gets no answer")
			s.env.expectServing()
		},
		s.silent("response", "a response", frameBytes(api.TypeResponse, api.CmdAttachVM, `{"io":{"URL":"unix:///x","tokens":[]}}`)),
		s.silent("empty-response", "an empty response", frameBytes(api.TypeResponse, api.CmdUnregisterVM, "")),
		s.silent("error-response", "an error response", cat(hx("00 02 03 00 00 00 11 02 00 00 00 0f"), `{"msg":"error"}`)),
		s.silent("process-exited", "a ProcessExited notification", frameBytes(api.TypeNotification, api.NotificationProcessExited, "\x00")),
		s.silent("stdout", "a stdout stream", frameBytes(api.TypeStream, api.StreamStdout, "out\n")),
		s.silent("stderr", "a stderr stream", frameBytes(api.TypeStream, api.StreamStderr, "err\n")),
		s.silent("empty-stdout", "an empty stdout stream", frameBytes(api.TypeStream, api.StreamStdout, "")),
		s.silent("e-flagged-process-exited", "an E-flagged ProcessExited notification", cat(hx("00 02 03 00 00 00 13 00 00 00 00 01"), "\x00")),
		s.silent("stdin-from-non-shim", "stdin on a connection that is no shim", frameBytes(api.TypeStream, api.StreamStdin, "in\n")),
		s.silent("invalid-log-entry", "an invalid log entry", frameBytes(api.TypeStream, api.StreamLog, `{"source":"nobody","level":"loud"}`)),
	)

	s.it("CCP-S-09/shim-frames-unanswered", requirement.Must, "a shim's stdout, stderr, response and notification frames get no answer (the proxy may close the shim)", func(ctx SpecContext) {
		p := s.env.startProcess(ctx, false)
		p.shim.sendBytes(cat(
			frameBytes(api.TypeStream, api.StreamStdout, "out"),
			frameBytes(api.TypeStream, api.StreamStderr, "err"),
			frameBytes(api.TypeResponse, api.CmdSignal, ""),
			frameBytes(api.TypeNotification, api.NotificationProcessExited, "\x01"),
		))
		if p.shim.expectNoAnswer("frames a proxy sends, coming from a shim") {
			p.shim.ok(api.CmdSignal, api.Signal{SignalNumber: 28, Rows: 24, Columns: 80})
		}
	})

	// Commands of every opcode in one write, each failing without side
	// effects; the responses come one each, in order, with the opcodes.
	cmds := []struct {
		op      uint8
		payload string
	}{
		{api.CmdAttachVM, unknownVMPayload},
		{api.CmdUnregisterVM, unknownVMPayload},
		{api.CmdRegisterVM, `{"containerId":"no-such-vm"}`},
		{api.CmdHyper, `{"hyperName":"ping","tokens":[]}`},
		{api.CmdConnectShim, `{"token":"no-such-token"}`},
		{api.CmdSignal, `{"signalNumber":15}`},
		{api.CmdDisconnectShim, `{}`},
		{api.CmdAttachVM, `{}`},
	}
	var pipelined []byte
	for _, c := range cmds {
		pipelined = append(pipelined, frameBytes(api.TypeCommand, c.op, c.payload)...)
	}
	s.it("CCP-S-11/failing-commands-pipelined", requirement.Must, fmt.Sprintf("%d failing commands of every opcode in one write (DisconnectShim from a non-shim included): %s", len(cmds), showBytes(pipelined)), func(ctx SpecContext) {
		c := s.env.dial("client")
		c.sendBytes(pipelined)
		for i, cmd := range cmds {
			f := c.next()
			Expect(f.Header.Type).To(Equal(api.TypeResponse), "frame %d: expected the response to %s, got %s", i, api.OpcodeName(api.TypeCommand, cmd.op), f)
			Expect(f.Header.Opcode).To(Equal(cmd.op), "frame %d: expected the response to %s (in order, same opcode), got %s", i, api.OpcodeName(api.TypeCommand, cmd.op), f)
			c.expectFailure(f)
		}
		c.expectSilent("one response per command")
	})

	s.it("CCP-S-11/successful-commands-pipelined", requirement.Must, "successful commands, pipelined: RegisterVM, Hyper ping, AttachVM, UnregisterVM", func(ctx SpecContext) {
		env := s.env
		agent := env.newAgent()
		id := uniqueID("vm")
		reg, err := api.MarshalPayload(registerVMPayload(id, agent, 1))
		Expect(err).NotTo(HaveOccurred())
		c := env.dial("runtime")
		c.sendBytes(cat(
			frameBytes(api.TypeCommand, api.CmdRegisterVM, string(reg)),
			frameBytes(api.TypeCommand, api.CmdHyper, `{"hyperName":"ping","tokens":[]}`),
			frameBytes(api.TypeCommand, api.CmdAttachVM, fmt.Sprintf(`{"containerId":%q}`, id)),
			frameBytes(api.TypeCommand, api.CmdUnregisterVM, fmt.Sprintf(`{"containerId":%q}`, id)),
		))
		for _, op := range []uint8{api.CmdRegisterVM, api.CmdHyper, api.CmdAttachVM, api.CmdUnregisterVM} {
			f := c.response(op)
			Expect(f.Header.Error).To(BeFalse(), "%s should succeed: %s", api.OpcodeName(api.TypeCommand, op), f)
		}
		// A per-pod proxy goes with its VM after the UnregisterVM.
		c.expectNoAnswer("one response per command")
	})

	s.it("CCP-S-11/three-connections-interleaved", requirement.Must, "three connections interleaving commands: each gets exactly its own responses, in its order", func(ctx SpecContext) {
		env := s.env
		agent := env.newAgent()
		id, _ := env.registerVM(env.dial("runtime"), agent, 0)
		conns := []*serverConn{env.dial("connection 1"), env.dial("connection 2"), env.dial("connection 3")}
		// Round by round, every connection sends before any reads: each
		// AttachVM asks for as many tokens as its connection's number, so
		// a response shows whose it is; an AttachVM of an unknown id fails.
		for round := range 2 {
			for i, c := range conns {
				c.send(api.TypeCommand, api.CmdAttachVM, api.AttachVM{ContainerID: id, NumIOStreams: i + 1})
				c.send(api.TypeCommand, api.CmdAttachVM, api.AttachVM{ContainerID: uniqueID("unknown")})
			}
			for i, c := range conns {
				var att api.AttachVMResponse
				f := c.response(api.CmdAttachVM)
				Expect(f).NotTo(matchers.HaveErrorFlag(), "round %d, %s: the first response is to its AttachVM of the VM", round, c.name)
				Expect(api.UnmarshalPayload(f.Payload, &att)).To(Succeed())
				Expect(att.IO.Tokens).To(HaveLen(i+1), "round %d, %s asked for %d tokens: a response with %d belongs to another connection", round, c.name, i+1, len(att.IO.Tokens))
				c.expectFailure(c.response(api.CmdAttachVM))
			}
		}
		for _, c := range conns {
			c.expectSilent("one response per command")
		}
	})

	DescribeTable("answers a bad JSON payload with an error and keeps the connection",
		func(ctx SpecContext, op uint8, payload string) {
			c := s.env.dial("client")
			c.sendBytes(frameBytes(api.TypeCommand, op, payload))
			msg := c.expectFailure(c.response(op))
			Expect(msg).NotTo(BeEmpty())
			c.fail(api.CmdAttachVM, api.AttachVM{ContainerID: uniqueID("unknown")})
		},
		s.badJSON("attachvm-truncated", api.CmdAttachVM, `{"containerId":`),
		s.badJSON("attachvm-not-json", api.CmdAttachVM, `not json`),
		s.badJSON("attachvm-empty", api.CmdAttachVM, ``),
		s.badJSON("attachvm-array", api.CmdAttachVM, `[]`),
		s.badJSON("attachvm-id-number", api.CmdAttachVM, `{"containerId":5}`),
		s.badJSON("registervm-serial-number", api.CmdRegisterVM, `{"containerId":"x","ctlSerial":7}`),
		s.badJSON("hyper-tokens-string", api.CmdHyper, `{"hyperName":"ping","tokens":"t"}`),
		s.badJSON("connectshim-truncated", api.CmdConnectShim, `{"token":`),
		s.badJSON("signal-number-string", api.CmdSignal, `{"signalNumber":"9"}`),
		s.badJSON("unregistervm-not-utf8", api.CmdUnregisterVM, "\xff\xfe"),
	)
}

// silent is the entry CCP-S-09/slug of the no-answer table.
func (s *serverSuite) silent(slug, what string, b []byte) TableEntry {
	return s.entry("CCP-S-09/"+slug, requirement.Must, fmt.Sprintf("%s %s", what, showBytes(b)), b)
}

// badJSON is the entry CCP-S-12/slug of the bad-JSON table.
func (s *serverSuite) badJSON(slug string, op uint8, payload string) TableEntry {
	b := frameBytes(api.TypeCommand, op, payload)
	return s.entry("CCP-S-12/"+slug, requirement.Must, fmt.Sprintf("%s with payload %q %s", api.OpcodeName(api.TypeCommand, op), payload, showBytes(b)), op, payload)
}
