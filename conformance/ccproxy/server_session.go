package ccproxy

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/fakes/hyperagent"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
	"github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
)

// This file holds the session steps specs build on: registering a VM,
// connecting a shim, starting a process with a token; and the payloads they
// send.

// registerVMPayload asks the proxy to register a VM served by agent.
func registerVMPayload(id string, agent *hyperagent.Agent, numIOStreams int) api.RegisterVM {
	return api.RegisterVM{ContainerID: id, CtlSerial: agent.CtlPath(), IoSerial: agent.IOPath(), NumIOStreams: numIOStreams}
}

// registerVM registers a fresh VM id served by agent on c and returns the id
// and the response's io part.
func (e *serverEnv) registerVM(c *serverConn, agent *hyperagent.Agent, numIOStreams int) (string, api.IOResponse) {
	GinkgoHelper()
	id := uniqueID("vm")
	var resp api.RegisterVMResponse
	// A VM to work with is CCP-S-13's: without it, another requirement's
	// spec is blocked, not failed.
	requirement.Precondition("CCP-S-13", func() {
		c.okInto(api.CmdRegisterVM, registerVMPayload(id, agent, numIOStreams), &resp)
		Expect(resp.IO.Tokens).To(HaveLen(numIOStreams), "RegisterVM with numIOStreams %d: tokens in the response", numIOStreams)
	})
	return id, resp.IO
}

// connectShim dials a connection and claims token with ConnectShim.
func (e *serverEnv) connectShim(token string) *serverConn {
	GinkgoHelper()
	shim := e.dial("shim")
	requirement.Precondition("CCP-S-25", func() {
		shim.ok(api.CmdConnectShim, api.ConnectShim{Token: token})
	})
	return shim
}

// hyperPayload is a Hyper command; tokens nil sends "tokens": [].
func hyperPayload(name string, tokens []string, data []byte) api.Hyper {
	if tokens == nil {
		tokens = []string{}
	}
	return api.Hyper{HyperName: name, Tokens: tokens, Data: json.RawMessage(data)}
}

// processJSON is a process object as a runtime sends it, stdio/stderr left
// 0 for the proxy to assign.
func processJSON(terminal bool) string {
	return fmt.Sprintf(`{"terminal":%t,"stdio":0,"stderr":0,"args":["/bin/sh","-c","echo hi"],"envs":[{"env":"PATH","value":"/bin"}],"workdir":"/"}`, terminal)
}

// execcmdData is an execcmd payload for container.
func execcmdData(container string, terminal bool) []byte {
	return []byte(fmt.Sprintf(`{"container":%q,"process":%s}`, container, processJSON(terminal)))
}

// newcontainerData is a newcontainer payload for container id.
func newcontainerData(id string, terminal bool) []byte {
	return []byte(fmt.Sprintf(`{"id":%q,"rootfs":"rootfs","image":"busybox","process":%s}`, id, processJSON(terminal)))
}

// waitCommand waits, bounded by the step timeout, for the agent's first ctl
// command with code.
func (e *serverEnv) waitCommand(ctx context.Context, agent *hyperagent.Agent, code hyperstart.Code) hyperagent.Command {
	GinkgoHelper()
	cmd, err := agent.WaitCommand(e.stepCtx(ctx), code)
	Expect(err).NotTo(HaveOccurred(), "expected the agent to receive %s within %v; it received %v", code, e.step, describeCommands(agent.Commands()))
	return cmd
}

// commandsOf lists the agent's ctl commands as text, for readable failure
// messages.
func commandsOf(agent *hyperagent.Agent) func() []string {
	return func() []string { return describeCommands(agent.Commands()) }
}

func describeCommands(cmds []hyperagent.Command) []string {
	s := make([]string, len(cmds))
	for i, c := range cmds {
		s[i] = fmt.Sprintf("%s %q", c.Code, c.Payload)
	}
	return s
}

// expectNoCommand shows, by order, that the agent received no ctl command
// (see expectNoCommandBeyond).
func expectNoCommand(c *serverConn, agent *hyperagent.Agent, why string) {
	GinkgoHelper()
	expectNoCommandBeyond(c, agent, 0, why)
}

// expectNoCommandBeyond shows, by order, that the agent received no ctl
// command beyond its first n: a Hyper ping through c, a connection
// attached to the agent's VM, must reach it as the next one, since the
// proxy writes a VM's ctl commands in order and the agent records each
// before it answers. A ping the proxy does not relay blocks the spec by
// CCP-S-19.
func expectNoCommandBeyond(c *serverConn, agent *hyperagent.Agent, n int, why string) {
	GinkgoHelper()
	requirement.Precondition("CCP-S-19", func() {
		c.ok(api.CmdHyper, hyperPayload("ping", nil, nil))
	})
	got := commandsOf(agent)()
	Expect(len(got)).To(BeNumerically(">", n), "the agent's commands %v: the ping just relayed is missing", got)
	Expect(got[n:]).To(HaveExactElements(HavePrefix(hyperstart.Ping.String()+" ")), "the agent must receive no ctl command (%s) before the ping sent after it; it received %v", why, got[n:])
}

// expectToken checks a token is base64url of 32 bytes: 44 characters.
func expectToken(tok string) {
	GinkgoHelper()
	Expect(tok).To(HaveLen(44), "a token is base64url of 32 random bytes, 44 characters; got %q", tok)
	raw, err := base64.URLEncoding.DecodeString(tok)
	Expect(err).NotTo(HaveOccurred(), "token %q is not base64url", tok)
	Expect(raw).To(HaveLen(32), "token %q decodes to %d bytes, expected 32", tok, len(raw))
}

// serverProcess is a process started with a token: the VM's agent, the
// runtime connection that started it, the shim connected for it, and the io
// sequence numbers the agent was told.
type serverProcess struct {
	agent     *hyperagent.Agent
	runtime   *serverConn
	shim      *serverConn
	vmID      string
	container string
	token     string
	stdio     uint64
	stderr    uint64
}

// startProcess registers a VM with one token, connects its shim and starts
// the container's process with the token, the way a runtime does: with
// newcontainer, so the process can be signalled (CCP-S-30). The sequence
// numbers are taken from what the agent received, so specs about streams do
// not depend on CCP-S-22.
func (e *serverEnv) startProcess(ctx context.Context, terminal bool) *serverProcess {
	GinkgoHelper()
	return e.startWith(ctx, "newcontainer", terminal)
}

// startExecProcess is startProcess with execcmd: a process added to a
// container, which hyperstart cannot signal.
func (e *serverEnv) startExecProcess(ctx context.Context, terminal bool) *serverProcess {
	GinkgoHelper()
	return e.startWith(ctx, "execcmd", terminal)
}

// startWith starts a process with start, newcontainer or execcmd.
func (e *serverEnv) startWith(ctx context.Context, start string, terminal bool) *serverProcess {
	GinkgoHelper()
	p := &serverProcess{agent: e.newAgent(), runtime: e.dial("runtime")}
	var io api.IOResponse
	p.vmID, io = e.registerVM(p.runtime, p.agent, 1)
	p.token = io.Tokens[0]
	p.shim = e.connectShim(p.token)
	p.container = uniqueID("c")
	data, code := newcontainerData(p.container, terminal), hyperstart.NewContainer
	if start == "execcmd" {
		data, code = execcmdData(p.container, terminal), hyperstart.ExecCmd
	}
	// Starting the process is Hyper's relaying, CCP-S-19.
	requirement.Precondition("CCP-S-19", func() {
		p.runtime.ok(api.CmdHyper, hyperPayload(start, []string{p.token}, data))
		cmd := e.waitCommand(ctx, p.agent, code)
		proc, err := hyperstart.ProcessOf(start, cmd.Payload)
		Expect(err).NotTo(HaveOccurred(), "the %s the agent received: %q", start, cmd.Payload)
		p.stdio, p.stderr = proc.Stdio, proc.Stderr
	})
	return p
}

// readStream reads frames on c until n payload bytes of stream opcode op
// arrived, and returns them; frames of other streams are collected in other.
func readStream(c *serverConn, op uint8, n int, other map[uint8][]byte) []byte {
	GinkgoHelper()
	var got []byte
	deadline := time.Now().Add(c.step)
	for len(got) < n {
		Expect(time.Now().Before(deadline)).To(BeTrue(), "%s: %d of %d bytes of %s arrived within %v", c.name, len(got), n, api.OpcodeName(api.TypeStream, op), c.step)
		f := c.next()
		Expect(f.Header.Type).To(Equal(api.TypeStream), "%s: expected %s stream frames, got %s", c.name, api.OpcodeName(api.TypeStream, op), f)
		if f.Header.Opcode == op {
			got = append(got, f.Payload...)
		} else if other != nil {
			other[f.Header.Opcode] = append(other[f.Header.Opcode], f.Payload...)
		} else {
			Fail(fmt.Sprintf("%s: expected %s stream frames, got %s", c.name, api.OpcodeName(api.TypeStream, op), f))
		}
	}
	return got
}

// ackWith scripts an agent reply: ACK with payload.
func ackWith(payload string) hyperagent.ReplyFunc {
	return func(hyperagent.Command) (hyperstart.Code, []byte) { return hyperstart.Ack, []byte(payload) }
}

// errorWith scripts an agent reply: ERROR with text.
func errorWith(text string) hyperagent.ReplyFunc {
	return func(hyperagent.Command) (hyperstart.Code, []byte) { return hyperstart.Error, []byte(text) }
}

// expectSameBytes compares byte streams and says where they first differ,
// instead of dumping both.
func expectSameBytes(got, want []byte, what string) {
	GinkgoHelper()
	if bytes.Equal(got, want) {
		return
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	Fail(fmt.Sprintf("%s: expected %d bytes byte-exact, got %d; first difference at offset %d: expected %s, got %s",
		what, len(want), len(got), i, showBytes(want[i:min(i+16, len(want))]), showBytes(got[i:min(i+16, len(got))])))
}
