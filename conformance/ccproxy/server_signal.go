package ccproxy

import (
	"encoding/json"
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/matchers"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
	"github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
)

// signalSpecs: Signal validation, before and after the process started
// (CCP-S-28..30).
func (s *serverSuite) signalSpecs() {
	DescribeTable("Signal with a bad payload fails and reaches no agent",
		func(ctx SpecContext, payload string) {
			p := s.env.startProcess(ctx, false)
			p.shim.fail(api.CmdSignal, []byte(payload))
			expectNoCommandBeyond(p.runtime, p.agent, 1, "the Signal was invalid")
			p.shim.ok(api.CmdSignal, api.Signal{SignalNumber: 15})
		},
		s.signalEntry("signal-minus-1", false, `{"signalNumber":-1}`),
		s.signalEntry("signal-31", false, `{"signalNumber":31}`),
		s.signalEntry("signal-64", false, `{"signalNumber":64}`),
		s.signalEntry("sigwinch-no-size", false, `{"signalNumber":28}`),
		s.signalEntry("sigwinch-rows-only", false, `{"signalNumber":28,"rows":24}`),
		s.signalEntry("sigwinch-columns-only", false, `{"signalNumber":28,"columns":80}`),
		s.signalEntry("sigterm-with-size", false, `{"signalNumber":15,"rows":24,"columns":80}`),
		s.signalEntry("sigkill-with-columns", false, `{"signalNumber":9,"columns":80}`),
	)

	DescribeTable("Signal at the edges of the valid range succeeds and reaches the agent",
		func(ctx SpecContext, payload string) {
			p := s.env.startProcess(ctx, false)
			p.shim.ok(api.CmdSignal, []byte(payload))
			Eventually(commandsOf(p.agent)).WithTimeout(s.env.step).Should(HaveLen(2), "execcmd, then the signal's command")
		},
		s.signalEntry("signal-0", true, `{"signalNumber":0}`),
		s.signalEntry("signal-30", true, `{"signalNumber":30}`),
		s.signalEntry("sigwinch-1x1", true, `{"signalNumber":28,"rows":1,"columns":1}`),
	)

	DescribeTable("SIGKILL or SIGTERM before the process started: ProcessExited 0, then an empty success response",
		func(ctx SpecContext, signal int) {
			env := s.env
			agent := env.newAgent()
			runtime := env.dial("runtime")
			_, io := env.registerVM(runtime, agent, 1)
			shim := env.connectShim(io.Tokens[0])
			shim.send(api.TypeCommand, api.CmdSignal, api.Signal{SignalNumber: signal})
			f := shim.next()
			Expect(f).To(matchers.HaveFrameType(api.TypeNotification), "expected ProcessExited first")
			Expect(f).To(matchers.HaveOpcode(api.NotificationProcessExited))
			Expect(f.Payload).To(Equal([]byte{0}), "ProcessExited is one raw byte, the exit code 0")
			Expect(shim.response(api.CmdSignal)).To(And(Not(matchers.HaveErrorFlag()), HaveField("Payload", BeEmpty())), "then an empty success response")
			expectNoCommand(runtime, agent, "there is no process to signal")
		},
		s.entry("CCP-S-29/sigkill", requirement.Must, "SIGKILL (9)", 9),
		s.entry("CCP-S-29/sigterm", requirement.Must, "SIGTERM (15)", 15),
	)

	s.it("CCP-S-30/killcontainer-and-winsize", requirement.Must, "signals after start become killcontainer {container, signal, allProcesses:false}, SIGWINCH winsize {seq: stdio, row, column}", func(ctx SpecContext) {
		p := s.env.startProcess(ctx, false)
		p.shim.ok(api.CmdSignal, api.Signal{SignalNumber: 15})
		p.shim.ok(api.CmdSignal, api.Signal{SignalNumber: 28, Rows: 24, Columns: 80})
		p.shim.ok(api.CmdSignal, api.Signal{SignalNumber: 9})
		Eventually(commandsOf(p.agent)).WithTimeout(s.env.step).Should(HaveLen(4))
		cmds := p.agent.Commands()[1:]
		expectAgentJSON(cmds[0].Code, cmds[0].Payload, hyperstart.KillContainer,
			map[string]any{"container": p.container, "signal": 15.0, "allProcesses": false})
		expectAgentJSON(cmds[1].Code, cmds[1].Payload, hyperstart.WinSize,
			map[string]any{"seq": float64(p.stdio), "row": 24.0, "column": 80.0})
		expectAgentJSON(cmds[2].Code, cmds[2].Payload, hyperstart.KillContainer,
			map[string]any{"container": p.container, "signal": 9.0, "allProcesses": false})
	})

	s.it("CCP-S-30/agent-error", requirement.Must, "the agent's ERROR to killcontainer becomes an error response", func(ctx SpecContext) {
		p := s.env.startProcess(ctx, false)
		p.agent.Reply(hyperstart.KillContainer, errorWith("no such process"))
		p.shim.fail(api.CmdSignal, api.Signal{SignalNumber: 15})
		// The precondition: the signal reached the agent as killcontainer.
		s.env.waitCommand(ctx, p.agent, hyperstart.KillContainer)
	})

	s.it("CCP-S-30/execcmd-process", requirement.Must, "a process started by execcmd: SIGTERM and SIGKILL get an error response and reach no agent (killcontainer would hit the container's init); SIGWINCH still becomes winsize {seq: stdio, row, column}", func(ctx SpecContext) {
		p := s.env.startExecProcess(ctx, false)
		p.shim.fail(api.CmdSignal, api.Signal{SignalNumber: 15})
		p.shim.fail(api.CmdSignal, api.Signal{SignalNumber: 9})
		p.shim.ok(api.CmdSignal, api.Signal{SignalNumber: 28, Rows: 30, Columns: 100})
		// The winsize is the next ctl command after execcmd: nothing came
		// for the refused signals, the agent's commands being in order.
		Eventually(commandsOf(p.agent)).WithTimeout(s.env.step).Should(HaveLen(2), "execcmd, then the winsize")
		cmd := p.agent.Commands()[1]
		expectAgentJSON(cmd.Code, cmd.Payload, hyperstart.WinSize, map[string]any{"seq": float64(p.stdio), "row": 30.0, "column": 100.0})
	})
}

// signalEntry is the entry CCP-S-28/slug of a Signal payload table.
func (s *serverSuite) signalEntry(slug string, valid bool, payload string) TableEntry {
	what := "invalid"
	if valid {
		what = "valid"
	}
	return s.entry("CCP-S-28/"+slug, requirement.Must, fmt.Sprintf("%s %s", what, payload), payload)
}

// expectAgentJSON checks a ctl command's code and its JSON payload.
func expectAgentJSON(code hyperstart.Code, payload []byte, wantCode hyperstart.Code, want map[string]any) {
	GinkgoHelper()
	Expect(code).To(Equal(wantCode), "the agent's command (payload %q)", payload)
	var got map[string]any
	Expect(json.Unmarshal(payload, &got)).To(Succeed(), "the agent's %s payload %q", code, payload)
	Expect(got).To(Equal(want), "the agent's %s payload %q", code, payload)
}
