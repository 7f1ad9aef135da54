package ccproxy

import (
	"encoding/json"
	"fmt"
	"strings"
	"syscall"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/fakes/fakeproxy"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// windowSize is a terminal's rows and columns.
type windowSize struct{ rows, cols int }

func (w windowSize) String() string { return fmt.Sprintf("%dx%d", w.rows, w.cols) }

// signalSpecs: the Signal payloads the shim sends (CCP-C-08).
func (s *clientSuite) signalSpecs() {
	// sizes are the terminal's sizes: the first before the shim starts,
	// the last once the suite sends sig. A shim may report its terminal's
	// size on its own too (at start, say), so every SIGWINCH it sends must
	// carry one of the sizes, and one after sig the last.
	DescribeTable("Signal payloads, with the window size of the shim's terminal (any of its stdin, stdout, stderr)",
		func(ctx SpecContext, sig syscall.Signal, terminal bool, sizes []windowSize) {
			sess := s.sessionWith(terminal)
			sess.setWindowSize(sizes[0].rows, sizes[0].cols)
			sess.start()
			sess.connected()
			last := sizes[len(sizes)-1]
			sess.setWindowSize(last.rows, last.cols)
			sess.signal(sig)
			what := fmt.Sprintf("a Signal command for %v", sig)
			if sig == syscall.SIGWINCH {
				what += fmt.Sprintf(` with "rows":%d and "columns":%d`, last.rows, last.cols)
			}
			f := sess.waitFrame(what, func(f api.Frame) bool {
				p, ok := signalPayload(f)
				return ok && p.is(int(sig)) && (sig != syscall.SIGWINCH || p.hasSize(last))
			})
			if sig != syscall.SIGWINCH {
				p, _ := signalPayload(f)
				Expect(p.noSize()).To(BeTrue(), `expected no "rows" and "columns" (or 0) with signal %d, got %s`, int(sig), f.Payload)
			}
			if terminal {
				expectTerminalSizes(sess.proxy.Frames(), sizes)
			}
			// The process runs on after a forwarded signal.
			sess.send(fakeproxy.ProcessExited(0))
			sess.expectExit(0, fmt.Sprintf("the Signal for %v and ProcessExited(0)", sig))
		},
		s.entry("CCP-C-08/sigterm-without-terminal", requirement.Must, `SIGTERM without a terminal: {"signalNumber":15} with no rows and columns`,
			syscall.SIGTERM, false, []windowSize{{24, 80}}),
		s.entry("CCP-C-08/sigterm-with-terminal", requirement.Must, `SIGTERM with a terminal: {"signalNumber":15} with no rows and columns`,
			syscall.SIGTERM, true, []windowSize{{24, 80}}),
		s.entry("CCP-C-08/sigwinch-24x80", requirement.Must, `SIGWINCH with a 24x80 terminal as stdin, stdout and stderr: {"signalNumber":28,"rows":24,"columns":80}`,
			syscall.SIGWINCH, true, []windowSize{{24, 80}}),
		s.entry("CCP-C-08/sigwinch-61x203", requirement.Must, `SIGWINCH with a 61x203 terminal as stdin, stdout and stderr: {"signalNumber":28,"rows":61,"columns":203}`,
			syscall.SIGWINCH, true, []windowSize{{61, 203}}),
		s.entry("CCP-C-08/sigwinch-after-resize", requirement.Must, `SIGWINCH after the terminal was resized from 24x80 to 50x132: {"signalNumber":28,"rows":50,"columns":132}`,
			syscall.SIGWINCH, true, []windowSize{{24, 80}, {50, 132}}),
	)
}

// expectTerminalSizes checks that every SIGWINCH the shim sent carries a
// size its terminal had.
func expectTerminalSizes(frames []api.Frame, sizes []windowSize) {
	GinkgoHelper()
	names := make([]string, len(sizes))
	for i, w := range sizes {
		names[i] = w.String()
	}
	for i, f := range frames {
		p, ok := signalPayload(f)
		if !ok || !p.is(api.SIGWINCH) {
			continue
		}
		had := false
		for _, w := range sizes {
			had = had || p.hasSize(w)
		}
		Expect(had).To(BeTrue(), "expected every Signal for SIGWINCH to carry the size of the shim's terminal (%s), but frame #%d is %s",
			strings.Join(names, " or "), i, f.Payload)
	}
}

// signalFields is a Signal command's payload decoded loosely, so that a
// number is a number however it is written.
type signalFields map[string]any

// signalPayload decodes f's payload when f is a Signal command.
func signalPayload(f api.Frame) (signalFields, bool) {
	if !isShimCommand(api.CmdSignal)(f) {
		return nil, false
	}
	var p signalFields
	if json.Unmarshal(f.Payload, &p) != nil {
		return nil, false
	}
	return p, true
}

// number is the value of key, if it is a number.
func (p signalFields) number(key string) (float64, bool) {
	n, ok := p[key].(float64)
	return n, ok
}

func (p signalFields) is(n int) bool {
	v, ok := p.number("signalNumber")
	return ok && v == float64(n)
}

func (p signalFields) hasSize(w windowSize) bool {
	rows, okr := p.number("rows")
	cols, okc := p.number("columns")
	return okr && okc && rows == float64(w.rows) && cols == float64(w.cols)
}

// noSize says rows and columns are absent or 0.
func (p signalFields) noSize() bool {
	for _, key := range []string{"rows", "columns"} {
		if _, present := p[key]; !present {
			continue
		}
		if v, ok := p.number(key); !ok || v != 0 {
			return false
		}
	}
	return true
}

// isSignal matches the Signal command for signal number n.
func isSignal(n int) func(api.Frame) bool {
	return func(f api.Frame) bool {
		p, ok := signalPayload(f)
		return ok && p.is(n)
	}
}
