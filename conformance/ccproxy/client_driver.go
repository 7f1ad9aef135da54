package ccproxy

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/fakes/fakeproxy"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// shimSplitGap is the pause between the pieces of a frame the suite splits, so
// a shim waiting in read() gets each piece on its own.
const shimSplitGap = 2 * time.Millisecond

// shimSession is one shim under test run against a fake proxy: the spec
// scripts the proxy, starts the shim, feeds its stdin and signals, and
// judges its frames, its output and its exit. A session has a terminal or
// none (ShimRun.Terminal): with one, stdout and stderr are one output and
// stdin never ends while the shim runs.
type shimSession struct {
	t     ClientTarget
	step  time.Duration
	proxy *fakeproxy.Proxy
	token string
	// container is the id of the container the shim stands for.
	container string
	terminal  bool
	stdinR    *os.File
	stdinW    *os.File // nil once the spec closed stdin (EOF)
	stdout    *shimOutput
	stderr    *shimOutput // stdout, with a terminal

	signals chan os.Signal

	mu         sync.Mutex
	rows, cols int

	cancel context.CancelFunc
	done   chan struct{} // closed once t.Shim returned
	code   int
	err    error
}

// newSession starts a fake proxy for one spec whose shim has no terminal:
// its stdin, stdout and stderr are separate, and closing stdin is its EOF.
// Script the proxy through sess.proxy, then start the shim. Everything is
// released by DeferCleanup.
func (s *clientSuite) newSession() *shimSession {
	GinkgoHelper()
	return s.sessionWith(false)
}

// newTerminalSession is newSession for a shim with a terminal as its
// stdin, stdout and stderr, sized 24x80 until setWindowSize. The spec must
// not close its stdin (a terminal carries no EOF) and sees stdout and
// stderr as one output.
func (s *clientSuite) newTerminalSession() *shimSession {
	GinkgoHelper()
	return s.sessionWith(true)
}

// sessionWith is newTerminalSession with a terminal, else newSession.
func (s *clientSuite) sessionWith(terminal bool) *shimSession {
	GinkgoHelper()
	if s.t.Shim == nil {
		Fail("ClientTarget.Shim is nil: the suite cannot run a shim")
	}
	proxy, err := fakeproxy.Start(fakeproxy.WithIdleTimeout(s.t.specTimeout()))
	Expect(err).NotTo(HaveOccurred(), "starting the fake proxy")
	sess := &shimSession{
		t:         s.t,
		step:      s.t.stepTimeout(),
		proxy:     proxy,
		token:     newShimToken(),
		container: newContainerID(),
		terminal:  terminal,
		stdout:    &shimOutput{},
		signals:   make(chan os.Signal, 4),
		rows:      24,
		cols:      80,
	}
	sess.stderr = sess.stdout
	if !terminal {
		sess.stderr = &shimOutput{}
	}
	sess.stdinR, sess.stdinW, err = os.Pipe()
	Expect(err).NotTo(HaveOccurred(), "creating the shim's stdin pipe")
	DeferCleanup(sess.cleanup)
	return sess
}

// newShimToken is a token as the proxy hands them out: base64url of 32 random
// bytes.
func newShimToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.URLEncoding.EncodeToString(b)
}

// newContainerID is a fresh container id, 64 hex digits as a runtime's.
func newContainerID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// start runs the shim in a goroutine.
func (sess *shimSession) start() {
	ctx, cancel := context.WithCancel(context.Background())
	sess.cancel = cancel
	sess.done = make(chan struct{})
	run := ShimRun{
		Socket:    sess.proxy.Path(),
		Token:     sess.token,
		Container: sess.container,
		Stdin:     sess.stdinR,
		Stdout:    sess.stdout,
		Stderr:    sess.stderr,
		Terminal:  sess.terminal,
		Signals:   sess.signals,
	}
	if sess.terminal {
		run.WindowSize = func() (int, int) {
			sess.mu.Lock()
			defer sess.mu.Unlock()
			return sess.rows, sess.cols
		}
	}
	go func() {
		defer GinkgoRecover()
		defer close(sess.done)
		sess.code, sess.err = sess.t.Shim(ctx, run)
	}()
}

// cleanup ends the shim if the spec did not see it exit (stdin EOF, then
// cancellation and the fake proxy closing its connection) and releases
// everything.
func (sess *shimSession) cleanup() {
	sess.closeStdin()
	if sess.done != nil {
		select {
		case <-sess.done:
		default:
			sess.cancel()
			_ = sess.proxy.Close()
			select {
			case <-sess.done:
			case <-time.After(sess.step):
				Fail(fmt.Sprintf("the shim did not end within %v of its context's cancellation and the proxy closing its connection", sess.step))
			}
		}
		sess.cancel()
	}
	_ = sess.proxy.Close()
	_ = sess.stdinR.Close()
	close(sess.signals) // the shim has returned: nobody sends or receives any more
}

// ctx bounds one step of a spec.
func (sess *shimSession) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), sess.step)
	DeferCleanup(cancel)
	return ctx
}

// setWindowSize sets what WindowSize reports from now on: the terminal's
// size once the next SIGWINCH is sent (before start, its first size).
func (sess *shimSession) setWindowSize(rows, cols int) {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	sess.rows, sess.cols = rows, cols
}

// writeStdin writes b to the shim's stdin.
func (sess *shimSession) writeStdin(b []byte) {
	GinkgoHelper()
	Expect(sess.stdinW).NotTo(BeNil(), "the spec already closed stdin")
	Expect(sess.stdinW.SetWriteDeadline(time.Now().Add(sess.step))).To(Succeed())
	_, err := sess.stdinW.Write(b)
	Expect(err).NotTo(HaveOccurred(), "writing %d bytes to the shim's stdin", len(b))
}

// closeStdin closes the write end: the shim reads EOF. A session with a
// terminal closes it only once the shim has ended.
func (sess *shimSession) closeStdin() {
	if sess.stdinW != nil {
		_ = sess.stdinW.Close()
		sess.stdinW = nil
	}
}

// signal sends sig to the shim.
func (sess *shimSession) signal(sig syscall.Signal) {
	GinkgoHelper()
	select {
	case sess.signals <- sig:
	case <-time.After(sess.step):
		Fail(fmt.Sprintf("the shim took no signal within %v (its Signals channel stayed full)", sess.step))
	}
}

// waitFrame waits for the first frame the shim sent that matches.
func (sess *shimSession) waitFrame(what string, match func(api.Frame) bool) api.Frame {
	GinkgoHelper()
	f, err := sess.proxy.WaitFrame(sess.ctx(), what, match)
	Expect(err).NotTo(HaveOccurred(), "expected the shim to send %s within %v%s", what, sess.step, sess.outcomeNote())
	return f
}

// waitFor waits until cond holds for what the shim sent.
func (sess *shimSession) waitFor(what string, cond func([]fakeproxy.Received) bool) []fakeproxy.Received {
	GinkgoHelper()
	rs, err := sess.proxy.WaitFor(sess.ctx(), what, cond)
	Expect(err).NotTo(HaveOccurred(), "expected %s within %v%s", what, sess.step, sess.outcomeNote())
	return rs
}

// connected waits for the ConnectShim command, and with it the shim's
// connection.
func (sess *shimSession) connected() api.Frame {
	GinkgoHelper()
	return sess.waitFrame("the ConnectShim command", isShimCommand(api.CmdConnectShim))
}

// send sends frames to the shim, one write each.
func (sess *shimSession) send(fs ...api.Frame) {
	GinkgoHelper()
	Expect(sess.proxy.SendFrames(fs...)).To(Succeed(), "sending %d frames to the shim", len(fs))
}

// sendSplit sends b to the shim in pieces ending at offsets (none: a byte
// at a time), with shimSplitGap between them.
func (sess *shimSession) sendSplit(b []byte, offsets ...int) {
	GinkgoHelper()
	if len(offsets) == 0 {
		Expect(sess.proxy.SendBytewise(b, shimSplitGap)).To(Succeed(), "sending [% x] a byte at a time", b)
		return
	}
	Expect(sess.proxy.SendSplit(b, shimSplitGap, offsets...)).To(Succeed(), "sending [% x] split at %v", b, offsets)
}

// exited says whether the shim returned, without waiting.
func (sess *shimSession) exited() bool {
	select {
	case <-sess.done:
		return true
	default:
		return false
	}
}

// exit waits for the shim to return and for its connection to close, and
// checks every frame it sent against CCP-C-01 and CCP-C-12.
func (sess *shimSession) exit(after string) (int, error) {
	GinkgoHelper()
	select {
	case <-sess.done:
	case <-time.After(sess.step):
		Fail(fmt.Sprintf("expected the shim to exit within %v after %s; it is still running\nit sent %s\nits stderr: %q",
			sess.step, after, fakeproxy.Summary(sess.proxy.Received()), sess.stderr.String()))
	}
	Expect(sess.proxy.WaitClientClosed(sess.ctx())).To(Succeed(),
		"expected the shim's connection to be closed once the shim exited (exit code %d, error %v)", sess.code, sess.err)
	sess.expectEmitted()
	return sess.code, sess.err
}

// expectExit waits for the shim's exit and expects code, with no error.
func (sess *shimSession) expectExit(code int, after string) {
	GinkgoHelper()
	got, err := sess.exit(after)
	Expect(err).NotTo(HaveOccurred(), "expected the shim to exit with %d after %s, but it failed (stderr %q)", code, after, sess.stderr.String())
	Expect(got).To(Equal(code), "expected the shim's exit code to be %d after %s (stderr %q)", code, after, sess.stderr.String())
}

// expectFailure waits for the shim's exit and expects a failure: a non-zero
// exit code or an error, and no crash.
func (sess *shimSession) expectFailure(after string) {
	GinkgoHelper()
	code, err := sess.exit(after)
	Expect(code != 0 || err != nil).To(BeTrue(),
		"expected the shim to exit non-zero after %s, but it exited 0 (stdout %q, stderr %q)",
		after, sess.stdout.Truncated(), sess.stderr.String())
	sess.expectNoCrash(after)
}

// expectNoCrash fails when the shim died of a signal or panicked.
func (sess *shimSession) expectNoCrash(after string) {
	GinkgoHelper()
	Expect(errors.Is(sess.err, ErrShimSignalled)).To(BeFalse(), "expected the shim to survive %s, but: %v", after, sess.err)
	for _, sign := range []string{"panic:", "SIGSEGV", "fatal error:"} {
		Expect(sess.stderr.String()).NotTo(ContainSubstring(sign),
			"expected the shim to survive %s, but it crashed; its stderr: %q", after, sess.stderr.String())
	}
}

// outcomeNote describes the shim's state for failure messages.
func (sess *shimSession) outcomeNote() string {
	if sess.done == nil || !sess.exited() {
		return ""
	}
	return fmt.Sprintf("; the shim already exited with %d (error %v, stderr %q)", sess.code, sess.err, sess.stderr.String())
}

// expectEmitted checks everything the shim sent: each frame a sender may
// emit (Version 2, HeaderLength 3, zero reserved fields, E 0: CCP-C-01),
// nothing the fake could not read strictly, and no frame a client never
// sends (responses, notifications, stdout, stderr: CCP-C-12).
func (sess *shimSession) expectEmitted() {
	GinkgoHelper()
	for i, r := range sess.proxy.Received() {
		Expect(r.Err).NotTo(HaveOccurred(),
			"CCP-C-01: expected every frame the shim sends to be well-formed, but frame #%d was not: header [% x]", i, r.Header)
		h := r.Frame.Header
		Expect(h.CheckEmitted()).To(Succeed(),
			"CCP-C-01: expected frame #%d to have Version 2, HeaderLength 3, zero reserved fields: header [% x]", i, r.Header)
		Expect(h.Error).To(BeFalse(), "CCP-C-01: expected E 0 on frame #%d the shim sent: header [% x]", i, r.Header)
		Expect(clientMaySend(h)).To(BeTrue(),
			"CCP-C-12: expected the shim to send only commands, stdin and log streams, but frame #%d is a %s %s: header [% x]",
			i, h.Type, api.OpcodeName(h.Type, h.Opcode), r.Header)
	}
}

// clientMaySend says whether a client may send a frame of h's kind: never a
// response, a notification, stdout or stderr (CCP-C-12).
func clientMaySend(h api.FrameHeader) bool {
	switch h.Type {
	case api.TypeCommand:
		return true
	case api.TypeStream:
		return h.Opcode == api.StreamStdin || h.Opcode == api.StreamLog
	}
	return false
}

// isShimCommand matches the command with opcode.
func isShimCommand(opcode uint8) func(api.Frame) bool {
	return func(f api.Frame) bool { return f.Header.Type == api.TypeCommand && f.Header.Opcode == opcode }
}

// isShimStdin matches stdin stream frames.
func isShimStdin(f api.Frame) bool {
	return f.Header.Type == api.TypeStream && f.Header.Opcode == api.StreamStdin
}

// shimStdinFrames picks the stdin frames out of what the shim sent.
func shimStdinFrames(rs []fakeproxy.Received) []api.Frame {
	var fs []api.Frame
	for _, r := range rs {
		if r.Err == nil && isShimStdin(r.Frame) {
			fs = append(fs, r.Frame)
		}
	}
	return fs
}

// shimStdinData concatenates the stdin payloads and counts the zero-length
// (EOF) frames.
func shimStdinData(rs []fakeproxy.Received) (data []byte, eofs int) {
	for _, f := range shimStdinFrames(rs) {
		data = append(data, f.Payload...)
		if len(f.Payload) == 0 {
			eofs++
		}
	}
	return data, eofs
}

// shimOutput is a shim's stdout or stderr: the shim writes while the spec
// may read.
type shimOutput struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *shimOutput) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// Bytes returns a copy of what was written.
func (b *shimOutput) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

func (b *shimOutput) String() string { return string(b.Bytes()) }

// Truncated is the start of what was written, for messages.
func (b *shimOutput) Truncated() string {
	s := b.String()
	if len(s) > 256 {
		return s[:256] + fmt.Sprintf("... (%d bytes)", len(s))
	}
	return s
}

// expectShimBytes compares output byte-exact and names the first
// difference.
func expectShimBytes(what string, got, want []byte) {
	GinkgoHelper()
	if bytes.Equal(got, want) {
		return
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	Fail(fmt.Sprintf("expected %s to be the %d bytes sent, byte-exact, but got %d bytes, first difference at offset %d:\nexpected [% x]\ngot      [% x]",
		what, len(want), len(got), i, bytesAt(want, i), bytesAt(got, i)))
}

// bytesAt is up to 16 bytes from offset i.
func bytesAt(b []byte, i int) []byte {
	if i >= len(b) {
		return nil
	}
	return b[i:min(i+16, len(b))]
}

// surfaced says whether msg appears in the shim's error or stderr.
func (sess *shimSession) surfaced(msg string) bool {
	return (sess.err != nil && strings.Contains(sess.err.Error(), msg)) || strings.Contains(sess.stderr.String(), msg)
}
