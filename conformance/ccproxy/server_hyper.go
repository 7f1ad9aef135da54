package ccproxy

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/fakes/hyperagent"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
	"github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
)

// unknownToken is well-formed (44 characters of base64url) but never handed
// out.
var unknownToken = strings.Repeat("A", 43) + "="

// hyperSpecs: relaying hyperstart commands (CCP-S-18..24).
func (s *serverSuite) hyperSpecs() {
	s.it("CCP-S-18/unattached-connection", requirement.Must, "Hyper on a connection that neither registered nor attached a VM fails and reaches no agent", func(ctx SpecContext) {
		env := s.env
		agent := env.newAgent()
		runtime := env.dial("runtime")
		id, _ := env.registerVM(runtime, agent, 0)
		other := env.dial("unattached connection")
		other.fail(api.CmdHyper, hyperPayload("ping", nil, nil))
		other.fail(api.CmdHyper, hyperPayload("execcmd", nil, execcmdData(uniqueID("c"), false)))
		expectNoCommand(runtime, agent, "Hyper on an unattached connection")
		// Once attached, the same connection's Hyper reaches the agent.
		other.ok(api.CmdAttachVM, api.AttachVM{ContainerID: id})
		other.ok(api.CmdHyper, hyperPayload("ping", nil, nil))
		Expect(commandsOf(agent)()).To(HaveLen(2), "the ping of the now attached connection reaches the agent after the runtime's")
	})

	DescribeTable("Hyper relays the mapped code and the data (verbatim; a start's decoded, relocated to the null session) and returns the ACK payload verbatim",
		func(ctx SpecContext, name string, code hyperstart.Code, data string) {
			env := s.env
			agent := env.newAgent()
			c := env.dial("runtime")
			env.registerVM(c, agent, 0)
			reply := fmt.Sprintf(`{"answer":%q,"n":[1,2,3]}`, name)
			agent.Reply(code, ackWith(reply))
			got := c.ok(api.CmdHyper, hyperPayload(name, nil, []byte(data)))
			Expect(string(got)).To(Equal(reply), "the response payload is the agent's ACK payload, verbatim")
			cmd := env.waitCommand(ctx, agent, code)
			if code == hyperstart.NewContainer || code == hyperstart.ExecCmd {
				// A tokenless start goes to the null session (CCP-S-22):
				// the data is the client's but for the relocated fields.
				stdio, stderr := nullSession(data)
				expectRelocated(cmd, name, []byte(data), stdio, stderr, name+" without a token")
			} else {
				Expect(string(cmd.Payload)).To(Equal(data), "the agent receives %s (code %d) with the data verbatim", name, uint32(code))
			}
			Expect(agent.Commands()).To(HaveLen(1), "one Hyper, one ctl command")
		},
		s.hyperEntry("version", hyperstart.Version, ``),
		s.hyperEntry("startpod", hyperstart.StartPod, `{"hostname":"vm","shareDir":"rootfs","interfaces":[],"routes":[]}`),
		s.hyperEntry("destroypod", hyperstart.DestroyPod, ``),
		s.hyperEntry("winsize", hyperstart.WinSize, `{"seq":3,"row":24,"column":80}`),
		s.hyperEntry("ping", hyperstart.Ping, ``),
		s.hyperEntry("readfile", hyperstart.ReadFile, `{"container":"c","file":"/etc/hostname"}`),
		s.hyperEntry("killcontainer", hyperstart.KillContainer, `{"container":"c","signal":15,"allProcesses":true}`),
		s.hyperEntry("onlinecpumem", hyperstart.OnlineCPUMem, `{}`),
		s.hyperEntry("setupinterface", hyperstart.SetupInterface, `{"device":"eth0","newDeviceName":"eth0","ipAddresses":[{"ipAddress":"10.0.0.2","netMask":"24"}],"mtu":1500}`),
		s.hyperEntry("setuproute", hyperstart.SetupRoute, `{"routes":[{"dest":"default","gateway":"10.0.0.1","device":"eth0"}]}`),
		s.hyperEntry("removecontainer", hyperstart.RemoveContainer, `{"container":"c"}`),
		s.hyperEntry("pscontainer", hyperstart.PsContainer, `{"container":"c","format":"json","psargs":["-ef"]}`),
		s.hyperEntry("execcmd", hyperstart.ExecCmd, `{"container":"c","process":{"terminal":false,"args":["ls"],"envs":[{"env":"A","value":""}],"workdir":"/","future":{"n":7}}}`),
		s.hyperEntry("newcontainer", hyperstart.NewContainer, `{"id":"c","rootfs":"rootfs","image":"busybox","process":{"terminal":true,"stdio":0,"stderr":0,"args":["sh"],"workdir":"/"},"volumes":[]}`),
	)

	s.it("CCP-S-19/agent-error", requirement.Must, "the agent's ERROR becomes an error response; the VM stays usable", func(ctx SpecContext) {
		env := s.env
		agent := env.newAgent()
		c := env.dial("runtime")
		env.registerVM(c, agent, 0)
		agent.Reply(hyperstart.Ping, errorWith("agent says no"))
		c.fail(api.CmdHyper, hyperPayload("ping", nil, nil))
		// The precondition: the failure is the agent's ERROR, so the ping
		// reached it.
		env.waitCommand(ctx, agent, hyperstart.Ping)
		agent.Reply(hyperstart.Ping, nil)
		Expect(c.ok(api.CmdHyper, hyperPayload("ping", nil, nil))).To(BeEmpty(), "an empty ACK gives an empty success payload")
	})

	DescribeTable("an unknown hyperName fails, reaches no agent, and the VM stays usable",
		func(ctx SpecContext, name string) {
			env := s.env
			agent := env.newAgent()
			c := env.dial("runtime")
			env.registerVM(c, agent, 0)
			c.fail(api.CmdHyper, hyperPayload(name, nil, []byte(`{}`)))
			// The ping after it shows both that the VM stays usable and,
			// the agent's commands coming in order, that the unknown name
			// reached no agent: the ping is its first command.
			Expect(c.ok(api.CmdHyper, hyperPayload("ping", nil, nil))).To(BeEmpty())
			Expect(commandsOf(agent)()).To(HaveExactElements(HavePrefix(hyperstart.Ping.String()+" ")), "the agent's commands: hyperName %q is unknown and must reach no agent", name)
		},
		s.entry("CCP-S-20/frobnicate", requirement.Must, `hyperName "frobnicate"`, "frobnicate"),
		s.entry("CCP-S-20/empty-name", requirement.Must, `hyperName ""`, ""),
		s.entry("CCP-S-20/upper-case-ping", requirement.Must, `hyperName "PING" (names are lower case)`, "PING"),
		s.entry("CCP-S-20/exec", requirement.Must, `hyperName "exec"`, "exec"),
	)

	DescribeTable("Hyper rejects bad token usage, reaches no agent, and the token stays usable",
		func(ctx SpecContext, hyper func(tok, tok2, otherVMTok string) api.Hyper) {
			env := s.env
			agent := env.newAgent()
			c := env.dial("runtime")
			_, io := env.registerVM(c, agent, 2)
			other := env.otherProxy()
			_, otherIO := other.registerVM(other.dial("other runtime"), other.newAgent(), 1)
			// Every token has its shim, so a proxy that waits for the shim
			// before judging the start is not held up.
			for _, tok := range io.Tokens {
				env.connectShim(tok)
			}
			other.connectShim(otherIO.Tokens[0])
			c.fail(api.CmdHyper, hyper(io.Tokens[0], io.Tokens[1], otherIO.Tokens[0]))
			expectNoCommand(c, agent, "the Hyper was rejected")
			c.ok(api.CmdHyper, hyperPayload("execcmd", []string{io.Tokens[0]}, execcmdData(uniqueID("c"), false)))
			env.waitCommand(ctx, agent, hyperstart.ExecCmd)
		},
		s.badTokens("ping-with-token", "ping with a token", func(tok, _, _ string) api.Hyper { return hyperPayload("ping", []string{tok}, nil) }),
		s.badTokens("removecontainer-with-token", "removecontainer with a token", func(tok, _, _ string) api.Hyper {
			return hyperPayload("removecontainer", []string{tok}, []byte(`{"container":"c"}`))
		}),
		s.badTokens("execcmd-two-tokens", "execcmd with two tokens", func(tok, tok2, _ string) api.Hyper {
			return hyperPayload("execcmd", []string{tok, tok2}, execcmdData("c", false))
		}),
		s.badTokens("execcmd-unknown-token", "execcmd with an unknown token", func(_, _, _ string) api.Hyper {
			return hyperPayload("execcmd", []string{unknownToken}, execcmdData("c", false))
		}),
		s.badTokens("execcmd-other-vm-token", "execcmd with a token of another VM", func(_, _, other string) api.Hyper {
			return hyperPayload("execcmd", []string{other}, execcmdData("c", false))
		}),
		s.badTokens("execcmd-token-and-stdio", "execcmd with a token and process.stdio 7", func(tok, _, _ string) api.Hyper {
			return hyperPayload("execcmd", []string{tok}, []byte(`{"container":"c","process":{"terminal":false,"stdio":7,"stderr":0,"args":["sh"],"workdir":"/"}}`))
		}),
		s.badTokens("execcmd-token-and-stderr", "execcmd with a token and process.stderr 8", func(tok, _, _ string) api.Hyper {
			return hyperPayload("execcmd", []string{tok}, []byte(`{"container":"c","process":{"terminal":false,"stdio":0,"stderr":8,"args":["sh"],"workdir":"/"}}`))
		}),
		s.badTokens("execcmd-stdio-no-token", "execcmd without a token and process.stdio 7", func(_, _, _ string) api.Hyper {
			return hyperPayload("execcmd", nil, []byte(`{"container":"c","process":{"terminal":false,"stdio":7,"stderr":0,"args":["sh"],"workdir":"/"}}`))
		}),
		s.badTokens("newcontainer-stderr-no-token", "newcontainer without a token and process.stderr 2", func(_, _, _ string) api.Hyper {
			return hyperPayload("newcontainer", nil, []byte(`{"id":"c","rootfs":"rootfs","image":"busybox","process":{"terminal":false,"stdio":0,"stderr":2,"args":["sh"],"workdir":"/"}}`))
		}),
		s.badTokens("execcmd-token-no-process", "execcmd with a token and no process", func(tok, _, _ string) api.Hyper {
			return hyperPayload("execcmd", []string{tok}, []byte(`{"container":"c"}`))
		}),
		s.badTokens("newcontainer-token-no-process", "newcontainer with a token and no process", func(tok, _, _ string) api.Hyper {
			return hyperPayload("newcontainer", []string{tok}, []byte(`{"id":"c","rootfs":"rootfs","image":"busybox"}`))
		}),
		s.badTokens("newcontainer-token-null-process", "newcontainer with a token and process null", func(tok, _, _ string) api.Hyper {
			return hyperPayload("newcontainer", []string{tok}, []byte(`{"id":"c","rootfs":"rootfs","image":"busybox","process":null}`))
		}),
	)

	s.it("CCP-S-22/token-io-base", requirement.Must, "token i starts with stdio 3+2i and stderr 4+2i (0 with a terminal), whatever the start order, also for AttachVM's tokens", func(ctx SpecContext) {
		env := s.env
		agent := env.newAgent()
		c := env.dial("runtime")
		id, io := env.registerVM(c, agent, 3)
		var att api.AttachVMResponse
		c.okInto(api.CmdAttachVM, api.AttachVM{ContainerID: id, NumIOStreams: 1}, &att)
		Expect(att.IO.Tokens).To(HaveLen(1))
		tokens := append(io.Tokens, att.IO.Tokens...)
		for _, tok := range tokens {
			env.connectShim(tok)
		}
		starts := []struct {
			token         int
			name          string
			terminal      bool
			stdio, stderr uint64
		}{
			{2, "execcmd", true, 7, 0},
			{0, "execcmd", false, 3, 4},
			{3, "execcmd", false, 9, 10},
			{1, "newcontainer", false, 5, 6},
		}
		for i, st := range starts {
			container := uniqueID("c")
			data := execcmdData(container, st.terminal)
			if st.name == "newcontainer" {
				data = newcontainerData(container, st.terminal)
			}
			c.ok(api.CmdHyper, hyperPayload(st.name, []string{tokens[st.token]}, data))
			Eventually(agent.Commands).WithTimeout(env.step).Should(HaveLen(i+1), "the agent receives the %s of token %d", st.name, st.token)
			cmd := agent.Commands()[i]
			expectRelocated(cmd, st.name, data, st.stdio, st.stderr,
				fmt.Sprintf("token %d (terminal %t)", st.token, st.terminal))
		}
	})

	s.it("CCP-S-21/token-already-started", requirement.Must, "a start with a token that already started a process fails, reaches no agent, and the proxy lives on", func(ctx SpecContext) {
		env := s.env
		agent := env.newAgent()
		c := env.dial("runtime")
		_, io := env.registerVM(c, agent, 1)
		env.connectShim(io.Tokens[0])
		c.ok(api.CmdHyper, hyperPayload("newcontainer", io.Tokens, newcontainerData(uniqueID("c"), false)))
		env.waitCommand(ctx, agent, hyperstart.NewContainer)
		c.fail(api.CmdHyper, hyperPayload("execcmd", io.Tokens, execcmdData(uniqueID("c"), false)))
		expectNoCommandBeyond(c, agent, 1, "the token already started a process")
		env.expectServing()
	})

	s.it("CCP-S-22/null-session", requirement.Must, "tokenless starts go to the null session: stdio 1 and stderr 2, or stderr 0 with a terminal", func(ctx SpecContext) {
		env := s.env
		agent := env.newAgent()
		c := env.dial("runtime")
		env.registerVM(c, agent, 0)
		starts := []struct {
			name     string
			terminal bool
			stderr   uint64
		}{
			{"newcontainer", false, 2},
			{"execcmd", false, 2},
			{"execcmd", true, 0},
			{"newcontainer", true, 0},
		}
		for i, st := range starts {
			container := uniqueID("c")
			data := execcmdData(container, st.terminal)
			if st.name == "newcontainer" {
				data = newcontainerData(container, st.terminal)
			}
			c.ok(api.CmdHyper, hyperPayload(st.name, nil, data))
			Eventually(agent.Commands).WithTimeout(env.step).Should(HaveLen(i+1), "the agent receives the tokenless %s", st.name)
			expectRelocated(agent.Commands()[i], st.name, data, 1, st.stderr, fmt.Sprintf("tokenless %s (terminal %t)", st.name, st.terminal))
		}
	})

	s.it("CCP-S-23/execcmd-waits-for-shim", requirement.Must, "execcmd with a token is sent to the agent and answered only after the token's shim connected", func(ctx SpecContext) {
		env := s.env
		agent := env.newAgent()
		c := env.dial("runtime")
		_, io := env.registerVM(c, agent, 1)
		c.send(api.TypeCommand, api.CmdHyper, hyperPayload("execcmd", io.Tokens, execcmdData(uniqueID("c"), false)))
		// No order exists to prove this by: the start is pending, and a
		// proxy may hold the VM's other commands until it is decided.
		Consistently(commandsOf(agent), shortWindow, shortWindow/5).Should(BeEmpty(), "the agent must receive no ctl command (no shim connected with the token yet)")
		c.expectQuiet("no shim connected with the token yet")
		connecting := time.Now()
		env.connectShim(io.Tokens[0])
		f := c.response(api.CmdHyper)
		Expect(f.Header.Error).To(BeFalse(), "the start succeeds once the shim connected: %s", f)
		cmd := env.waitCommand(ctx, agent, hyperstart.ExecCmd)
		Expect(cmd.At).To(BeTemporally(">=", connecting), "the agent received execcmd before the shim connected")
	})

	s.it("CCP-S-24/repeated-tokenless-starts", requirement.Must, "tokenless execcmd and newcontainer, repeated, all succeed and all reach the agent", func(ctx SpecContext) {
		env := s.env
		agent := env.newAgent()
		c := env.dial("runtime")
		env.registerVM(c, agent, 1)
		container := uniqueID("c")
		c.ok(api.CmdHyper, hyperPayload("newcontainer", nil, newcontainerData(container, false)))
		for range 3 {
			c.ok(api.CmdHyper, hyperPayload("execcmd", nil, execcmdData(container, false)))
		}
		c.ok(api.CmdHyper, hyperPayload("newcontainer", nil, newcontainerData(uniqueID("c"), true)))
		Eventually(commandsOf(agent)).WithTimeout(env.step).Should(HaveLen(5))
		codes := []hyperstart.Code{}
		for _, cmd := range agent.Commands() {
			codes = append(codes, cmd.Code)
		}
		Expect(codes).To(Equal([]hyperstart.Code{hyperstart.NewContainer, hyperstart.ExecCmd, hyperstart.ExecCmd, hyperstart.ExecCmd, hyperstart.NewContainer}))
	})
}

// nullSession is where a tokenless start's stdio and stderr go: 1 and 2,
// or 1 and 0 for a terminal process (CCP-S-22).
func nullSession(data string) (stdio, stderr uint64) {
	var start struct {
		Process struct {
			Terminal bool `json:"terminal"`
		} `json:"process"`
	}
	_ = json.Unmarshal([]byte(data), &start)
	if start.Process.Terminal {
		return 1, 0
	}
	return 1, 2
}

// hyperEntry is the entry CCP-S-19/relay-name of the Hyper relay table.
func (s *serverSuite) hyperEntry(name string, code hyperstart.Code, data string) TableEntry {
	return s.entry("CCP-S-19/relay-"+name, requirement.Must, fmt.Sprintf("%s -> code %d, data %q", name, uint32(code), data), name, code, data)
}

// badTokens is the entry CCP-S-21/slug of the bad-token table.
func (s *serverSuite) badTokens(slug, what string, hyper func(tok, tok2, otherVMTok string) api.Hyper) TableEntry {
	return s.entry("CCP-S-21/"+slug, requirement.Must, what, hyper)
}

// expectRelocated checks that the agent got the start command name with the
// data sent, except process.stdio and process.stderr set to stdio and
// stderr. Relocation re-encodes the data, so they are compared decoded, with
// zero-valued fields dropped on both sides: a proxy may reorder keys and add
// or omit zero values (CCP-S-19, -22).
func expectRelocated(cmd hyperagent.Command, name string, sent []byte, stdio, stderr uint64, what string) {
	GinkgoHelper()
	code, _ := hyperstart.CodeByName(name)
	Expect(cmd.Code).To(Equal(code), "%s: the agent's command", what)
	var want, got map[string]any
	Expect(json.Unmarshal(sent, &want)).To(Succeed())
	Expect(json.Unmarshal(cmd.Payload, &got)).To(Succeed(), "%s: the agent's %s payload %q", what, name, cmd.Payload)
	proc := want["process"].(map[string]any)
	proc["stdio"], proc["stderr"] = float64(stdio), float64(stderr)
	Expect(withoutZeros(got)).To(Equal(withoutZeros(want)), "%s: expected process.stdio %d and process.stderr %d and every other field as sent %s (zero values aside); the agent got %s", what, stdio, stderr, sent, cmd.Payload)
}

// withoutZeros drops the object members whose values are JSON zero values
// (false, 0, "", null, and arrays or objects empty once so reduced), at any
// depth; array elements stay, as their positions matter.
func withoutZeros(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if e = withoutZeros(e); !isZeroJSON(e) {
				out[k] = e
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = withoutZeros(e)
		}
		return out
	}
	return v
}

// isZeroJSON says whether a decoded JSON value is a zero value.
func isZeroJSON(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case bool:
		return !x
	case float64:
		return x == 0
	case string:
		return x == ""
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}
