package ccproxy

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/fakes/fakeproxy"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// processExited0 is a valid ProcessExited(0): sent after garbage, it is
// what a shim that resyncs (or wraps PayloadLength+1 to 0) would find and
// exit 0 on.
var processExited0 = []byte{0, 2, 3, 0, 0, 0, 3, 0, 0, 0, 0, 1, 0}

// readingSpecs: how the shim reads what the proxy sends (CCP-C-02,
// CCP-C-03).
func (s *clientSuite) readingSpecs() {
	// Every offset inside the header, and a byte at a time (offset 0):
	// the ConnectShim response, a stdout and a stderr frame and
	// ProcessExited(offset) each arrive in pieces.
	shortReads := []any{func(ctx SpecContext, offset int) {
		var split []int
		if offset > 0 {
			split = []int{offset}
		}
		sess := s.newSession()
		sess.proxy.OnCommand(api.CmdConnectShim, fakeproxy.Response{Split: split, Bytewise: offset == 0, Gap: shimSplitGap})
		sess.start()
		sess.connected()
		out, errOut := []byte(fmt.Sprintf("stdout split at %d\n", offset)), []byte(fmt.Sprintf("stderr split at %d\n", offset))
		for _, f := range []api.Frame{fakeproxy.Stdout(out), fakeproxy.Stderr(errOut), fakeproxy.ProcessExited(uint8(offset + 100))} {
			sess.sendSplit(fakeproxy.Encode(f), split...)
		}
		sess.expectExit(offset+100, fmt.Sprintf("ProcessExited(%d) split like every frame before it", offset+100))
		expectShimBytes("stdout", sess.stdout.Bytes(), out)
		expectShimBytes("stderr", sess.stderr.Bytes(), errOut)
	}}
	shortReads = append(shortReads, s.entry("CCP-C-02/byte-at-a-time", requirement.Must, "every frame delivered a byte at a time", 0))
	for offset := 1; offset < api.HeaderSize; offset++ {
		shortReads = append(shortReads, s.entry(fmt.Sprintf("CCP-C-02/split-after-byte-%d", offset), requirement.Must,
			fmt.Sprintf("every frame split after header byte %d", offset), offset))
	}
	DescribeTable("short reads", shortReads...)

	DescribeTable("longer headers",
		func(ctx SpecContext, headerLength uint8) {
			sess := s.newSession()
			sess.proxy.OnCommand(api.CmdConnectShim, fakeproxy.Response{HeaderLength: headerLength})
			sess.start()
			sess.connected()
			out := []byte("payload after the extra header words")
			for _, f := range []api.Frame{fakeproxy.Stdout(out), fakeproxy.ProcessExited(42)} {
				f.Header.HeaderLength = headerLength
				sess.send(f)
			}
			sess.expectExit(42, fmt.Sprintf("ProcessExited(42) with HeaderLength %d", headerLength))
			expectShimBytes("stdout", sess.stdout.Bytes(), out)
		},
		s.entry("CCP-C-02/header-length-4", requirement.Must, "HeaderLength 4: the payload starts at byte 16", uint8(4)),
		s.entry("CCP-C-02/header-length-5", requirement.Must, "HeaderLength 5: the payload starts at byte 20", uint8(5)),
		s.entry("CCP-C-02/header-length-255", requirement.Must, "HeaderLength 255: the payload starts at byte 1020", uint8(255)),
	)

	// A bad header, then a valid ProcessExited(0): the shim must close and
	// exit non-zero, not resync onto the frame behind the garbage.
	badHeader := func(ctx SpecContext, header []byte, asResponse bool) {
		sess := s.newSession()
		garbage := append(append([]byte(nil), header...), processExited0...)
		if asResponse {
			sess.proxy.OnCommand(api.CmdConnectShim, fakeproxy.Response{Raw: garbage})
		}
		sess.start()
		sess.connected()
		if !asResponse {
			Expect(sess.proxy.Send(garbage)).To(Succeed())
		}
		after := fmt.Sprintf("the header [% x] followed by ProcessExited(0) [% x]", header, processExited0)
		Expect(sess.proxy.WaitClientClosed(sess.ctx())).To(Succeed(), "expected the shim to close its connection after %s", after)
		sess.expectFailure(after)
	}
	DescribeTable("bad headers from the proxy", badHeader,
		s.entry("CCP-C-02/response-header-length-0", requirement.Must, "HeaderLength 0 as the ConnectShim response",
			[]byte{0, 2, 0, 0, 0, 0, 1, 4, 0, 0, 0, 0}, true),
		s.entry("CCP-C-02/response-header-length-2", requirement.Must, "HeaderLength 2 as the ConnectShim response",
			[]byte{0, 2, 2, 0, 0, 0, 1, 4, 0, 0, 0, 0}, true),
		s.entry("CCP-C-02/response-version-1", requirement.Must, "Version 1 as the ConnectShim response",
			[]byte{0, 1, 3, 0, 0, 0, 1, 4, 0, 0, 0, 0}, true),
		s.entry("CCP-C-02/stdout-header-length-0", requirement.Must, "HeaderLength 0 on a stdout frame",
			[]byte{0, 2, 0, 0, 0, 0, 2, 1, 0, 0, 0, 0}, false),
		s.entry("CCP-C-02/stdout-header-length-1", requirement.Must, "HeaderLength 1 on a stdout frame",
			[]byte{0, 2, 1, 0, 0, 0, 2, 1, 0, 0, 0, 0}, false),
		s.entry("CCP-C-02/stdout-header-length-2", requirement.Must, "HeaderLength 2 on a stdout frame",
			[]byte{0, 2, 2, 0, 0, 0, 2, 1, 0, 0, 0, 0}, false),
		s.entry("CCP-C-02/stdout-version-0", requirement.Must, "Version 0 on a stdout frame",
			[]byte{0, 0, 3, 0, 0, 0, 2, 1, 0, 0, 0, 0}, false),
		s.entry("CCP-C-02/stdout-version-1", requirement.Must, "Version 1 on a stdout frame",
			[]byte{0, 1, 3, 0, 0, 0, 2, 1, 0, 0, 0, 0}, false),
		s.entry("CCP-C-02/stdout-version-3", requirement.Must, "Version 3 on a stdout frame",
			[]byte{0, 3, 3, 0, 0, 0, 2, 1, 0, 0, 0, 0}, false),
		s.entry("CCP-C-02/stdout-version-byte-swapped", requirement.Must, "Version 0x0200 (byte-swapped) on a stdout frame",
			[]byte{2, 0, 3, 0, 0, 0, 2, 1, 0, 0, 0, 0}, false),
		s.entry("CCP-C-02/garbage-header", requirement.Must, "12 bytes of garbage",
			[]byte{0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef}, false),
	)

	// PayloadLength 0xFFFFFFFF and no payload, then a valid
	// ProcessExited(0): the shim must neither crash nor hang, and must not
	// take the ProcessExited behind it (a shim that computes
	// PayloadLength+1 in 32 bits reads an empty payload and finds it).
	DescribeTable("PayloadLength 0xFFFFFFFF",
		func(ctx SpecContext, header []byte, asResponse bool) {
			sess := s.newSession()
			garbage := append(append([]byte(nil), header...), processExited0...)
			if asResponse {
				sess.proxy.OnCommand(api.CmdConnectShim, fakeproxy.Response{Raw: garbage})
			}
			sess.start()
			sess.connected()
			if !asResponse {
				Expect(sess.proxy.Send(garbage)).To(Succeed())
			}
			after := fmt.Sprintf("the header [% x] followed by ProcessExited(0) [% x]", header, processExited0)
			// Give up on the payload or close: either within a step.
			_, err := sess.proxy.WaitFor(sess.ctx(), "the shim's close", func([]fakeproxy.Received) bool {
				return sess.exited() || sess.proxy.ClientClosed()
			})
			if err != nil && !sess.exited() && !sess.proxy.ClientClosed() {
				Fail(fmt.Sprintf("expected the shim to exit or close its connection within %v after %s, but it still waits (stderr %q)",
					sess.step, after, sess.stderr.String()))
			}
			// A shim that closed but still runs: end its session. One that
			// exited keeps the fake open until the fake has seen its close.
			if !sess.exited() {
				Expect(sess.proxy.Close()).To(Succeed())
			}
			sess.expectFailure(after)
		},
		s.entry("CCP-C-03/huge-stdout", requirement.Must, "on a stdout frame",
			[]byte{0, 2, 3, 0, 0, 0, 2, 1, 0xff, 0xff, 0xff, 0xff}, false),
		s.entry("CCP-C-03/huge-stderr", requirement.Must, "on a stderr frame",
			[]byte{0, 2, 3, 0, 0, 0, 2, 2, 0xff, 0xff, 0xff, 0xff}, false),
		s.entry("CCP-C-03/huge-process-exited", requirement.Must, "on ProcessExited",
			[]byte{0, 2, 3, 0, 0, 0, 3, 0, 0xff, 0xff, 0xff, 0xff}, false),
		s.entry("CCP-C-03/huge-connectshim-response", requirement.Must, "on the ConnectShim response",
			[]byte{0, 2, 3, 0, 0, 0, 1, 4, 0xff, 0xff, 0xff, 0xff}, true),
		s.entry("CCP-C-03/huge-connectshim-error", requirement.Must, "on an error response to ConnectShim",
			[]byte{0, 2, 3, 0, 0, 0, 0x11, 4, 0xff, 0xff, 0xff, 0xff}, true),
	)
}
