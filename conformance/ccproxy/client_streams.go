package ccproxy

import (
	"bytes"
	"fmt"
	"syscall"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/fakes/fakeproxy"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// shimAllBytes is 00..ff: every byte value, zero bytes included.
var shimAllBytes = func() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}()

// shimPattern is n deterministic bytes, every value included, so a
// failure shows the same bytes on every run.
func shimPattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7+i>>8) ^ seed
	}
	return b
}

// streamSpecs: stdout, stderr, stdin, and what may come before a response
// (CCP-C-06, CCP-C-07, CCP-C-10).
func (s *clientSuite) streamSpecs() {
	DescribeTable("stdout and stderr",
		func(ctx SpecContext, frames []api.Frame) {
			var wantOut, wantErr []byte
			for _, f := range frames {
				if f.Header.Opcode == api.StreamStdout {
					wantOut = append(wantOut, f.Payload...)
				} else {
					wantErr = append(wantErr, f.Payload...)
				}
			}
			sess := s.newSession()
			sess.start()
			sess.connected()
			sess.send(frames...)
			sess.send(fakeproxy.ProcessExited(0))
			sess.expectExit(0, fmt.Sprintf("%d stream frames and ProcessExited(0)", len(frames)))
			expectShimBytes("stdout", sess.stdout.Bytes(), wantOut)
			expectShimBytes("stderr", sess.stderr.Bytes(), wantErr)
		},
		s.entry("CCP-C-06/text", requirement.Must, "text on stdout", []api.Frame{fakeproxy.Stdout([]byte("hello, world\n"))}),
		s.entry("CCP-C-06/every-byte-value", requirement.Must, "every byte value, zero bytes included, on stdout and stderr",
			[]api.Frame{fakeproxy.Stdout(shimAllBytes), fakeproxy.Stderr(shimPattern(256, 0xff))}),
		s.entry("CCP-C-06/interleaved-frames", requirement.Must, "several frames on both, interleaved", []api.Frame{
			fakeproxy.Stdout([]byte("one ")), fakeproxy.Stderr([]byte{0, 0, 0}), fakeproxy.Stdout([]byte{0}),
			fakeproxy.Stderr([]byte("\r\n\x04")), fakeproxy.Stdout([]byte("\xff\xfe two\n")), fakeproxy.Stderr([]byte("three")),
		}),
		s.entry("CCP-C-06/64-kib-each", requirement.Must, "a 64 KiB payload on each",
			[]api.Frame{fakeproxy.Stdout(shimPattern(64<<10, 0x5a)), fakeproxy.Stderr(shimPattern(64<<10, 0xa5))}),
	)

	DescribeTable("stdin",
		func(ctx SpecContext, chunks [][]byte) {
			sess := s.newSession()
			sess.start()
			sess.connected()
			var want []byte
			for _, c := range chunks {
				sess.writeStdin(c)
				want = append(want, c...)
				sess.waitFor(fmt.Sprintf("stdin frames carrying the %d bytes written so far", len(want)), func(rs []fakeproxy.Received) bool {
					got, _ := shimStdinData(rs)
					return len(got) >= len(want)
				})
			}
			_, eofs := shimStdinData(sess.proxy.Received())
			Expect(eofs).To(BeZero(), "expected no zero-length stdin frame before stdin's EOF, got %s", fakeproxy.Summary(sess.proxy.Received()))
			sess.closeStdin()
			sess.waitFrame("the zero-length stdin frame after EOF", func(f api.Frame) bool { return isShimStdin(f) && len(f.Payload) == 0 })
			sess.send(fakeproxy.ProcessExited(0))
			sess.expectExit(0, "stdin's EOF and ProcessExited(0)")

			rs := sess.proxy.Received()
			got, eofs := shimStdinData(rs)
			expectShimBytes("the stdin frames' payloads", got, want)
			Expect(eofs).To(Equal(1), "expected exactly one zero-length stdin frame, got %s", fakeproxy.Summary(rs))
			frames := shimStdinFrames(rs)
			Expect(frames[len(frames)-1].Payload).To(BeEmpty(), "expected the zero-length stdin frame to be the last stdin frame, got %s", fakeproxy.Summary(rs))
		},
		s.entry("CCP-C-07/empty-stdin", requirement.Must, "empty stdin: only the zero-length frame", [][]byte{}),
		s.entry("CCP-C-07/text-one-chunk", requirement.Must, "text in one chunk", [][]byte{[]byte("hello, stdin\n")}),
		s.entry("CCP-C-07/binary-chunks", requirement.Must, "binary data with zero bytes in several chunks",
			[][]byte{{0}, shimAllBytes, {0, 0, 0xff}, []byte("\x04\r\n")}),
		s.entry("CCP-C-07/20-kib", requirement.Must, "20 KiB, above one agent io frame (10228 bytes)", [][]byte{shimPattern(20<<10, 0x3c)}),
	)

	s.it("CCP-C-10/output-before-response", requirement.Must, "stdout and stderr sent before the ConnectShim response reach stdout and stderr", func(ctx SpecContext) {
		sess := s.newSession()
		// The late frames go with the response too: sent by the spec, they
		// could overtake the fake's answer.
		sess.proxy.OnCommand(api.CmdConnectShim, fakeproxy.Response{
			Before: []api.Frame{fakeproxy.Stdout([]byte("early stdout")), fakeproxy.Stderr([]byte("early stderr"))},
			After:  []api.Frame{fakeproxy.Stdout([]byte(", late stdout")), fakeproxy.ProcessExited(0)},
		})
		sess.start()
		sess.connected()
		sess.expectExit(0, "stdout and stderr before the ConnectShim response, then ProcessExited(0)")
		expectShimBytes("stdout", sess.stdout.Bytes(), []byte("early stdout, late stdout"))
		expectShimBytes("stderr", sess.stderr.Bytes(), []byte("early stderr"))
	})

	s.it("CCP-C-10/exit-before-signal-response", requirement.Must, "ProcessExited and stdout before the Signal response (the proxy's SIGTERM-before-start order)", func(ctx SpecContext) {
		sess := s.newSession()
		sess.proxy.OnCommand(api.CmdSignal, fakeproxy.Response{
			Before: []api.Frame{fakeproxy.Stdout([]byte("bye")), fakeproxy.ProcessExited(3)},
		})
		sess.start()
		sess.connected()
		// The first Signal gets that answer: one the shim sends on its own
		// (its terminal's size) may come before the SIGTERM.
		sess.signal(syscall.SIGTERM)
		sess.waitFrame("a Signal command", isShimCommand(api.CmdSignal))
		sess.expectExit(3, "stdout, ProcessExited(3) and then the Signal response")
		expectShimBytes("stdout", sess.stdout.Bytes(), []byte("bye"))
	})

	s.it("CCP-C-10/stdin-unanswered", requirement.Must, "stdin and stdout flow on with no response to stdin frames", func(ctx SpecContext) {
		sess := s.newSession()
		sess.start()
		sess.connected()
		sess.writeStdin([]byte("first"))
		sess.waitFor("stdin \"first\"", func(rs []fakeproxy.Received) bool {
			got, _ := shimStdinData(rs)
			return bytes.Equal(got, []byte("first"))
		})
		// A stream frame where a shim that waits for a response to stdin
		// would look for one.
		sess.send(fakeproxy.Stdout([]byte("echo: first\n")))
		sess.writeStdin([]byte("second"))
		sess.waitFor("stdin \"firstsecond\"", func(rs []fakeproxy.Received) bool {
			got, _ := shimStdinData(rs)
			return bytes.Equal(got, []byte("firstsecond"))
		})
		sess.send(fakeproxy.Stdout([]byte("echo: second\n")), fakeproxy.ProcessExited(5))
		sess.expectExit(5, "stdin frames left unanswered, stdout, then ProcessExited(5)")
		expectShimBytes("stdout", sess.stdout.Bytes(), []byte("echo: first\necho: second\n"))
	})
}
