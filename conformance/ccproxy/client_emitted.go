package ccproxy

import (
	"syscall"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/fakes/fakeproxy"
	"github.com/wirecert/wirecert/matchers"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// emittedSpecs: what the shim puts on the wire (CCP-C-01, CCP-C-12).
func (s *clientSuite) emittedSpecs() {
	DescribeTable("every frame of a whole session",
		func(ctx SpecContext, terminal bool) {
			sess := s.wholeSession(terminal)
			rs := sess.proxy.Received()
			Expect(len(rs)).To(BeNumerically(">=", 4), "expected at least ConnectShim, stdin data, and a stdin EOF frame and a Signal command or two Signal commands, got %s", fakeproxy.Summary(rs))
			for i, r := range rs {
				Expect(r.Err).NotTo(HaveOccurred(), "frame #%d the shim sent, header [% x]", i, r.Header)
				Expect(r.Frame).To(matchers.BeValidEmittedFrame(), "frame #%d the shim sent", i)
				Expect(r.Frame).NotTo(matchers.HaveErrorFlag(), "frame #%d the shim sent", i)
			}
		},
		s.entry("CCP-C-01/session-without-terminal", requirement.Must, "without a terminal: ConnectShim, stdin data, the stdin EOF frame, Signal for SIGTERM", false),
		s.entry("CCP-C-01/session-with-terminal", requirement.Must, "with a terminal as stdin, stdout and stderr: ConnectShim, stdin data, Signal for SIGTERM and SIGWINCH", true),
	)

	DescribeTable("a whole session with output, signals and ProcessExited sends only commands, stdin and log frames",
		func(ctx SpecContext, terminal bool) {
			sess := s.wholeSession(terminal)
			for i, r := range sess.proxy.Received() {
				Expect(clientMaySend(r.Frame.Header)).To(BeTrue(),
					"expected only commands, stdin and log streams, but frame #%d is a %s %s: header [% x]",
					i, r.Frame.Header.Type, api.OpcodeName(r.Frame.Header.Type, r.Frame.Header.Opcode), r.Header)
			}
		},
		s.entry("CCP-C-12/only-client-frames-without-terminal", requirement.Must, "without a terminal", false),
		s.entry("CCP-C-12/only-client-frames-with-terminal", requirement.Must, "with a terminal as stdin, stdout and stderr", true),
	)

	DescribeTable("the shim does not answer what the proxy sends",
		func(ctx SpecContext, frames []byte) {
			sess := s.newSession()
			sess.start()
			sess.connected()
			Expect(sess.proxy.Send(frames)).To(Succeed())
			// Whether or not the shim gives up on the session, a
			// ProcessExited ends it; only what it sent is judged here.
			_ = sess.proxy.SendProcessExited(0)
			_, _ = sess.exit("the proxy sent [% x] and ProcessExited(0)")
			for i, r := range sess.proxy.Received() {
				Expect(clientMaySend(r.Frame.Header)).To(BeTrue(),
					"expected no answer to [% x], but frame #%d is a %s %s: header [% x]",
					frames, i, r.Frame.Header.Type, api.OpcodeName(r.Frame.Header.Type, r.Frame.Header.Opcode), r.Header)
			}
		},
		s.entry("CCP-C-12/output-not-echoed", requirement.Must, "stdout, stderr are not echoed",
			[]byte{0, 2, 3, 0, 0, 0, 2, 1, 0, 0, 0, 3, 'o', 'u', 't', 0, 2, 3, 0, 0, 0, 2, 2, 0, 0, 0, 3, 'e', 'r', 'r'}),
		s.entry("CCP-C-12/proxy-signal-unanswered", requirement.Must, "a Signal command from the proxy gets no response",
			[]byte{0, 2, 3, 0, 0, 0, 0, 6, 0, 0, 0, 18, '{', '"', 's', 'i', 'g', 'n', 'a', 'l', 'N', 'u', 'm', 'b', 'e', 'r', '"', ':', '9', '}'}),
	)
}

// wholeSession runs a session that makes the shim emit every kind of frame
// it sends in a session of that kind: ConnectShim, stdin data and Signal
// for SIGTERM; without a terminal then the EOF frame, with one a Signal for
// SIGWINCH (a terminal carries no EOF; pipes have no window size). The
// proxy sends stdout, stderr and ProcessExited(0).
func (s *clientSuite) wholeSession(terminal bool) *shimSession {
	GinkgoHelper()
	sess := s.sessionWith(terminal)
	sess.writeStdin([]byte("stdin data\x00\xff"))
	sess.start()
	sess.connected()
	sess.waitFrame("stdin data", func(f api.Frame) bool { return isShimStdin(f) && len(f.Payload) > 0 })
	sess.send(fakeproxy.Stdout([]byte("out")), fakeproxy.Stderr([]byte("err")))
	sess.signal(syscall.SIGTERM)
	sess.waitFrame("Signal for SIGTERM", isSignal(api.SIGTERM))
	if terminal {
		sess.setWindowSize(33, 99)
		sess.signal(syscall.SIGWINCH)
		sess.waitFrame("Signal for SIGWINCH", isSignal(api.SIGWINCH))
	} else {
		sess.closeStdin()
		sess.waitFrame("the zero-length stdin frame", func(f api.Frame) bool { return isShimStdin(f) && len(f.Payload) == 0 })
	}
	sess.send(fakeproxy.ProcessExited(0))
	sess.expectExit(0, "ProcessExited(0)")
	return sess
}
