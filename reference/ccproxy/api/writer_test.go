package api_test

import (
	"bytes"
	"encoding/json"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// writeCounter counts Write calls, to prove one write per frame.
type writeCounter struct {
	bytes.Buffer
	writes int
}

func (w *writeCounter) Write(p []byte) (int, error) { w.writes++; return w.Buffer.Write(p) }

var _ = Describe("frame Writer", func() {

	DescribeTable("emits a valid header in one write",
		func(f api.Frame, wire []byte) {
			var out writeCounter
			Expect(api.NewWriter(&out).WriteFrame(f)).To(Succeed())
			Expect(out.writes).To(Equal(1))
			Expect(out.Bytes()).To(Equal(wire))
		},
		Entry("command with payload",
			api.NewFrame(api.TypeCommand, api.CmdConnectShim, false, []byte(`{"token":"t"}`)),
			append([]byte{0, 2, 3, 0, 0, 0, 0x00, 4, 0, 0, 0, 13}, `{"token":"t"}`...)),
		Entry("error response",
			api.NewFrame(api.TypeResponse, api.CmdHyper, true, []byte(`{"msg":"x"}`)),
			append([]byte{0, 2, 3, 0, 0, 0, 0x11, 3, 0, 0, 0, 11}, `{"msg":"x"}`...)),
		Entry("reserved fields, HL and length in the given header are normalised",
			api.Frame{Header: api.FrameHeader{Version: 9, HeaderLength: 7, Reserved3: 1, Reserved45: 2, ReservedBits: 3, Type: api.TypeStream, Opcode: 2, PayloadLength: 99}, Payload: []byte("e")},
			[]byte{0, 2, 3, 0, 0, 0, 0x02, 2, 0, 0, 0, 1, 'e'}),
		Entry("ProcessExited is one raw byte",
			api.NewFrame(api.TypeNotification, api.NotificationProcessExited, false, []byte{42}),
			[]byte{0, 2, 3, 0, 0, 0, 0x03, 0, 0, 0, 0, 1, 42}),
	)

	DescribeTable("refuses frames the protocol forbids",
		func(f api.Frame, sentinel error) {
			var out bytes.Buffer
			Expect(api.NewWriter(&out).WriteFrame(f)).To(MatchError(sentinel))
			Expect(out.Len()).To(BeZero())
		},
		Entry("E on a command", api.NewFrame(api.TypeCommand, 0, true, nil), api.ErrErrorFlag),
		Entry("type 4", api.NewFrame(4, 0, false, nil), api.ErrType),
		Entry("stream opcode 4", api.NewFrame(api.TypeStream, 4, false, nil), api.ErrOpcode),
	)

	It("writes JSON payloads and error responses", func() {
		var out bytes.Buffer
		w := api.NewWriter(&out)
		Expect(w.WriteJSON(api.TypeCommand, api.CmdSignal, false, api.Signal{SignalNumber: 28, Columns: 80, Rows: 24})).To(Succeed())
		Expect(w.WriteError(api.CmdAttachVM, "unknown containerId")).To(Succeed())
		r := api.NewReader(&out, api.WithStrictReserved())
		f := Successful(r.ReadFrame())
		var sig api.Signal
		Expect(api.UnmarshalPayload(f.Payload, &sig)).To(Succeed())
		Expect(sig).To(Equal(api.Signal{SignalNumber: 28, Columns: 80, Rows: 24}))
		f = Successful(r.ReadFrame())
		Expect(f.Header.Error).To(BeTrue())
		Expect(json.Unmarshal(f.Payload, &map[string]any{})).To(Succeed())
		Expect(string(f.Payload)).To(Equal(`{"msg":"unknown containerId"}`))
	})
})

var _ = Describe("payloads", func() {
	It("names the RegisterVM response URL key exactly as upstream", func() {
		b := Successful(json.Marshal(api.RegisterVMResponse{IO: api.IOResponse{URL: "unix:///p", Tokens: []string{"a"}}}))
		Expect(string(b)).To(Equal(`{"io":{"URL":"unix:///p","tokens":["a"]}}`))
	})

	DescribeTable("validates Signal",
		func(s api.Signal, ok bool) {
			if ok {
				Expect(s.Validate()).To(Succeed())
				return
			}
			Expect(s.Validate()).To(MatchError(api.ErrPayload))
		},
		Entry("SIGTERM", api.Signal{SignalNumber: 15}, true),
		Entry("signal 0", api.Signal{SignalNumber: 0}, true),
		Entry("signal 30", api.Signal{SignalNumber: 30}, true),
		Entry("signal 31", api.Signal{SignalNumber: 31}, false),
		Entry("signal -1", api.Signal{SignalNumber: -1}, false),
		Entry("SIGWINCH with size", api.Signal{SignalNumber: 28, Rows: 24, Columns: 80}, true),
		Entry("SIGWINCH without rows", api.Signal{SignalNumber: 28, Columns: 80}, false),
		Entry("SIGTERM with size", api.Signal{SignalNumber: 15, Rows: 24, Columns: 80}, false),
	)

	DescribeTable("decodes payloads strictly",
		func(payload string, ok bool) {
			var v api.ConnectShim
			err := api.UnmarshalPayload([]byte(payload), &v)
			if ok {
				Expect(err).To(Succeed())
				return
			}
			Expect(err).To(MatchError(api.ErrPayload))
			Expect(err.Error()).To(ContainSubstring("api.ConnectShim"))
		},
		Entry("object", `{"token":"x"}`, true),
		Entry("unknown fields tolerated", `{"token":"x","future":1}`, true),
		Entry("empty", ``, false),
		Entry("two values", `{"token":"x"}{}`, false),
		Entry("wrong type", `{"token":5}`, false),
	)
})
