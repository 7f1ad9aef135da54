package ccproxy

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/fakes/hyperagent"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
	"github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
)

// vmSpecs: RegisterVM, AttachVM, UnregisterVM (CCP-S-13..17).
func (s *serverSuite) vmSpecs() {
	s.it("CCP-S-13/distinct-tokens-and-url", requirement.Must, "RegisterVM with numIOStreams 3, then AttachVM with 2: distinct 44-character base64url tokens and a unix:// URL", func(ctx SpecContext) {
		env := s.env
		agent := env.newAgent()
		c := env.dial("runtime")
		id, reg := env.registerVM(c, agent, 3)
		Expect(reg.URL).To(HavePrefix("unix://"), "the response's io.URL")
		var att api.AttachVMResponse
		env.dial("second runtime").okInto(api.CmdAttachVM, api.AttachVM{ContainerID: id, NumIOStreams: 2}, &att)
		Expect(att.IO.Tokens).To(HaveLen(2), "AttachVM with numIOStreams 2")
		Expect(att.IO.URL).To(Equal(reg.URL), "AttachVM's io.URL")
		seen := map[string]bool{}
		for _, tok := range append(reg.Tokens, att.IO.Tokens...) {
			expectToken(tok)
			Expect(seen).NotTo(HaveKey(tok), "token %q handed out twice", tok)
			seen[tok] = true
		}
	})

	s.it("CCP-S-13/no-io-streams", requirement.Must, "numIOStreams 0 or absent: no tokens, still the URL", func(ctx SpecContext) {
		env := s.env
		agent := env.newAgent()
		c := env.dial("runtime")
		id := uniqueID("vm")
		payload := fmt.Sprintf(`{"containerId":%q,"ctlSerial":%q,"ioSerial":%q}`, id, agent.CtlPath(), agent.IOPath())
		var reg api.RegisterVMResponse
		c.okInto(api.CmdRegisterVM, []byte(payload), &reg)
		Expect(reg.IO.Tokens).To(BeEmpty())
		Expect(reg.IO.URL).To(HavePrefix("unix://"))
		var att api.AttachVMResponse
		c.okInto(api.CmdAttachVM, api.AttachVM{ContainerID: id, NumIOStreams: 0}, &att)
		Expect(att.IO.Tokens).To(BeEmpty())
		Expect(att.IO.URL).To(HavePrefix("unix://"))
	})

	s.it("CCP-S-14/dial-order-and-ready", requirement.Must, "RegisterVM dials ctl, then io, answers only after READY, and sends no ctl command", func(ctx SpecContext) {
		env := s.env
		agent := env.newAgent(hyperagent.WithReadyDelay(shortWindow))
		c := env.dial("runtime")
		c.send(api.TypeCommand, api.CmdRegisterVM, registerVMPayload(uniqueID("vm"), agent, 1))
		f := c.response(api.CmdRegisterVM)
		answered := time.Now()
		Expect(f.Header.Error).To(BeFalse(), "RegisterVM of a working agent: %s", f)
		readyAt, ready := agent.ReadyAt()
		Expect(ready).To(BeTrue(), "the RegisterVM response came before the agent sent READY (it waits %v after both dials)", shortWindow)
		Expect(readyAt).To(BeTemporally("<", answered), "READY must come before the RegisterVM response")
		Expect(agent.Dials()).To(Equal([]string{"ctl", "io"}), "the proxy dials ctl first, then io, once each")
		expectNoCommand(c, agent, "RegisterVM sends no ctl command")
	})

	DescribeTable("RegisterVM fails and registers nothing: not the id, not the empty id, no agent channel kept",
		func(ctx SpecContext, payload func(id string, agent *hyperagent.Agent) any, opts []hyperagent.Option) {
			env := s.env
			agent := env.newAgent(opts...)
			id := uniqueID("vm")
			c := env.dial("runtime")
			c.fail(api.CmdRegisterVM, payload(id, agent))
			// Nothing was registered: neither the id nor the empty id, and
			// the agent channels the attempt opened are closed.
			c.fail(api.CmdAttachVM, api.AttachVM{ContainerID: id})
			c.fail(api.CmdAttachVM, api.AttachVM{ContainerID: ""})
			env.expectAgentHungUp(agent, "after the failed RegisterVM")
			// The id is free: a RegisterVM of it with a working agent works,
			// and its tokens are the only ones that connect.
			good := env.newAgent()
			var reg api.RegisterVMResponse
			c.okInto(api.CmdRegisterVM, registerVMPayload(id, good, 1), &reg)
			Expect(reg.IO.Tokens).To(HaveLen(1))
			env.dial("shim").ok(api.CmdConnectShim, api.ConnectShim{Token: reg.IO.Tokens[0]})
		},
		s.registerFails("id-missing", "containerId missing", `{"ctlSerial":$CTL,"ioSerial":$IO,"numIOStreams":1}`, nil),
		s.registerFails("id-empty", "containerId empty", `{"containerId":"","ctlSerial":$CTL,"ioSerial":$IO,"numIOStreams":1}`, nil),
		s.registerFails("ctl-missing", "ctlSerial missing", `{"containerId":$ID,"ioSerial":$IO,"numIOStreams":1}`, nil),
		s.registerFails("io-missing", "ioSerial missing", `{"containerId":$ID,"ctlSerial":$CTL,"numIOStreams":1}`, nil),
		s.registerFails("ctl-no-socket", "ctlSerial names no socket", `{"containerId":$ID,"ctlSerial":$NOSOCK,"ioSerial":$IO,"numIOStreams":1}`, nil),
		s.registerFails("io-no-socket", "ioSerial names no socket", `{"containerId":$ID,"ctlSerial":$CTL,"ioSerial":$NOSOCK,"numIOStreams":1}`, nil),
		s.registerFails("agent-error", "the agent sends ERROR instead of READY", `{"containerId":$ID,"ctlSerial":$CTL,"ioSerial":$IO,"numIOStreams":1}`, []hyperagent.Option{hyperagent.WithReadyCode(hyperstart.Error)}),
		s.registerFails("agent-ack", "the agent sends ACK instead of READY", `{"containerId":$ID,"ctlSerial":$CTL,"ioSerial":$IO,"numIOStreams":1}`, []hyperagent.Option{hyperagent.WithReadyCode(hyperstart.Ack)}),
	)

	s.it("CCP-S-15/duplicate-id", requirement.Must, "RegisterVM of an id already registered fails; the first VM keeps working", func(ctx SpecContext) {
		env := s.env
		first, second := env.newAgent(), env.newAgent()
		c := env.dial("runtime")
		id, io := env.registerVM(c, first, 1)
		c.fail(api.CmdRegisterVM, registerVMPayload(id, second, 1))
		// The first VM is untouched: attach, ping, and its token connects.
		rt := env.dial("second runtime")
		rt.ok(api.CmdAttachVM, api.AttachVM{ContainerID: id})
		rt.ok(api.CmdHyper, hyperPayload("ping", nil, nil))
		env.waitCommand(ctx, first, hyperstart.Ping)
		env.dial("shim").ok(api.CmdConnectShim, api.ConnectShim{Token: io.Tokens[0]})
		Expect(second.Commands()).To(BeEmpty(), "the second agent got commands meant for the first VM")
	})

	s.it("CCP-S-16/ready-wait-bounded", requirement.Should, fmt.Sprintf("RegisterVM to an agent that never sends READY fails within %v; the id stays unregistered", readyWaitBound), func(ctx SpecContext) {
		env := s.env
		agent := env.newAgent(hyperagent.WithholdReady())
		id := uniqueID("vm")
		c := env.dial("runtime")
		c.send(api.TypeCommand, api.CmdRegisterVM, registerVMPayload(id, agent, 1))
		f, err := c.peer.ReadFrameStrict(readyWaitBound)
		Expect(err).NotTo(HaveOccurred(), "expected the RegisterVM to fail within %v while the agent withholds READY", readyWaitBound)
		expectEmitted(f)
		Expect(f.Header.Type).To(Equal(api.TypeResponse))
		Expect(f.Header.Opcode).To(Equal(api.CmdRegisterVM))
		c.expectFailure(f)
		c.fail(api.CmdAttachVM, api.AttachVM{ContainerID: id})
	})

	s.it("CCP-S-17/unknown-and-unregistered-id", requirement.Must, "AttachVM and UnregisterVM of an unknown id fail; after UnregisterVM, AttachVM and UnregisterVM fail (a per-pod proxy is gone)", func(ctx SpecContext) {
		env := s.env
		c := env.dial("runtime")
		c.fail(api.CmdAttachVM, api.AttachVM{ContainerID: uniqueID("unknown")})
		c.fail(api.CmdUnregisterVM, api.UnregisterVM{ContainerID: uniqueID("unknown")})
		agent := env.newAgent()
		id, _ := env.registerVM(c, agent, 1)
		c.ok(api.CmdAttachVM, api.AttachVM{ContainerID: id})
		Expect(c.ok(api.CmdUnregisterVM, api.UnregisterVM{ContainerID: id})).To(BeEmpty(), "UnregisterVM answers an empty payload")
		if env.target.PerPod {
			// Nothing is left to attach to: the proxy goes with its VM.
			env.expectGone("after UnregisterVM")
			return
		}
		c.fail(api.CmdAttachVM, api.AttachVM{ContainerID: id})
		env.dial("second runtime").fail(api.CmdAttachVM, api.AttachVM{ContainerID: id, NumIOStreams: 1})
		c.fail(api.CmdUnregisterVM, api.UnregisterVM{ContainerID: id})
	})

	s.it("CCP-S-17/unregister-from-other-connection", requirement.Must, "UnregisterVM from another connection than the registering one works", func(ctx SpecContext) {
		env := s.env
		agent := env.newAgent()
		id, _ := env.registerVM(env.dial("runtime"), agent, 0)
		other := env.dial("second runtime")
		other.ok(api.CmdUnregisterVM, api.UnregisterVM{ContainerID: id})
		if env.target.PerPod {
			env.expectGone("after UnregisterVM")
			return
		}
		other.fail(api.CmdAttachVM, api.AttachVM{ContainerID: id})
	})
}

// registerFails is the entry CCP-S-15/slug of the failing-RegisterVM table. The payload
// template names the spec's values: $ID (the container id), $CTL and $IO (the
// agent's sockets), $NOSOCK (a path where nothing listens).
func (s *serverSuite) registerFails(slug, what, template string, opts []hyperagent.Option) TableEntry {
	payload := func(id string, agent *hyperagent.Agent) any {
		r := strings.NewReplacer(
			"$ID", fmt.Sprintf("%q", id),
			"$CTL", fmt.Sprintf("%q", agent.CtlPath()),
			"$IO", fmt.Sprintf("%q", agent.IOPath()),
			"$NOSOCK", fmt.Sprintf("%q", filepath.Join(filepath.Dir(agent.CtlPath()), "no-such.sock")),
		)
		return []byte(r.Replace(template))
	}
	return s.entry("CCP-S-15/"+slug, requirement.Must, fmt.Sprintf("%s: %s", what, template), payload, opts)
}
