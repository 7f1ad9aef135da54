package ccproxy

import (
	"bytes"
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/matchers"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
	"github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
)

// framingSpecs: reassembly from any fragmentation (CCP-S-03) and frames that
// never interleave (CCP-S-10).
func (s *serverSuite) framingSpecs() {
	split := []TableEntry{}
	for k := 1; k < api.HeaderSize; k++ {
		split = append(split, s.entry(fmt.Sprintf("CCP-S-03/header-split-after-%d", k), requirement.Must,
			fmt.Sprintf("header split after byte %d: %s then %s", k, showBytes(attachUnknown[:k]), showBytes(attachUnknown[k:])),
			attachUnknown, []int{k}))
	}
	split = append(split,
		s.entry("CCP-S-03/payload-split-in-3", requirement.Must, fmt.Sprintf("payload split in three: %s", showBytes(attachUnknown)), attachUnknown, []int{12, 5, 10}),
		s.entry("CCP-S-03/split-in-4", requirement.Must, fmt.Sprintf("header and payload split in four: %s", showBytes(attachUnknown)), attachUnknown, []int{3, 7, 4, 9}),
	)
	DescribeTable("reassembles a frame sent in several writes, each read by the proxy before the next is sent",
		func(ctx SpecContext, b []byte, chunks []int) {
			c := s.env.dial("runtime")
			c.sendEachRead(b, chunks...)
			c.expectFailure(c.response(api.CmdAttachVM))
			c.fail(api.CmdAttachVM, api.AttachVM{ContainerID: uniqueID("unknown")})
			s.env.expectServing()
		},
		split,
	)

	s.it("CCP-S-03/one-byte-writes", requirement.Must, fmt.Sprintf("a frame sent one byte per write, each read before the next: %s", showBytes(attachUnknown)), func(ctx SpecContext) {
		c := s.env.dial("runtime")
		c.sendEachRead(attachUnknown, bytewise(len(attachUnknown))...)
		c.expectFailure(c.response(api.CmdAttachVM))
		c.fail(api.CmdAttachVM, api.AttachVM{ContainerID: uniqueID("unknown")})
	})

	s.it("CCP-S-03/registervm-hyper-one-byte-writes", requirement.Must, "a successful RegisterVM and Hyper sent one byte per write, each read before the next", func(ctx SpecContext) {
		env := s.env
		agent := env.newAgent()
		c := env.dial("runtime")
		id := uniqueID("vm")
		reg, err := api.MarshalPayload(registerVMPayload(id, agent, 1))
		Expect(err).NotTo(HaveOccurred())
		regFrame := frameBytes(api.TypeCommand, api.CmdRegisterVM, string(reg))
		c.sendEachRead(regFrame, bytewise(len(regFrame))...)
		var resp api.RegisterVMResponse
		Expect(api.UnmarshalPayload(c.response(api.CmdRegisterVM).Payload, &resp)).To(Succeed())
		Expect(resp.IO.Tokens).To(HaveLen(1))
		agent.Reply(hyperstart.Ping, ackWith(`{"pong":true}`))
		ping := frameBytes(api.TypeCommand, api.CmdHyper, `{"hyperName":"ping","tokens":[]}`)
		c.sendEachRead(ping, bytewise(len(ping))...)
		f := c.response(api.CmdHyper)
		Expect(f).NotTo(matchers.HaveErrorFlag())
		Expect(string(f.Payload)).To(Equal(`{"pong":true}`))
	})

	three := cat(
		frameBytes(api.TypeCommand, api.CmdAttachVM, unknownVMPayload),
		frameBytes(api.TypeCommand, api.CmdUnregisterVM, unknownVMPayload),
		frameBytes(api.TypeCommand, api.CmdHyper, `{"hyperName":"ping","tokens":[]}`),
	)
	s.it("CCP-S-03/three-frames-one-write", requirement.Must, fmt.Sprintf("three frames in one write, AttachVM, UnregisterVM, Hyper (all failing): %s", showBytes(three)), func(ctx SpecContext) {
		c := s.env.dial("runtime")
		c.sendBytes(three)
		for _, op := range []uint8{api.CmdAttachVM, api.CmdUnregisterVM, api.CmdHyper} {
			c.expectFailure(c.response(op))
		}
		c.expectSilent("three commands, three responses")
	})

	first, second := attachUnknown, frameBytes(api.TypeCommand, api.CmdUnregisterVM, unknownVMPayload)
	s.it("CCP-S-03/frame-and-start-of-next", requirement.Must, fmt.Sprintf("a frame and the first 7 bytes of the next in one write: %s, then the rest: %s", showBytes(cat(first, second[:7])), showBytes(second[7:])), func(ctx SpecContext) {
		c := s.env.dial("runtime")
		c.sendBytes(cat(first, second[:7]))
		c.expectFailure(c.response(api.CmdAttachVM))
		c.expectQuiet("the second frame is not complete yet")
		c.sendBytes(second[7:])
		c.expectFailure(c.response(api.CmdUnregisterVM))
	})

	s.it("CCP-S-10/output-during-signals", requirement.Must, "heavy stdout and stderr to a shim while it sends Signal commands: every frame arrives whole", func(ctx SpecContext) {
		p := s.env.startProcess(ctx, false)
		p.shim.framing = "CCP-S-10" // a frame written inside another reads as garbage
		const chunks, signals = 40, 20
		var stdout, stderr []byte
		for i := range chunks {
			stdout = append(stdout, bytes.Repeat([]byte{byte('a' + i%26)}, 10228)...)
			stderr = append(stderr, bytes.Repeat([]byte{byte('A' + i%26)}, 1000+i)...)
		}
		agentDone := make(chan error, 1)
		go func() {
			defer GinkgoRecover()
			var err error
			for i, off := 0, 0; i < chunks && err == nil; i++ {
				err = p.agent.SendIO(p.stdio, stdout[i*10228:(i+1)*10228])
				if err == nil {
					err = p.agent.SendIO(p.stderr, stderr[off:off+1000+i])
					off += 1000 + i
				}
			}
			agentDone <- err
		}()
		shimDone := make(chan error, 1)
		go func() {
			defer GinkgoRecover()
			var err error
			for range signals {
				if err = p.shim.sendFrame(api.NewFrame(api.TypeCommand, api.CmdSignal, false, []byte(`{"signalNumber":28,"columns":80,"rows":24}`))); err != nil {
					break
				}
			}
			shimDone <- err
		}()
		var gotOut, gotErr []byte
		responses := 0
		for len(gotOut) < len(stdout) || len(gotErr) < len(stderr) || responses < signals {
			f := p.shim.next()
			switch {
			case f.Header.Type == api.TypeResponse:
				Expect(f).To(matchers.HaveOpcode(api.CmdSignal))
				Expect(f).NotTo(matchers.HaveErrorFlag(), "SIGWINCH 24x80 to a started process")
				responses++
			case f.Header.Type == api.TypeStream && f.Header.Opcode == api.StreamStdout:
				gotOut = append(gotOut, f.Payload...)
			case f.Header.Type == api.TypeStream && f.Header.Opcode == api.StreamStderr:
				gotErr = append(gotErr, f.Payload...)
			default:
				Fail("unexpected frame " + f.String())
			}
		}
		Expect(<-agentDone).To(Succeed())
		Expect(<-shimDone).To(Succeed())
		expectSameBytes(gotOut, stdout, "stdout")
		expectSameBytes(gotErr, stderr, "stderr")
		Expect(responses).To(Equal(signals))
	})
}

// bytewise is the chunk list of n one-byte writes.
func bytewise(n int) []int {
	chunks := make([]int, n)
	for i := range chunks {
		chunks[i] = 1
	}
	return chunks
}
