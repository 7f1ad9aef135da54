package variantproxy_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/fakes/faultyproxy"
	"github.com/wirecert/wirecert/fakes/framepeer"
	"github.com/wirecert/wirecert/fakes/hyperagent"
	"github.com/wirecert/wirecert/fakes/variantproxy"
	"github.com/wirecert/wirecert/reference/ccproxy"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
	"github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
)

// step bounds every wait of these specs.
const step = 5 * time.Second

var _ = Describe("variant proxies", func() {
	var dir, sock string

	BeforeEach(func() {
		dir = Successful(os.MkdirTemp("", "variant-test-"))
		sock = filepath.Join(dir, "proxy.sock")
		DeferCleanup(os.RemoveAll, dir)
	})

	start := func(name string, without ...string) *faultyproxy.Proxy {
		v := Successful(variantproxy.Lookup(name))
		p := Successful(variantproxy.Start(sock, v, without))
		DeferCleanup(p.Close)
		return p
	}
	newAgent := func() *hyperagent.Agent {
		d := Successful(os.MkdirTemp(dir, "agent-"))
		a := Successful(hyperagent.New(d))
		DeferCleanup(a.Close)
		return a
	}
	dial := func() *ccproxy.Client {
		c := Successful(ccproxy.Dial(sock, ccproxy.WithTimeout(step)))
		DeferCleanup(c.Close)
		return c
	}
	register := func(c *ccproxy.Client, id string, a *hyperagent.Agent) *api.RegisterVMResponse {
		return Successful(c.RegisterVM(api.RegisterVM{ContainerID: id, CtlSerial: a.CtlPath(), IoSerial: a.IOPath(), NumIOStreams: 1}))
	}
	expectEnded := func(p *faultyproxy.Proxy) {
		GinkgoHelper()
		Eventually(p.Done()).WithTimeout(step).Should(BeClosed())
		Expect(p.Alive()).To(Succeed(), "an ended variant did not crash")
		Expect(sock).NotTo(BeAnExistingFile(), "its socket is removed")
	}

	It("lists its variants and refuses unknown names", func() {
		Expect(variantproxy.Names()).To(Equal([]string{"pod", "system"}))
		Expect(variantproxy.Lookup("nope")).Error().To(MatchError(variantproxy.ErrUnknownVariant))
		pod := Successful(variantproxy.Lookup("pod"))
		Expect(pod.Fault("nope")).Error().To(MatchError(variantproxy.ErrUnknownAllowance))
		f := Successful(pod.Fault())
		Expect(f.Requirement).To(BeEmpty(), "a variant breaks no requirement")
		for _, a := range variantproxy.Allowances() {
			Expect(a.Sentence).NotTo(BeEmpty(), a.Name)
		}
	})

	Describe("pod", func() {
		It("serves one VM: a second RegisterVM fails, a failed one leaves the slot free", func() {
			p := start("pod")
			c := dial()
			missing := newAgent()
			Expect(missing.Close()).To(Succeed())
			Expect(c.RegisterVM(api.RegisterVM{ContainerID: "gone", CtlSerial: missing.CtlPath(), IoSerial: missing.IOPath()})).
				Error().To(BeAssignableToTypeOf(&ccproxy.ProxyError{}))
			register(c, "vm1", newAgent())
			other := newAgent()
			_, err := c.RegisterVM(api.RegisterVM{ContainerID: "vm2", CtlSerial: other.CtlPath(), IoSerial: other.IOPath()})
			Expect(err).To(MatchError(ContainSubstring("serves one VM")))
			Expect(other.Dials()).To(BeEmpty(), "a refused RegisterVM dials nothing")
			Expect(c.AttachVM(api.AttachVM{ContainerID: "vm1"})).Error().NotTo(HaveOccurred(), "the first VM is still served")
			Consistently(p.Done()).WithTimeout(100 * time.Millisecond).ShouldNot(BeClosed())
		})

		It("exits after a successful UnregisterVM was delivered, removing its socket", func() {
			p := start("pod")
			c := dial()
			register(c, "vm", newAgent())
			Expect(c.UnregisterVM(api.UnregisterVM{ContainerID: "nope"})).To(BeAssignableToTypeOf(&ccproxy.ProxyError{}))
			Consistently(p.Done()).WithTimeout(100*time.Millisecond).ShouldNot(BeClosed(), "a failed UnregisterVM ends nothing")
			Expect(c.UnregisterVM(api.UnregisterVM{ContainerID: "vm"})).To(Succeed(), "the response is delivered before the end")
			expectEnded(p)
			Eventually(c.Done()).WithTimeout(step).Should(BeClosed())
		})

		DescribeTable("exits when its VM's agent closes a channel",
			func(closeChannel func(*hyperagent.Agent) error) {
				p := start("pod")
				c := dial()
				a := newAgent()
				register(c, "vm", a)
				Expect(closeChannel(a)).To(Succeed())
				expectEnded(p)
				Eventually(c.Done()).WithTimeout(step).Should(BeClosed())
			},
			Entry("io", (*hyperagent.Agent).CloseIO),
			Entry("ctl", (*hyperagent.Agent).CloseCtl),
		)

		It("does not exit when the agent of a failed RegisterVM is hung up on", func() {
			p := start("pod")
			c := dial()
			erring := newAgent()
			erring2 := Successful(hyperagent.New(Successful(os.MkdirTemp(dir, "agent-")), hyperagent.WithReadyCode(hyperstart.Error)))
			DeferCleanup(erring2.Close)
			Expect(c.RegisterVM(api.RegisterVM{ContainerID: "vm", CtlSerial: erring2.CtlPath(), IoSerial: erring2.IOPath()})).
				Error().To(BeAssignableToTypeOf(&ccproxy.ProxyError{}))
			Consistently(p.Done()).WithTimeout(200 * time.Millisecond).ShouldNot(BeClosed())
			register(c, "vm", erring)
		})
	})

	Describe("system", func() {
		It("keeps the agent channels of an unregistered VM until the agent closes them", func() {
			start("system")
			c := dial()
			a := newAgent()
			register(c, "vm", a)
			Expect(c.UnregisterVM(api.UnregisterVM{ContainerID: "vm"})).To(Succeed())
			Expect(c.AttachVM(api.AttachVM{ContainerID: "vm"})).Error().To(BeAssignableToTypeOf(&ccproxy.ProxyError{}), "gone from the client-visible API")
			Consistently(func() []bool {
				ctl, io := a.Connected()
				return []bool{ctl, io}
			}).WithTimeout(200 * time.Millisecond).Should(Equal([]bool{true, true}))
			register(c, "vm2", newAgent())
		})

		It("hangs up on the agent of a failed RegisterVM", func() {
			start("system")
			c := dial()
			erring := Successful(hyperagent.New(Successful(os.MkdirTemp(dir, "agent-")), hyperagent.WithReadyCode(hyperstart.Error)))
			DeferCleanup(erring.Close)
			Expect(c.RegisterVM(api.RegisterVM{ContainerID: "vm", CtlSerial: erring.CtlPath(), IoSerial: erring.IOPath()})).
				Error().To(BeAssignableToTypeOf(&ccproxy.ProxyError{}))
			Eventually(func() []bool {
				ctl, io := erring.Connected()
				return []bool{ctl, io}
			}).WithTimeout(step).Should(Equal([]bool{false, false}))
		})
	})

	DescribeTable("closes a client connection on a frame it never accepts, answering nothing",
		func(t api.FrameType, op uint8, payload string) {
			start("system")
			peer := Successful(framepeer.Dial(sock, step))
			DeferCleanup(peer.Close)
			Expect(peer.SendFrame(api.NewFrame(t, op, false, []byte(payload)))).To(Succeed())
			Expect(peer.ExpectClosed(step)).To(Succeed())
		},
		Entry("a response", api.TypeResponse, api.CmdAttachVM, ``),
		Entry("a notification", api.TypeNotification, api.NotificationProcessExited, "\x00"),
		Entry("stdout", api.TypeStream, api.StreamStdout, "out"),
		Entry("stderr", api.TypeStream, api.StreamStderr, "err"),
		Entry("stdin from no shim", api.TypeStream, api.StreamStdin, "in"),
		Entry("a log entry that is no JSON", api.TypeStream, api.StreamLog, `{`),
		Entry("a log entry of an unknown level", api.TypeStream, api.StreamLog, `{"source":"shim","level":"loud","msg":"m"}`),
		Entry("a log entry without msg", api.TypeStream, api.StreamLog, `{"source":"runtime","level":"info"}`),
	)

	It("answers the commands before such a frame first, and passes a valid log entry", func() {
		start("system")
		peer := Successful(framepeer.Dial(sock, step))
		DeferCleanup(peer.Close)
		Expect(peer.SendFrame(api.NewFrame(api.TypeStream, api.StreamLog, false, []byte(`{"source":"shim","containerId":"c","level":"warn","msg":""}`)))).To(Succeed())
		attach := api.NewFrame(api.TypeCommand, api.CmdAttachVM, false, []byte(`{"containerId":"none"}`))
		Expect(peer.Send(append(api.AppendFrame(nil, attach), api.AppendFrame(nil, api.NewFrame(api.TypeResponse, api.CmdAttachVM, false, nil))...))).To(Succeed())
		f := Successful(peer.ReadFrameStrict(step))
		Expect(f.Header.Type).To(Equal(api.TypeResponse))
		Expect(f.Header.Opcode).To(Equal(api.CmdAttachVM))
		Expect(f.Header.Error).To(BeTrue())
		var msg api.ErrorResponse
		Expect(json.Unmarshal(f.Payload, &msg)).To(Succeed())
		Expect(msg.Message).To(Equal("AttachVM refused by the variant proxy"), "the variant's own wording")
		Expect(peer.ExpectClosed(step)).To(Succeed())
	})
})
