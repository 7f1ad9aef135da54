package variantproxy

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

var _ = Describe("re-marshalling", func() {
	DescribeTable("a start's payload: zero members dropped, process members added, keys reverse-sorted, other values exact",
		func(in, out string) {
			got := Successful(remarshalStart([]byte(in)))
			Expect(string(got)).To(Equal(out))
			Expect(withoutZeroMembers(Successful(decodeOne(got)))).To(Equal(withoutZeroMembers(Successful(decodeOne([]byte(in))))),
				"decoded, the payloads are equal but for zero-valued members")
		},
		Entry("a relocated execcmd",
			`{"container":"c","process":{"terminal":false,"stdio":1,"stderr":2,"args":["sh"],"envs":[],"workdir":""}}`,
			`{"process":{"user":"","stdio":1,"stderr":2,"group":"","args":["sh"]},"container":"c"}`),
		Entry("numbers keep their literal; only all-zero digits are zero",
			`{"process":{"stdio":3,"n":1.50,"big":12345678901234567890,"tiny":1e-400,"z":0.0,"neg":-0,"e":0E7}}`,
			`{"process":{"user":"","tiny":1e-400,"stdio":3,"n":1.50,"group":"","envs":[],"big":12345678901234567890}}`),
		Entry("zero members inside array elements go, the elements stay",
			`{"id":"c","process":{"stdio":1,"user":"u","envs":[{"env":"A","value":""},{"env":"","value":""}],"args":["",""]}}`,
			`{"process":{"user":"u","stdio":1,"group":"","envs":[{"env":"A"},{}],"args":["",""]},"id":"c"}`),
		Entry("nested objects, null and HTML characters",
			`{"id":"<c&d>","rootfs":"","image":null,"x":{"b":{},"a":{"k":true,"l":false}},"process":{"stdio":1}}`,
			`{"x":{"a":{"k":true}},"process":{"user":"","stdio":1,"group":"","envs":[]},"id":"<c&d>"}`),
	)

	DescribeTable("refuses what is not one JSON value",
		func(in string) {
			Expect(remarshalStart([]byte(in))).Error().To(MatchError(ErrNotOneJSONValue))
		},
		Entry("empty", ``),
		Entry("cut short", `{"process":`),
		Entry("two values", `{} {}`),
	)

	DescribeTable("zero values",
		func(in string, zero bool) {
			Expect(isZero(Successful(decodeOne([]byte(in))))).To(Equal(zero))
		},
		Entry(nil, `null`, true), Entry(nil, `false`, true), Entry(nil, `true`, false),
		Entry(nil, `0`, true), Entry(nil, `-0.000e5`, true), Entry(nil, `0.001`, false), Entry(nil, `1e-999`, false),
		Entry(nil, `""`, true), Entry(nil, `" "`, false), Entry(nil, `[]`, true), Entry(nil, `[0]`, false),
		Entry(nil, `{}`, true), Entry(nil, `{"a":0}`, false),
	)

	It("lays out a response with reverse-sorted keys and spaces", func() {
		b := &behaviour{allowed: Successful(allowedWithout(nil))}
		Expect(string(b.ioResponse([]byte(`{"io":{"URL":"unix:///p.sock","tokens":null}}`)))).
			To(Equal(`{"io": {"tokens": [], "URL": "unix:///p.sock"}}`))
		Expect(string(b.ioResponse([]byte(`{"io":{"URL":"u","tokens":["t1","t2"]}}`)))).
			To(Equal(`{"io": {"tokens": ["t1", "t2"], "URL": "u"}}`))
		f := b.response(api.NewFrame(api.TypeResponse, api.CmdHyper, false, []byte(`{"b":1,"a":2}`)))
		Expect(string(f.Payload)).To(Equal(`{"b":1,"a":2}`), "a Hyper ACK payload stays verbatim")
		f = b.response(api.NewFrame(api.TypeResponse, api.CmdSignal, true, []byte(`{"msg":"Signal: bad"}`)))
		Expect(string(f.Payload)).To(Equal(`{"msg": "Signal refused by the variant proxy"}`))
		Expect(f.Header.Error).To(BeTrue())
	})
})

var _ = Describe("log entries", func() {
	DescribeTable("valid or not",
		func(in string, valid bool) {
			Expect(validLogEntry([]byte(in))).To(Equal(valid))
		},
		Entry(nil, `{"source":"shim","level":"debug","msg":"m"}`, true),
		Entry(nil, `{"source":"runtime","containerId":"c","level":"error","msg":""}`, true),
		Entry(nil, `{"source":"shim","containerId":null,"level":"info","msg":"m","extra":1}`, true),
		Entry(nil, `{"source":"kernel","level":"info","msg":"m"}`, false),
		Entry(nil, `{"source":"shim","level":"fatal","msg":"m"}`, false),
		Entry(nil, `{"source":"shim","level":"warn"}`, false),
		Entry(nil, `{"source":"shim","level":"warn","msg":null}`, false),
		Entry(nil, `{"source":"shim","level":"warn","msg":3}`, false),
		Entry(nil, `{"source":"shim","containerId":7,"level":"warn","msg":"m"}`, false),
		Entry(nil, `{"source":"shim","level":"warn","msg":"m"} x`, false),
		Entry(nil, `null`, false),
		Entry(nil, `["shim"]`, false),
		Entry(nil, ``, false),
	)
})

var _ = Describe("delivery", func() {
	frame := func(t api.FrameType, op uint8, payload string) api.Frame {
		return api.NewFrame(t, op, false, []byte(payload))
	}
	DescribeTable("frames in pieces",
		func(f api.Frame, sizes []int) {
			pieces := framePieces([]api.Frame{f}, true)
			var joined []byte
			var got []int
			for _, p := range pieces {
				got = append(got, len(p))
				joined = append(joined, p...)
			}
			Expect(got).To(Equal(sizes))
			Expect(joined).To(Equal(api.AppendFrame(nil, f)), "the same bytes")
			Expect(framePieces([]api.Frame{f}, false)).To(Equal([][]byte{api.AppendFrame(nil, f)}))
		},
		Entry("empty payload", frame(api.TypeResponse, api.CmdAttachVM, ""), []int{5, 7}),
		Entry("one byte", frame(api.TypeNotification, api.NotificationProcessExited, "\x00"), []int{5, 7, 1}),
		Entry("five bytes", frame(api.TypeStream, api.StreamStdout, "hello"), []int{5, 7, 2, 3}),
	)

	It("re-chunks output and stdin, never into an empty packet", func() {
		b := &behaviour{allowed: Successful(allowedWithout(nil))}
		out := b.rechunkOutput(frame(api.TypeStream, api.StreamStderr, "abc"))
		Expect(out).To(HaveLen(2))
		Expect(string(out[0].Payload) + string(out[1].Payload)).To(Equal("abc"))
		Expect(b.rechunkOutput(frame(api.TypeStream, api.StreamStdout, "a"))).To(HaveLen(1))
		Expect(b.rechunkOutput(frame(api.TypeResponse, api.CmdHyper, "ack!"))).To(HaveLen(1), "only streams")
	})
})
