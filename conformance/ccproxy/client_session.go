package ccproxy

import (
	"fmt"
	"syscall"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/fakes/fakeproxy"
	"github.com/wirecert/wirecert/matchers"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// sessionSpecs: ConnectShim, its response, and the exit code
// (CCP-C-04, CCP-C-05, CCP-C-09, CCP-C-11).
func (s *clientSuite) sessionSpecs() {
	s.it("CCP-C-04/connectshim-first", requirement.Must, "the first frame is ConnectShim with the token, even with stdin ready at once", func(ctx SpecContext) {
		sess := s.newSession()
		sess.writeStdin([]byte("stdin that is ready before the shim starts"))
		sess.closeStdin()
		sess.start()
		sess.waitFor("a first frame", func(rs []fakeproxy.Received) bool { return len(rs) > 0 })
		first := sess.proxy.Received()[0]
		Expect(first.Err).NotTo(HaveOccurred(), "the first frame, header [% x]", first.Header)
		Expect(first.Frame).To(SatisfyAll(
			matchers.HaveFrameType(api.TypeCommand),
			matchers.HaveOpcode(api.CmdConnectShim),
			matchers.HaveJSONPayload(api.ConnectShim{Token: sess.token}),
		), "the first frame the shim sent")
		sess.waitFrame("the zero-length stdin frame", func(f api.Frame) bool { return isShimStdin(f) && len(f.Payload) == 0 })
		sess.send(fakeproxy.ProcessExited(0))
		sess.expectExit(0, "ProcessExited(0)")
		connects := 0
		for _, f := range sess.proxy.Frames() {
			if isShimCommand(api.CmdConnectShim)(f) {
				connects++
			}
		}
		Expect(connects).To(Equal(1), "expected exactly one ConnectShim command")
	})

	// An error response to ConnectShim, then ProcessExited(0) for a shim
	// that ignored the error: it must exit non-zero instead.
	DescribeTable("an error ConnectShim response",
		func(ctx SpecContext, payload []byte) {
			sess := s.newSession()
			sess.proxy.OnCommand(api.CmdConnectShim, fakeproxy.Response{Error: true, Payload: payload,
				After: []api.Frame{fakeproxy.ProcessExited(0)}})
			sess.start()
			sess.connected()
			sess.expectFailure(fmt.Sprintf("an error response to ConnectShim with payload %q", payload))
		},
		s.entry("CCP-C-05/error-msg", requirement.Must, `{"msg":"unknown token"}`, []byte(`{"msg":"unknown token"}`)),
		s.entry("CCP-C-05/empty-error-payload", requirement.Must, "an empty error payload", []byte(nil)),
		s.entry("CCP-C-05/error-payload-not-json", requirement.Must, "an error payload that is not JSON", []byte("token refused")),
	)

	DescribeTable("exit codes",
		func(ctx SpecContext, code int) {
			sess := s.newSession()
			sess.start()
			sess.connected()
			sess.send(fakeproxy.ProcessExited(uint8(code)))
			sess.expectExit(code, fmt.Sprintf("ProcessExited(%d)", code))
		},
		s.entry("CCP-C-09/exit-0", requirement.Must, "ProcessExited [00]: exit 0", 0),
		s.entry("CCP-C-09/exit-1", requirement.Must, "ProcessExited [01]: exit 1", 1),
		s.entry("CCP-C-09/exit-127", requirement.Must, "ProcessExited [7f]: exit 127", 127),
		s.entry("CCP-C-09/exit-143", requirement.Must, "ProcessExited [8f]: exit 143", 143),
		s.entry("CCP-C-09/exit-255", requirement.Must, "ProcessExited [ff]: exit 255", 255),
	)

	// A response with another opcode, then ProcessExited(0) for a shim that
	// took it for its command's response: it must exit non-zero instead.
	DescribeTable("a response with the wrong opcode",
		func(ctx SpecContext, command, answer uint8) {
			sess := s.newSession()
			wrong := fakeproxy.Response{Opcode: &answer, After: []api.Frame{fakeproxy.ProcessExited(0)}}
			sess.proxy.OnCommand(command, wrong)
			sess.start()
			sess.connected()
			if command == api.CmdSignal {
				// Any Signal gets the wrong response: one the shim sends on
				// its own (its terminal's size) may come first.
				sess.signal(syscall.SIGTERM)
				sess.waitFrame("a Signal command", isShimCommand(api.CmdSignal))
			}
			sess.expectFailure(fmt.Sprintf("a %s response [% x] to %s, then ProcessExited(0)",
				api.OpcodeName(api.TypeResponse, answer), fakeproxy.Encode(api.NewFrame(api.TypeResponse, answer, false, nil)),
				api.OpcodeName(api.TypeCommand, command)))
		},
		s.entry("CCP-C-11/registervm-answers-connectshim", requirement.Must, "RegisterVM (0) answering ConnectShim", api.CmdConnectShim, api.CmdRegisterVM),
		s.entry("CCP-C-11/hyper-answers-connectshim", requirement.Must, "Hyper (3) answering ConnectShim", api.CmdConnectShim, api.CmdHyper),
		s.entry("CCP-C-11/disconnectshim-answers-connectshim", requirement.Must, "DisconnectShim (5) answering ConnectShim", api.CmdConnectShim, api.CmdDisconnectShim),
		s.entry("CCP-C-11/signal-answers-connectshim", requirement.Must, "Signal (6) answering ConnectShim", api.CmdConnectShim, api.CmdSignal),
		s.entry("CCP-C-11/connectshim-answers-signal", requirement.Must, "ConnectShim (4) answering Signal", api.CmdSignal, api.CmdConnectShim),
	)

	DescribeTable("an error response's msg",
		func(ctx SpecContext, msg string) {
			sess := s.newSession()
			sess.proxy.OnCommand(api.CmdConnectShim, fakeproxy.Failure(msg))
			sess.start()
			sess.connected()
			sess.expectFailure(fmt.Sprintf("an error response to ConnectShim with msg %q", msg))
			Expect(sess.surfaced(msg)).To(BeTrue(),
				"expected the msg %q of the error response to appear in the shim's error or on its stderr, but got error %v, stderr %q",
				msg, sess.err, sess.stderr.String())
		},
		s.entry("CCP-C-11/error-msg-surfaced", requirement.Must, "surfaced on stderr or in the error", "token 7f3a is not attached to any VM"),
		s.entry("CCP-C-11/error-msg-not-ascii", requirement.Must, "surfaced verbatim when not ASCII", "jeton refusé: ✗"),
	)
}
