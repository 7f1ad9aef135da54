package faultyproxy_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
	"github.com/thediveo/fdooze"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/fakes/faultyproxy"
	"github.com/wirecert/wirecert/fakes/framepeer"
	"github.com/wirecert/wirecert/fakes/hyperagent"
	"github.com/wirecert/wirecert/reference/ccproxy"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
	"github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
)

var _ = Describe("faulty proxy relay", func() {
	var (
		dir, sock string
		agent     *hyperagent.Agent
	)

	BeforeEach(func() {
		goods := gleak.Goroutines()
		fds := fdooze.Filedescriptors()
		dir = Successful(os.MkdirTemp("", "faulty-test-"))
		sock = filepath.Join(dir, "proxy.sock")
		agent = Successful(hyperagent.New(dir))
		DeferCleanup(func() {
			Expect(agent.Close()).To(Succeed())
			Expect(os.RemoveAll(dir)).To(Succeed())
			Eventually(gleak.Goroutines).ShouldNot(gleak.HaveLeaked(goods))
			Expect(fdooze.Filedescriptors()).NotTo(fdooze.HaveLeakedFds(fds))
		})
	})

	start := func(f faultyproxy.Fault) *faultyproxy.Proxy {
		p := Successful(faultyproxy.Start(sock, f, ccproxy.Config{ReadyTimeout: 2 * time.Second}))
		DeferCleanup(p.Close)
		return p
	}

	It("is transparent without a fault, agent channels included", func(ctx SpecContext) {
		start(Successful(faultyproxy.Lookup("none")))
		agent.Reply(hyperstart.Ping, func(hyperagent.Command) (hyperstart.Code, []byte) { return hyperstart.Ack, []byte("pong") })
		c := Successful(ccproxy.Dial(sock))
		defer c.Close()
		resp := Successful(c.RegisterVM(api.RegisterVM{ContainerID: "vm", CtlSerial: agent.CtlPath(), IoSerial: agent.IOPath(), NumIOStreams: 1}))
		Expect(resp.IO.URL).To(Equal("unix://" + sock))
		Expect(agent.Dials()).To(Equal([]string{"ctl", "io"}))
		Expect(Successful(c.Hyper("ping", nil, nil))).To(Equal(json.RawMessage("pong")))
		cmd := Successful(agent.WaitCommand(ctx, hyperstart.Ping))
		Expect(cmd.Payload).To(BeEmpty())
	}, SpecTimeout(10*time.Second))

	It("crashes when a fault says so, and reports it", func() {
		p := start(faultyproxy.Fault{Requirement: "CCP-S-05", What: "crash on HL < 3",
			OnClientHeader: func(_ *faultyproxy.Link, h *faultyproxy.ClientHeader) faultyproxy.Action {
				if h.HeaderLength < 3 {
					return faultyproxy.Crash
				}
				return faultyproxy.Forward
			}})
		bystander := Successful(framepeer.Dial(sock, time.Second))
		defer bystander.Close()
		bad := Successful(framepeer.Dial(sock, time.Second))
		defer bad.Close()
		Expect(bad.Send([]byte{0, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0})).To(Succeed())
		Expect(bystander.ExpectClosed(5 * time.Second)).To(Succeed())
		Expect(p.Alive()).To(MatchError(faultyproxy.ErrCrashed))
		Eventually(p.Done()).Should(BeClosed())
	})

	It("rewrites server frames", func() {
		start(faultyproxy.Fault{Requirement: "CCP-S-01", What: "reserved byte set",
			OnServerFrame: func(_ *faultyproxy.Link, f api.Frame) []byte {
				f.Header.Reserved3 = 1
				return api.AppendFrame(nil, f)
			}})
		peer := Successful(framepeer.Dial(sock, time.Second))
		defer peer.Close()
		Expect(peer.SendFrame(api.NewFrame(api.TypeCommand, api.CmdAttachVM, false, []byte(`{"containerId":"x"}`)))).To(Succeed())
		Expect(peer.ReadFrameStrict(5 * time.Second)).Error().To(MatchError(api.ErrReserved))
	})
})
