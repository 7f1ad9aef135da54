package variantproxy_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/fakes/framepeer"
	"github.com/wirecert/wirecert/fakes/hyperagent"
	"github.com/wirecert/wirecert/fakes/variantproxy"
	"github.com/wirecert/wirecert/reference/ccproxy"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
	"github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
)

// decoded is data decoded with exact numbers and without zero-valued
// members, as a spec should compare relocated data.
func decoded(data []byte) any {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	Expect(dec.Decode(&v)).To(Succeed())
	return nonZero(v)
}

func nonZero(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, m := range x {
			if m = nonZero(m); m != nil {
				out[k] = m
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []any:
		if len(x) == 0 {
			return nil
		}
		for i := range x {
			x[i] = nonZero(x[i])
		}
		return x
	case bool:
		if !x {
			return nil
		}
	case string:
		if x == "" {
			return nil
		}
	case json.Number:
		if f, err := x.Float64(); err == nil && f == 0 {
			return nil
		}
	}
	return v
}

var _ = Describe("the agent path of a variant", func() {
	var (
		sock  string
		agent *hyperagent.Agent
		rt    *ccproxy.Client
	)

	BeforeEach(func() {
		dir := Successful(os.MkdirTemp("", "variant-agent-"))
		DeferCleanup(os.RemoveAll, dir)
		sock = filepath.Join(dir, "proxy.sock")
		p := Successful(variantproxy.Start(sock, Successful(variantproxy.Lookup("system")), nil))
		DeferCleanup(p.Close)
		agent = Successful(hyperagent.New(dir))
		DeferCleanup(agent.Close)
		rt = Successful(ccproxy.Dial(sock, ccproxy.WithTimeout(step)))
		DeferCleanup(rt.Close)
	})

	It("re-marshals a start: the agent's data decodes equal to the client's, relocated, but for zero-valued fields", func(ctx SpecContext) {
		Successful(rt.RegisterVM(api.RegisterVM{ContainerID: "vm", CtlSerial: agent.CtlPath(), IoSerial: agent.IOPath()}))
		sent := `{"id":"c","rootfs":"r","image":"","process":{"terminal":false,"stdio":0,"stderr":0,"args":["sh","-c",""],"envs":[{"env":"A","value":""}],"workdir":"/","rlimit":1.50,"big":12345678901234567890}}`
		Successful(rt.Hyper("newcontainer", nil, json.RawMessage(sent)))
		got := Successful(agent.WaitCommand(ctx, hyperstart.NewContainer)).Payload
		Expect(string(got)).NotTo(Equal(sent), "re-encoded")
		Expect(string(got)).To(HavePrefix(`{"rootfs":"r","process":{`), "keys in another order")
		// The null session relocates a tokenless start to stdio 1, stderr 2.
		want := bytes.Replace([]byte(sent), []byte(`"stdio":0,"stderr":0`), []byte(`"stdio":1,"stderr":2`), 1)
		Expect(decoded(got)).To(Equal(decoded(want)))
		Expect(string(got)).To(ContainSubstring(`"rlimit":1.50`), "numbers by their literal")
		Expect(string(got)).To(ContainSubstring(`"big":12345678901234567890`))
	}, SpecTimeout(2*step))

	It("passes a client's Hyper killcontainer verbatim, re-lays the one it makes of a Signal", func(ctx SpecContext) {
		io := Successful(rt.RegisterVM(api.RegisterVM{ContainerID: "vm", CtlSerial: agent.CtlPath(), IoSerial: agent.IOPath(), NumIOStreams: 1})).IO
		data := `{"container":"x","signal":9,"allProcesses":true}`
		Successful(rt.Hyper("killcontainer", nil, json.RawMessage(data)))
		Expect(string(Successful(agent.WaitCommand(ctx, hyperstart.KillContainer)).Payload)).To(Equal(data))

		shim := Successful(ccproxy.Dial(sock, ccproxy.WithTimeout(step)))
		DeferCleanup(shim.Close)
		Expect(shim.ConnectShim(io.Tokens[0])).To(Succeed())
		Successful(rt.Hyper("newcontainer", io.Tokens, json.RawMessage(`{"id":"c","process":{"args":["sh"]}}`)))
		Expect(shim.Signal(api.Signal{SignalNumber: api.SIGTERM})).To(Succeed())
		Eventually(func() []hyperagent.Command { return agent.Commands() }).WithTimeout(step).Should(HaveLen(3))
		made := agent.Commands()[2]
		Expect(made.Code).To(Equal(hyperstart.KillContainer))
		Expect(string(made.Payload)).To(Equal(`{"signal":15,"container":"c","allProcesses":false}`))
	}, SpecTimeout(2*step))

	It("delivers output in more frames and stdin in more packets, byte-exact", func(ctx SpecContext) {
		io := Successful(rt.RegisterVM(api.RegisterVM{ContainerID: "vm", CtlSerial: agent.CtlPath(), IoSerial: agent.IOPath(), NumIOStreams: 1})).IO
		shim := Successful(framepeer.Dial(sock, step))
		DeferCleanup(shim.Close)
		connect := Successful(api.MarshalPayload(api.ConnectShim{Token: io.Tokens[0]}))
		Expect(shim.SendFrame(api.NewFrame(api.TypeCommand, api.CmdConnectShim, false, connect))).To(Succeed())
		Expect(Successful(shim.ReadFrameStrict(step)).Header.Error).To(BeFalse())
		Successful(rt.Hyper("newcontainer", io.Tokens, json.RawMessage(`{"id":"c","process":{"args":["sh"]}}`)))
		stdio := uint64(3)

		Expect(agent.SendIO(stdio, []byte("hello"))).To(Succeed())
		first := Successful(shim.ReadFrameStrict(step))
		second := Successful(shim.ReadFrameStrict(step))
		Expect(string(first.Payload) + string(second.Payload)).To(Equal("hello"))
		Expect(first.Header.Opcode).To(Equal(api.StreamStdout))
		Expect(second.Header.Opcode).To(Equal(api.StreamStdout))

		Expect(shim.SendFrame(api.NewFrame(api.TypeStream, api.StreamStdin, false, []byte("input")))).To(Succeed())
		Expect(shim.SendFrame(api.NewFrame(api.TypeStream, api.StreamStdin, false, nil))).To(Succeed())
		Expect(string(Successful(agent.WaitStdinEOF(ctx, stdio)))).To(Equal("input"))
		Expect(Successful(agent.WaitIO(ctx, 3))).To(HaveLen(3), "two packets of stdin, then the EOF")
	}, SpecTimeout(2*step))

	It("answers a no-token RegisterVM with tokens [] laid out its own way", func() {
		peer := Successful(framepeer.Dial(sock, step))
		DeferCleanup(peer.Close)
		reg := Successful(api.MarshalPayload(api.RegisterVM{ContainerID: "vm", CtlSerial: agent.CtlPath(), IoSerial: agent.IOPath()}))
		Expect(peer.SendFrame(api.NewFrame(api.TypeCommand, api.CmdRegisterVM, false, reg))).To(Succeed())
		f := Successful(peer.ReadFrameStrict(step))
		Expect(string(f.Payload)).To(Equal(`{"io": {"tokens": [], "URL": "unix://` + sock + `"}}`))
	})
})
