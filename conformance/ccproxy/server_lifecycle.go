package ccproxy

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/thediveo/fdooze"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/fakes/hyperagent"
	"github.com/wirecert/wirecert/matchers"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
	"github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
)

// lifecycleSpecs: what outlives which connection (CCP-S-37, -38) and fd
// hygiene over whole sessions (CCP-S-39).
func (s *serverSuite) lifecycleSpecs() {
	s.it("CCP-S-37/runtime-connection-closed", requirement.Must, "after the registering connection closes, the VM, its tokens, its shims and its running process stay usable", func(ctx SpecContext) {
		env := s.env
		p := env.startProcess(ctx, false)
		_, att := env.attach(p.vmID, 1)
		Expect(p.runtime.peer.Close()).To(Succeed())
		// The running process's shim still gets its output and exit.
		Expect(p.agent.SendIO(p.stdio, []byte("still here"))).To(Succeed())
		Expect(readStream(p.shim, api.StreamStdout, len("still here"), nil)).To(Equal([]byte("still here")))
		// A new runtime connection attaches and starts a process with a
		// token handed out before.
		rt := env.dial("new runtime")
		rt.ok(api.CmdAttachVM, api.AttachVM{ContainerID: p.vmID})
		// The token handed out before is still usable: CCP-S-37's own
		// check, not a precondition.
		env.dial("shim").ok(api.CmdConnectShim, api.ConnectShim{Token: att.Tokens[0]})
		rt.ok(api.CmdHyper, hyperPayload("execcmd", att.Tokens, execcmdData(uniqueID("c"), false)))
		Eventually(commandsOf(p.agent)).WithTimeout(env.step).Should(HaveLen(2), "execcmd of the first process, then of the second")
		ctl, io := p.agent.Connected()
		Expect([]bool{ctl, io}).To(Equal([]bool{true, true}), "the agent's ctl and io channels stay connected")
		Expect(p.agent.Exit(p.stdio, 0)).To(Succeed())
		expectExited(p.shim, 0)
	})

	s.it("CCP-S-38/io-channel-closed", requirement.Must, "when the agent's io channel closes, every shim of that VM is closed, and the shims of other VMs are not", func(ctx SpecContext) {
		env := s.env
		p := env.startProcess(ctx, false)
		_, att := env.attach(p.vmID, 1)
		idle := env.connectShim(att.Tokens[0])
		otherEnv := env.otherProxy()
		other := otherEnv.startProcess(ctx, false)
		Expect(p.agent.CloseIO()).To(Succeed())
		p.shim.expectClosedAfterFrames("the agent's io channel closed")
		idle.expectClosedAfterFrames("the agent's io channel closed")
		other.shim.expectSilent("another VM's agent closed its io channel")
		Expect(other.agent.SendIO(other.stdio, []byte("unaffected"))).To(Succeed())
		Expect(readStream(other.shim, api.StreamStdout, len("unaffected"), nil)).To(Equal([]byte("unaffected")))
		if env.target.PerPod {
			env.expectGone("when its VM's agent goes")
		} else {
			env.expectServing()
		}
		otherEnv.expectServing()
	})

	s.it("CCP-S-39/full-lifecycle", requirement.Must, "a full lifecycle (register, attach, shims, newcontainer with a token, stdin, output, signal, exit, DisconnectShim, a hostile header, unregister) leaves no fd open", func(ctx SpecContext) {
		env := s.env
		fds := env.fdSnapshot()
		agent := env.newAgent()
		rt := env.dial("runtime")
		id, io := env.registerVM(rt, agent, 2)
		rt2 := env.dial("second runtime")
		rt2.ok(api.CmdAttachVM, api.AttachVM{ContainerID: id, NumIOStreams: 1})
		shim := env.connectShim(io.Tokens[0])
		rt.ok(api.CmdHyper, hyperPayload("newcontainer", io.Tokens[:1], newcontainerData(uniqueID("c"), false)))
		proc, err := hyperstart.ProcessOf("newcontainer", env.waitCommand(ctx, agent, hyperstart.NewContainer).Payload)
		Expect(err).NotTo(HaveOccurred())
		shim.send(api.TypeStream, api.StreamStdin, []byte("input"))
		shim.send(api.TypeStream, api.StreamStdin, nil)
		_, err = agent.WaitStdinEOF(env.stepCtx(ctx), proc.Stdio)
		Expect(err).NotTo(HaveOccurred())
		Expect(agent.SendIO(proc.Stdio, []byte("output"))).To(Succeed())
		Expect(readStream(shim, api.StreamStdout, len("output"), nil)).To(Equal([]byte("output")))
		shim.ok(api.CmdSignal, api.Signal{SignalNumber: 15})
		Expect(agent.Exit(proc.Stdio, 0)).To(Succeed())
		expectExited(shim, 0)
		second := env.connectShim(io.Tokens[1])
		second.send(api.TypeCommand, api.CmdDisconnectShim, api.DisconnectShim{})
		second.expectClosed("DisconnectShim")
		hostile := env.dial("hostile connection")
		hostile.sendBytes(cat(hx("00 02 02 00 00 00 00 02 00 00 00 1c"), unknownVMPayload))
		hostile.expectClosed("HeaderLength 2")
		rt.ok(api.CmdUnregisterVM, api.UnregisterVM{ContainerID: id})
		for _, c := range []*serverConn{shim, rt, rt2, second, hostile} {
			_ = c.peer.Close()
		}
		// The agent channels may stay until the VM itself goes: the agent
		// closing them is that end.
		Expect(agent.Close()).To(Succeed())
		if env.target.PerPod {
			env.expectGone("after UnregisterVM")
			requirement.Limited("a per-pod proxy exits after UnregisterVM: its fd table ends with it, so it was not compared")
			return
		}
		env.expectNoLeakedFds(fds)
	})

	s.it("CCP-S-39/failure-paths", requirement.Must, "failure paths (dial failure, an agent answering ERROR instead of READY, an agent that dies) leave no fd open", func(ctx SpecContext) {
		env := s.env
		fds := env.fdSnapshot()
		rt := env.dial("runtime")
		missing := env.newAgent()
		Expect(missing.Close()).To(Succeed()) // its sockets are gone
		rt.fail(api.CmdRegisterVM, registerVMPayload(uniqueID("vm"), missing, 1))
		erring := env.newAgent(hyperagent.WithReadyCode(hyperstart.Error))
		rt.fail(api.CmdRegisterVM, registerVMPayload(uniqueID("vm"), erring, 1))
		env.expectAgentHungUp(erring, "after the agent sent ERROR instead of READY")
		Expect(erring.Close()).To(Succeed())
		if env.target.PerPod {
			// The agent's death ends a per-pod proxy: compare its fds
			// before that, after the failed registrations.
			_ = rt.peer.Close()
			env.expectNoLeakedFds(fds)
			rt = env.dial("runtime")
		}
		dying := env.newAgent()
		id, io := env.registerVM(rt, dying, 1)
		shim := env.connectShim(io.Tokens[0])
		Expect(dying.Close()).To(Succeed())
		shim.expectClosedAfterFrames("the agent died")
		if env.target.PerPod {
			env.expectGone("when its VM's agent died")
			return
		}
		// A proxy may have dropped the dead VM already: either answer will do.
		rt.command(api.CmdUnregisterVM, api.UnregisterVM{ContainerID: id})
		for _, c := range []*serverConn{rt, shim} {
			_ = c.peer.Close()
		}
		env.expectNoLeakedFds(fds)
	})
}

// attach attaches to VM id on a new connection and returns that connection
// and the io part of the response.
func (e *serverEnv) attach(id string, numIOStreams int) (*serverConn, api.IOResponse) {
	GinkgoHelper()
	c := e.dial("attached runtime")
	var resp api.AttachVMResponse
	c.okInto(api.CmdAttachVM, api.AttachVM{ContainerID: id, NumIOStreams: numIOStreams}, &resp)
	Expect(resp.IO.Tokens).To(HaveLen(numIOStreams))
	return c, resp.IO
}

// expectAgentHungUp expects the proxy to close both its agent channels.
func (e *serverEnv) expectAgentHungUp(agent *hyperagent.Agent, when string) {
	GinkgoHelper()
	Eventually(func() []bool {
		ctl, io := agent.Connected()
		return []bool{ctl, io}
	}).WithTimeout(e.step).Should(Equal([]bool{false, false}), "%s the proxy must close its ctl and io connections to the agent ([ctl io] still connected)", when)
}

// fdSnapshot takes the proxy process's open fds when the target tells its
// PID; nil otherwise.
func (e *serverEnv) fdSnapshot() []fdooze.FileDescriptor {
	GinkgoHelper()
	pid := e.servingPID()
	if pid == 0 {
		return nil
	}
	fds, err := matchers.ProcessFiledescriptors(pid)
	Expect(err).NotTo(HaveOccurred())
	return fds
}

// servingPID is the process serving the proxy's socket, 0 when the target
// cannot tell (no PID, or no serving process found).
func (e *serverEnv) servingPID() int {
	if e.inst == nil || e.inst.PID == nil {
		return 0
	}
	return max(e.inst.PID(), 0)
}

// expectNoLeakedFds compares the proxy process's fds with the snapshot.
// Without a serving PID the spec has only checked what it can see from
// outside: the proxy closed the agent channels and connections it had to;
// its verdict is limited, never a plain pass.
func (e *serverEnv) expectNoLeakedFds(before []fdooze.FileDescriptor) {
	GinkgoHelper()
	if before == nil {
		requirement.Limited("no serving process (no PID, or none found through the target's wrapper): only the connections and agent channels the proxy closed were checked, not its fd table")
		return
	}
	Eventually(e.servingPID()).WithTimeout(e.step).ShouldNot(matchers.HaveLeakedProcessFds(before),
		"the proxy's open fds after the lifecycle, compared with before")
}
