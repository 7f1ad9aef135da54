package ccproxy

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// shimSpecs: ConnectShim and DisconnectShim (CCP-S-25..27).
func (s *serverSuite) shimSpecs() {
	s.it("CCP-S-25/unknown-token", requirement.Must, "ConnectShim with an unknown, empty or garbage token fails and the connection stays usable", func(ctx SpecContext) {
		c := s.env.dial("shim")
		c.fail(api.CmdConnectShim, api.ConnectShim{Token: unknownToken})
		c.fail(api.CmdConnectShim, api.ConnectShim{Token: ""})
		c.fail(api.CmdConnectShim, api.ConnectShim{Token: "not a token \x00"})
		c.fail(api.CmdAttachVM, api.AttachVM{ContainerID: uniqueID("unknown")})
	})

	s.it("CCP-S-25/claimed-token", requirement.Must, "ConnectShim with a token another shim claimed fails; the first shim keeps the process's output", func(ctx SpecContext) {
		p := s.env.startProcess(ctx, false)
		s.env.dial("second shim").fail(api.CmdConnectShim, api.ConnectShim{Token: p.token})
		Expect(p.agent.SendIO(p.stdio, []byte("for the first shim"))).To(Succeed())
		Expect(readStream(p.shim, api.StreamStdout, len("for the first shim"), nil)).To(Equal([]byte("for the first shim")))
	})

	s.it("CCP-S-25/unregistered-vm-token", requirement.Should, "ConnectShim with a token of an unregistered VM fails", func(ctx SpecContext) {
		env := s.env
		if env.target.PerPod {
			requirement.NotApplicable("a per-pod proxy exits after UnregisterVM: no proxy is left to refuse the token")
		}
		c := env.dial("runtime")
		id, io := env.registerVM(c, env.newAgent(), 1)
		c.ok(api.CmdUnregisterVM, api.UnregisterVM{ContainerID: id})
		env.dial("shim").fail(api.CmdConnectShim, api.ConnectShim{Token: io.Tokens[0]})
	})

	s.it("CCP-S-26/reconnect", requirement.Must, "a shim whose connection dropped reconnects with its token and gets the output and the exit", func(ctx SpecContext) {
		env := s.env
		p := env.startProcess(ctx, false)
		Expect(p.shim.peer.Close()).To(Succeed())
		shim := s.reconnectShim(p.token)
		env.expectAlive()
		Expect(p.agent.SendIO(p.stdio, []byte("after reconnect"))).To(Succeed())
		Expect(readStream(shim, api.StreamStdout, len("after reconnect"), nil)).To(Equal([]byte("after reconnect")))
		Expect(p.agent.Exit(p.stdio, 3)).To(Succeed())
		f := shim.next()
		Expect(f.Header.Type).To(Equal(api.TypeNotification), "expected ProcessExited, got %s", f)
		Expect(f.Payload).To(Equal([]byte{3}))
		env.expectServing()
	})

	s.it("CCP-S-26/reconnect-twice", requirement.Must, "a shim whose connection dropped twice reconnects each time and keeps the process's output", func(ctx SpecContext) {
		env := s.env
		p := env.startProcess(ctx, false)
		shim := p.shim
		for range 2 {
			Expect(shim.peer.Close()).To(Succeed())
			shim = s.reconnectShim(p.token)
			env.expectAlive()
		}
		Expect(p.agent.SendIO(p.stderr, []byte("still routed"))).To(Succeed())
		Expect(readStream(shim, api.StreamStderr, len("still routed"), nil)).To(Equal([]byte("still routed")))
	})

	s.it("CCP-S-27/disconnect-shim", requirement.Must, "DisconnectShim from a shim gets no response, the proxy closes that connection only, and the token is released", func(ctx SpecContext) {
		env := s.env
		p := env.startProcess(ctx, false)
		p.shim.send(api.TypeCommand, api.CmdDisconnectShim, api.DisconnectShim{})
		p.shim.expectClosed("DisconnectShim from a shim: no response, the proxy closes")
		p.runtime.ok(api.CmdHyper, hyperPayload("ping", nil, nil))
		env.expectServing()
		// The session ended with the DisconnectShim: its token is gone.
		env.dial("shim after DisconnectShim").fail(api.CmdConnectShim, api.ConnectShim{Token: p.token})
	})

	s.it("CCP-S-25/released-token", requirement.Must, "ConnectShim with a token released by DisconnectShim fails, also before any process started", func(ctx SpecContext) {
		env := s.env
		_, io := env.registerVM(env.dial("runtime"), env.newAgent(), 1)
		shim := env.connectShim(io.Tokens[0])
		shim.send(api.TypeCommand, api.CmdDisconnectShim, api.DisconnectShim{})
		// Closing the shim is CCP-S-27's; here the close only orders the
		// DisconnectShim before the next ConnectShim.
		_ = shim.peer.ExpectClosed(env.step)
		env.dial("shim after DisconnectShim").fail(api.CmdConnectShim, api.ConnectShim{Token: io.Tokens[0]})
	})
}

// reconnectShim claims token on a new connection, retrying within the step
// timeout: the proxy learns of the old shim's end asynchronously.
func (s *serverSuite) reconnectShim(token string) *serverConn {
	GinkgoHelper()
	deadline := time.Now().Add(s.env.step)
	for {
		c := s.env.dial("reconnected shim")
		f := c.command(api.CmdConnectShim, api.ConnectShim{Token: token})
		if !f.Header.Error {
			return c
		}
		_ = c.peer.Close()
		if time.Now().After(deadline) {
			Fail("a shim could not reconnect with its token within " + s.env.step.String() + "; last answer: " + f.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
