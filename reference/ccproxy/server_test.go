package ccproxy_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
	"github.com/thediveo/fdooze"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/fakes/hyperagent"
	"github.com/wirecert/wirecert/reference/ccproxy"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
	"github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
)

var _ = Describe("reference proxy Server", func() {
	var (
		sock  string
		agent *hyperagent.Agent
		ctx   context.Context
	)

	BeforeEach(func() {
		goods := gleak.Goroutines()
		fds := fdooze.Filedescriptors()
		dir := Successful(os.MkdirTemp("", "ccproxy-"))
		sock = filepath.Join(dir, "proxy.sock")
		srv := Successful(ccproxy.Listen(sock, ccproxy.Config{ReadyTimeout: 2 * time.Second, ShimTimeout: 2 * time.Second, FrameTimeout: 2 * time.Second}))
		agent = Successful(hyperagent.New(dir))
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
		DeferCleanup(func() {
			cancel()
			Expect(srv.Close()).To(Succeed())
			Expect(agent.Close()).To(Succeed())
			Expect(os.RemoveAll(dir)).To(Succeed())
			Eventually(gleak.Goroutines).ShouldNot(gleak.HaveLeaked(goods))
			Expect(fdooze.Filedescriptors()).NotTo(fdooze.HaveLeakedFds(fds))
		})
	})

	register := func(rt *wireConn, id string, streams int) api.RegisterVMResponse {
		var resp api.RegisterVMResponse
		rt.ok(api.CmdRegisterVM, api.RegisterVM{ContainerID: id, CtlSerial: agent.CtlPath(), IoSerial: agent.IOPath(), NumIOStreams: streams}, &resp)
		return resp
	}

	It("registers a VM: dials ctl then io, waits for READY, sends no command, returns distinct tokens", func() {
		rt := dialWire(sock)
		resp := register(rt, "vm1", 3)
		Expect(resp.IO.URL).To(Equal("unix://" + sock))
		Expect(resp.IO.Tokens).To(HaveLen(3))
		Expect(resp.IO.Tokens[0]).To(HaveLen(44))
		Expect(resp.IO.Tokens).To(ConsistOf(resp.IO.Tokens[0], resp.IO.Tokens[1], resp.IO.Tokens[2]))
		Expect(map[string]bool{resp.IO.Tokens[0]: true, resp.IO.Tokens[1]: true, resp.IO.Tokens[2]: true}).To(HaveLen(3))
		Expect(agent.Dials()).To(Equal([]string{"ctl", "io"}))
		Consistently(agent.Commands, 100*time.Millisecond).Should(BeEmpty())
		Expect(rt.fails(api.CmdRegisterVM, api.RegisterVM{ContainerID: "vm1", CtlSerial: agent.CtlPath(), IoSerial: agent.IOPath()})).To(ContainSubstring("already registered"))
	})

	It("refuses more io streams than MaxIOStreams at once, before making any token", func() {
		rt := dialWire(sock)
		Expect(rt.fails(api.CmdRegisterVM, api.RegisterVM{ContainerID: "vm1", CtlSerial: agent.CtlPath(), IoSerial: agent.IOPath(), NumIOStreams: 1 << 30})).
			To(ContainSubstring("numIOStreams is 1073741824, allowed 0..1024"))
		Expect(agent.Dials()).To(BeEmpty())
		register(rt, "vm1", ccproxy.DefaultMaxIOStreams)
		Expect(rt.fails(api.CmdAttachVM, api.AttachVM{ContainerID: "vm1", NumIOStreams: ccproxy.DefaultMaxIOStreams + 1})).
			To(ContainSubstring("numIOStreams is 1025, allowed 0..1024"))
	})

	It("runs a process lifecycle: start with a token, stdin, stdout, stderr, signal, exit code", func() {
		rt := dialWire(sock)
		tok := register(rt, "vm1", 1).IO.Tokens[0]
		shim := dialWire(sock)
		shim.ok(api.CmdConnectShim, api.ConnectShim{Token: tok}, nil)

		// A runtime starts the container's init with newcontainer: only its
		// process can be signalled through hyperstart.
		start := json.RawMessage(`{"id":"c1","rootfs":"rootfs","process":{"terminal":false,"args":["sh"],"workdir":"/","future":7}}`)
		rt.ok(api.CmdHyper, api.Hyper{HyperName: "newcontainer", Tokens: []string{tok}, Data: start}, nil)
		cmd := Successful(agent.WaitCommand(ctx, hyperstart.NewContainer))
		proc := Successful(hyperstart.ProcessOf("newcontainer", cmd.Payload))
		Expect(proc.Stdio).To(Equal(uint64(3)))
		Expect(proc.Stderr).To(Equal(uint64(4)))
		Expect(string(cmd.Payload)).To(ContainSubstring(`"future":7`))

		Expect(shim.w.WriteFrame(api.NewFrame(api.TypeStream, api.StreamStdin, false, []byte("hello")))).To(Succeed())
		Expect(shim.w.WriteFrame(api.NewFrame(api.TypeStream, api.StreamStdin, false, nil))).To(Succeed())
		Expect(Successful(agent.WaitStdinEOF(ctx, 3))).To(Equal([]byte("hello")))

		Expect(agent.SendIO(3, []byte("out"))).To(Succeed())
		f := shim.next()
		Expect(f.Header.Type).To(Equal(api.TypeStream))
		Expect(f.Header.Opcode).To(Equal(api.StreamStdout))
		Expect(string(f.Payload)).To(Equal("out"))
		Expect(agent.SendIO(4, []byte("err"))).To(Succeed())
		f = shim.next()
		Expect(f.Header.Opcode).To(Equal(api.StreamStderr))
		Expect(string(f.Payload)).To(Equal("err"))

		shim.ok(api.CmdSignal, api.Signal{SignalNumber: 15}, nil)
		kill := Successful(agent.WaitCommand(ctx, hyperstart.KillContainer))
		Expect(kill.Payload).To(MatchJSON(`{"container":"c1","signal":15,"allProcesses":false}`))
		shim.ok(api.CmdSignal, api.Signal{SignalNumber: 28, Rows: 24, Columns: 80}, nil)
		win := Successful(agent.WaitCommand(ctx, hyperstart.WinSize))
		Expect(win.Payload).To(MatchJSON(`{"seq":3,"row":24,"column":80}`))

		Expect(agent.Exit(3, 42)).To(Succeed())
		f = shim.next()
		Expect(f.Header.Type).To(Equal(api.TypeNotification))
		Expect(f.Payload).To(Equal([]byte{42}))
	})

	DescribeTable("closes a connection with a hostile header and keeps serving others",
		func(header []byte) {
			bad := dialWire(sock)
			Successful(bad.Write(header))
			bad.closed()
			register(dialWire(sock), "after", 0)
		},
		Entry("HL 2", []byte{0, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
		Entry("HL 0", []byte{0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
		Entry("version 3", []byte{0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
		Entry("type 4", []byte{0, 2, 3, 0, 0, 0, 4, 0, 0, 0, 0, 0}),
		Entry("opcode 7", []byte{0, 2, 3, 0, 0, 0, 0, 7, 0, 0, 0, 0}),
		Entry("E on a command", []byte{0, 2, 3, 0, 0, 0, 0x10, 0, 0, 0, 0, 0}),
		Entry("PayloadLength 0xFFFFFFFF", []byte{0, 2, 3, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}),
	)

	It("kills a process before it started: ProcessExited then an empty success", func() {
		rt := dialWire(sock)
		tok := register(rt, "vm1", 1).IO.Tokens[0]
		shim := dialWire(sock)
		shim.ok(api.CmdConnectShim, api.ConnectShim{Token: tok}, nil)
		Expect(shim.w.WriteJSON(api.TypeCommand, api.CmdSignal, false, api.Signal{SignalNumber: 9})).To(Succeed())
		f := shim.next()
		Expect(f.Header.Type).To(Equal(api.TypeNotification))
		Expect(f.Payload).To(Equal([]byte{0}))
		f = shim.next()
		Expect(f.Header.Type).To(Equal(api.TypeResponse))
		Expect(f.Header.Error).To(BeFalse())
		Expect(f.Payload).To(BeEmpty())
	})

	It("lets a dropped shim reconnect with its token, and refuses a claimed one", func() {
		rt := dialWire(sock)
		tok := register(rt, "vm1", 1).IO.Tokens[0]
		shim := dialWire(sock)
		shim.ok(api.CmdConnectShim, api.ConnectShim{Token: tok}, nil)
		Expect(dialWire(sock).fails(api.CmdConnectShim, api.ConnectShim{Token: tok})).To(ContainSubstring("claimed"))
		Expect(shim.Close()).To(Succeed())
		Eventually(func() bool {
			c := dialWire(sock)
			return !c.call(api.CmdConnectShim, api.ConnectShim{Token: tok}).Header.Error
		}).Should(BeTrue())
	})

	It("releases the token on DisconnectShim: the shim is closed and the token cannot be claimed again", func() {
		rt := dialWire(sock)
		tok := register(rt, "vm1", 1).IO.Tokens[0]
		shim := dialWire(sock)
		shim.ok(api.CmdConnectShim, api.ConnectShim{Token: tok}, nil)
		Expect(shim.w.WriteJSON(api.TypeCommand, api.CmdDisconnectShim, false, api.DisconnectShim{})).To(Succeed())
		shim.closed()
		Expect(dialWire(sock).fails(api.CmdConnectShim, api.ConnectShim{Token: tok})).To(ContainSubstring("unknown"))
	})

	It("relocates a tokenless start to the null session and refuses prefilled sequence numbers", func() {
		rt := dialWire(sock)
		register(rt, "vm1", 0)
		rt.ok(api.CmdHyper, api.Hyper{HyperName: "execcmd", Data: json.RawMessage(`{"container":"c","process":{"args":["ls"]}}`)}, nil)
		rt.ok(api.CmdHyper, api.Hyper{HyperName: "newcontainer", Data: json.RawMessage(`{"id":"t","process":{"terminal":true,"args":["sh"]}}`)}, nil)
		Expect(rt.fails(api.CmdHyper, api.Hyper{HyperName: "execcmd", Data: json.RawMessage(`{"container":"c","process":{"stdio":5,"args":["ls"]}}`)})).To(ContainSubstring("stdio/stderr are 5/0"))
		Eventually(agent.Commands).Should(HaveLen(2))
		var got [][]uint64
		for _, cmd := range agent.Commands() {
			proc := Successful(hyperstart.ProcessOf(cmd.Code.String(), cmd.Payload))
			got = append(got, []uint64{proc.Stdio, proc.Stderr})
		}
		Expect(got).To(Equal([][]uint64{{1, 2}, {1, 0}}))
		// The null session's output goes nowhere and breaks nothing.
		Expect(agent.SendIO(1, []byte("discarded"))).To(Succeed())
		Expect(agent.SendIO(2, []byte("discarded"))).To(Succeed())
		rt.ok(api.CmdHyper, api.Hyper{HyperName: "ping"}, nil)
	})

	It("refuses to signal a process started by execcmd, and sends the agent nothing", func() {
		rt := dialWire(sock)
		tok := register(rt, "vm1", 1).IO.Tokens[0]
		shim := dialWire(sock)
		shim.ok(api.CmdConnectShim, api.ConnectShim{Token: tok}, nil)
		rt.ok(api.CmdHyper, api.Hyper{HyperName: "execcmd", Tokens: []string{tok}, Data: json.RawMessage(`{"container":"c","process":{"args":["sh"]}}`)}, nil)
		Expect(shim.fails(api.CmdSignal, api.Signal{SignalNumber: 15})).To(ContainSubstring("execcmd"))
		shim.ok(api.CmdSignal, api.Signal{SignalNumber: 28, Rows: 24, Columns: 80}, nil)
		Eventually(agent.Commands).Should(HaveLen(2))
		Expect(agent.Commands()[1].Code).To(Equal(hyperstart.WinSize), "execcmd, then only the winsize")
	})

	It("ends a start waiting for its shim when the VM is unregistered", func() {
		// A proxy of its own, whose shim wait would outlast the spec.
		patient := filepath.Join(filepath.Dir(sock), "patient.sock")
		srv := Successful(ccproxy.Listen(patient, ccproxy.Config{ShimTimeout: time.Hour}))
		defer srv.Close()
		rt := dialWire(patient)
		token := register(rt, "vm1", 1).IO.Tokens[0]
		Expect(rt.w.WriteJSON(api.TypeCommand, api.CmdHyper, false, api.Hyper{HyperName: "execcmd", Tokens: []string{token},
			Data: json.RawMessage(`{"container":"c","process":{"args":["sh"]}}`)})).To(Succeed())
		// Give the start time to reach its wait for the shim: unregistered
		// first, it would fail on an unknown token instead.
		time.Sleep(200 * time.Millisecond)
		dialWire(patient).ok(api.CmdUnregisterVM, api.UnregisterVM{ContainerID: "vm1"}, nil)
		f := rt.next()
		Expect(f.Header.Opcode).To(Equal(api.CmdHyper))
		Expect(f.Header.Error).To(BeTrue(), "the start answered %s", f)
		Expect(string(f.Payload)).To(ContainSubstring("no shim connected"))
		Expect(agent.Commands()).To(BeEmpty())
	})

	It("fails an unknown hyperName without touching the agent, and the VM stays usable", func() {
		rt := dialWire(sock)
		register(rt, "vm1", 0)
		Expect(rt.fails(api.CmdHyper, api.Hyper{HyperName: "frobnicate"})).To(ContainSubstring("frobnicate"))
		Expect(agent.Commands()).To(BeEmpty())
		agent.Reply(hyperstart.Ping, func(hyperagent.Command) (hyperstart.Code, []byte) { return hyperstart.Ack, []byte("pong") })
		f := rt.call(api.CmdHyper, api.Hyper{HyperName: "ping"})
		Expect(f.Header.Error).To(BeFalse())
		Expect(string(f.Payload)).To(Equal("pong"))
	})
})
