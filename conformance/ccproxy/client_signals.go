package ccproxy

import (
	"fmt"
	"syscall"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/fakes/fakeproxy"
	"github.com/wirecert/wirecert/matchers"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// signalSpecs: the Signal payloads the shim sends (CCP-C-08).
func (s *clientSuite) signalSpecs() {
	DescribeTable("Signal payloads",
		func(ctx SpecContext, sig syscall.Signal, rows, cols int) {
			sess := s.newSession()
			sess.setWindowSize(rows, cols)
			sess.start()
			sess.connected()
			sess.signal(sig)
			f := sess.waitFrame(fmt.Sprintf("a Signal command for %v", sig), isShimCommand(api.CmdSignal))
			want := []types.GomegaMatcher{HaveKeyWithValue("signalNumber", BeNumerically("==", int(sig)))}
			if sig == syscall.SIGWINCH {
				want = append(want,
					HaveKeyWithValue("rows", BeNumerically("==", rows)),
					HaveKeyWithValue("columns", BeNumerically("==", cols)))
			} else {
				for _, key := range []string{"rows", "columns"} {
					want = append(want, Or(Not(HaveKey(key)), HaveKeyWithValue(key, BeNumerically("==", 0))))
				}
			}
			Expect(f).To(matchers.HaveJSONPayload(SatisfyAll(want...)), "the Signal command for %v", sig)
			// The process runs on after a forwarded signal.
			sess.send(fakeproxy.ProcessExited(0))
			sess.expectExit(0, fmt.Sprintf("the Signal for %v and ProcessExited(0)", sig))
		},
		s.entry("CCP-C-08", requirement.Must, `SIGTERM: {"signalNumber":15} with no rows and columns`, syscall.SIGTERM, 24, 80),
		s.entry("CCP-C-08", requirement.Must, `SIGWINCH in a 24x80 terminal: {"signalNumber":28,"rows":24,"columns":80}`, syscall.SIGWINCH, 24, 80),
		s.entry("CCP-C-08", requirement.Must, `SIGWINCH in a 61x203 terminal: {"signalNumber":28,"rows":61,"columns":203}`, syscall.SIGWINCH, 61, 203),
	)
}

// isSignal matches the Signal command for signal number n.
func isSignal(n int) func(api.Frame) bool {
	return func(f api.Frame) bool {
		if !isShimCommand(api.CmdSignal)(f) {
			return false
		}
		var sig api.Signal
		return api.UnmarshalPayload(f.Payload, &sig) == nil && sig.SignalNumber == n
	}
}
