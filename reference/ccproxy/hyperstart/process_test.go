package hyperstart_test

import (
	"encoding/json"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/thediveo/success"

	. "github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
)

var _ = Describe("process payloads", func() {

	DescribeTable("relocate stdio and stderr, keeping every other field",
		func(cmdName, payload string, stdio, stderr uint64, want string) {
			got := Successful(RelocateProcess(cmdName, []byte(payload), stdio, stderr))
			Expect(string(got)).To(MatchJSON(want))
			p := Successful(ProcessOf(cmdName, got))
			Expect(p.Stdio).To(Equal(stdio))
			Expect(p.Stderr).To(Equal(stderr))
		},
		Entry("execcmd with unknown fields at both levels", "execcmd",
			`{"container":"c1","process":{"terminal":false,"stdio":0,"stderr":0,"args":["sh"],"workdir":"/","rlimits":[{"type":"nofile","hard":1024}],"noNewPrivileges":true},"future":{"x":[1,2]}}`,
			uint64(3), uint64(4),
			`{"container":"c1","process":{"terminal":false,"stdio":3,"stderr":4,"args":["sh"],"workdir":"/","rlimits":[{"type":"nofile","hard":1024}],"noNewPrivileges":true},"future":{"x":[1,2]}}`),
		Entry("execcmd without stdio keys (upstream omitempty)", "execcmd",
			`{"container":"c1","process":{"terminal":true,"args":["bash"],"workdir":"/root"}}`,
			uint64(5), uint64(0),
			`{"container":"c1","process":{"terminal":true,"stdio":5,"stderr":0,"args":["bash"],"workdir":"/root"}}`),
		Entry("newcontainer keeps the container fields", "newcontainer",
			`{"id":"c2","rootfs":"rootfs","image":"img","fsmap":[{"source":"/a","path":"/b"}],"sysctl":{"k":"v"},"process":{"terminal":false,"args":["true"],"envs":[{"env":"PATH","value":"/bin"}],"workdir":"/","user":"1000"},"restartPolicy":"never","initialize":false}`,
			uint64(7), uint64(8),
			`{"id":"c2","rootfs":"rootfs","image":"img","fsmap":[{"source":"/a","path":"/b"}],"sysctl":{"k":"v"},"process":{"terminal":false,"stdio":7,"stderr":8,"args":["true"],"envs":[{"env":"PATH","value":"/bin"}],"workdir":"/","user":"1000"},"restartPolicy":"never","initialize":false}`),
		Entry("large sequence numbers are exact", "execcmd",
			`{"container":"c","process":{"args":["x"]}}`,
			uint64(1<<63+1), uint64(1<<63+2),
			`{"container":"c","process":{"args":["x"],"stdio":9223372036854775809,"stderr":9223372036854775810}}`),
		Entry("other spellings of stdio and stderr are dropped: encoding/json would take them", "execcmd",
			`{"container":"c","process":{"args":["x"],"ſtdio":0,"STDERR":0,"Stdio":0}}`,
			uint64(3), uint64(4),
			`{"container":"c","process":{"args":["x"],"stdio":3,"stderr":4}}`),
	)

	// json.Marshal would escape them ("\u0026"): the same JSON, other bytes
	// than the runtime sent (found by FuzzRelocate).
	It("keeps <, > and & in the other fields as they were sent", func() {
		got := Successful(RelocateProcess("execcmd", []byte(`{"container":"a&b","process":{"args":["x"],"note":"<&>"},"x":"&"}`), 3, 4))
		Expect(string(got)).To(ContainSubstring(`"container":"a&b"`))
		Expect(string(got)).To(ContainSubstring(`"note":"<&>"`))
		Expect(string(got)).To(ContainSubstring(`"x":"&"`))
	})

	DescribeTable("reject payloads without a process",
		func(cmdName, payload string, sentinel error, text string) {
			_, err := RelocateProcess(cmdName, []byte(payload), 3, 4)
			Expect(err).To(MatchError(sentinel))
			Expect(err.Error()).To(ContainSubstring(text))
			_, err = ProcessOf(cmdName, []byte(payload))
			Expect(err).To(MatchError(sentinel))
		},
		Entry("newcontainer without process", "newcontainer", `{"id":"c2","rootfs":"r"}`, ErrNoProcess, "process is missing"),
		Entry("execcmd with null process", "execcmd", `{"container":"c","process":null}`, ErrNoProcess, "process is missing"),
		Entry("payload not an object", "execcmd", `[1,2]`, ErrPayload, `payload is "[1,2]", allowed a JSON object`),
		Entry("payload not JSON", "newcontainer", `{"id":`, ErrPayload, "allowed a JSON object"),
		Entry("process not an object", "execcmd", `{"container":"c","process":"sh"}`, ErrPayload, "process is"),
		Entry("a command without process", "killcontainer", `{"container":"c","signal":9}`, ErrNotProcessCommand, `"killcontainer": allowed execcmd or newcontainer`),
	)

	DescribeTable("refuse to relocate keys that differ only in case, which a decoder takes one for the other",
		func(payload, text string) {
			_, err := RelocateProcess("execcmd", []byte(payload), 3, 4)
			Expect(err).To(MatchError(ErrPayload))
			Expect(err.Error()).To(ContainSubstring(text))
		},
		Entry("in the process", `{"container":"c","process":{"terminal":true,"TERMINAL":false,"args":["x"]}}`,
			`execcmd process: keys "TERMINAL" and "terminal" differ only in case`),
		Entry("at the top, with Unicode folding", `{"container":"c","process":{"args":["x"]},"proceſs":{"args":["y"]}}`,
			`execcmd payload: keys "process" and "proceſs" differ only in case`),
	)

	It("keeps no other spelling of a known field among the unknown ones", func() {
		var p Process
		Expect(json.Unmarshal([]byte(`{"args":["a"],"ſtdio":0,"Workdir":"/","rlimits":[]}`), &p)).To(Succeed())
		Expect(p.Unknown).To(HaveLen(1))
		Expect(p.Unknown).To(HaveKey("rlimits"))
		p.Stdio = 9
		p.Unknown["STDIO"] = json.RawMessage("0")
		var back Process
		Expect(json.Unmarshal(Successful(json.Marshal(p)), &back)).To(Succeed())
		Expect(back.Stdio).To(Equal(uint64(9)))
	})

	It("extracts the process of an execcmd", func() {
		p := Successful(ProcessOf("execcmd", []byte(
			`{"container":"c","process":{"terminal":true,"stdio":3,"stderr":0,"args":["sh","-c","true"],"envs":[{"env":"A","value":"b"}],"workdir":"/w"}}`)))
		Expect(*p).To(Equal(Process{Terminal: true, Stdio: 3, Args: []string{"sh", "-c", "true"},
			Envs: []EnvironmentVar{{Env: "A", Value: "b"}}, Workdir: "/w"}))
	})

	It("round-trips a Process with unknown fields", func() {
		in := `{"terminal":false,"stdio":3,"stderr":4,"args":["a"],"workdir":"/","rlimits":[{"type":"core","soft":0}],"extra":null}`
		var p Process
		Expect(json.Unmarshal([]byte(in), &p)).To(Succeed())
		Expect(p.Unknown).To(HaveKey("rlimits"))
		Expect(p.Unknown).To(HaveKey("extra"))
		p.Stdio = 9
		out := Successful(json.Marshal(p))
		Expect(string(out)).To(MatchJSON(`{"terminal":false,"stdio":9,"stderr":4,"args":["a"],"workdir":"/","rlimits":[{"type":"core","soft":0}],"extra":null}`))
	})

	It("round-trips an ExecCommand through the struct types", func() {
		in := `{"container":"c","process":{"terminal":false,"stdio":3,"stderr":4,"args":["a"],"workdir":"/","noNewPrivileges":true}}`
		var cmd ExecCommand
		Expect(json.Unmarshal([]byte(in), &cmd)).To(Succeed())
		Expect(string(Successful(json.Marshal(cmd)))).To(MatchJSON(in))
	})

	DescribeTable("encode the signal payloads with the upstream keys",
		func(v any, want string) {
			Expect(string(Successful(json.Marshal(v)))).To(MatchJSON(want))
		},
		Entry("killcontainer", KillCommand{Container: "c", Signal: 15}, `{"container":"c","signal":15,"allProcesses":false}`),
		Entry("winsize", WindowSizeMessage{Seq: 3, Row: 24, Column: 80}, `{"seq":3,"row":24,"column":80}`),
	)
})
