package ccproxy_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
	"github.com/thediveo/fdooze"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// fakeProxyDeadline bounds every read of the fake proxy, so no spec hangs.
const fakeProxyDeadline = 5 * time.Second

// fakeProxy is a proxy peer speaking the real wire on a real unix socket:
// it accepts one connection and runs a spec's script on it.
type fakeProxy struct {
	Path string
	ln   *net.UnixListener
	done chan struct{}
	peer *proxyPeer // set once a client connected; read it after Wait
}

// proxyPeer is the fake proxy's side of one client connection. R is strict:
// it judges the reserved fields the client emits; Sent records every byte
// the client sent.
type proxyPeer struct {
	Conn *net.UnixConn
	R    *api.Reader
	W    *api.Writer

	mu   sync.Mutex
	sent bytes.Buffer
}

// startFakeProxy listens in a fresh temp dir and runs script on the first
// connection; the spec's cleanup closes everything and waits for the script.
func startFakeProxy(script func(p *proxyPeer)) *fakeProxy {
	GinkgoHelper()
	dir := Successful(os.MkdirTemp("", "ccproxy-client-"))
	DeferCleanup(os.RemoveAll, dir)
	path := filepath.Join(dir, "proxy.sock")
	ln := Successful(net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"}))
	f := &fakeProxy{Path: path, ln: ln, done: make(chan struct{})}
	go func() {
		defer GinkgoRecover()
		defer close(f.done)
		conn, err := ln.AcceptUnix()
		if err != nil {
			return // closed before any client came
		}
		defer func() { _ = conn.Close() }()
		Expect(conn.SetDeadline(time.Now().Add(fakeProxyDeadline))).To(Succeed())
		p := &proxyPeer{Conn: conn, W: api.NewWriter(conn)}
		p.R = api.NewReader(io.TeeReader(conn, lockedWriter{p}), api.WithStrictReserved())
		f.peer = p
		script(p)
	}()
	DeferCleanup(func() {
		_ = ln.Close()
		Eventually(f.done).WithTimeout(2 * fakeProxyDeadline).Should(BeClosed())
	})
	return f
}

// Wait waits for the script to end, so its assertions count for the spec.
func (f *fakeProxy) Wait() {
	GinkgoHelper()
	Eventually(f.done).WithTimeout(2 * fakeProxyDeadline).Should(BeClosed())
}

// Sent is every byte the client sent; call it after Wait.
func (f *fakeProxy) Sent() []byte {
	GinkgoHelper()
	Expect(f.peer).NotTo(BeNil(), "no client connected")
	return f.peer.Sent()
}

type lockedWriter struct{ p *proxyPeer }

func (w lockedWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	return w.p.sent.Write(b)
}

// Sent is every byte the client sent so far.
func (p *proxyPeer) Sent() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return bytes.Clone(p.sent.Bytes())
}

// Expect reads the next frame, which must be of type t and opcode op with
// the header every sender owes (CCP-C-01), and returns a copy.
func (p *proxyPeer) Expect(t api.FrameType, op uint8) api.Frame {
	GinkgoHelper()
	f := Successful(p.R.ReadFrame())
	Expect(f.Header.CheckEmitted()).To(Succeed())
	Expect(f.Header.Type).To(Equal(t), "frame type of %s", f)
	Expect(f.Header.Opcode).To(Equal(op), "opcode of %s", f)
	f.Payload = bytes.Clone(f.Payload)
	return f
}

// Respond answers command op with a success response.
func (p *proxyPeer) Respond(op uint8, payload string) {
	GinkgoHelper()
	Expect(p.W.WriteFrame(api.NewFrame(api.TypeResponse, op, false, []byte(payload)))).To(Succeed())
}

// Send writes a frame of any type.
func (p *proxyPeer) Send(t api.FrameType, op uint8, payload []byte) {
	GinkgoHelper()
	Expect(p.W.WriteFrame(api.NewFrame(t, op, false, payload))).To(Succeed())
}

// Raw writes bytes as given.
func (p *proxyPeer) Raw(b []byte) {
	GinkgoHelper()
	Expect(p.Conn.Write(b)).To(Equal(len(b)))
}

// Bytewise writes b one byte per write.
func (p *proxyPeer) Bytewise(b []byte) {
	GinkgoHelper()
	for i := range b {
		Expect(p.Conn.Write(b[i : i+1])).To(Equal(1))
	}
}

// ExpectClosed reads until the client closed the connection; the client
// must send no further frame (in particular no resync, CCP-C-02).
func (p *proxyPeer) ExpectClosed() {
	GinkgoHelper()
	f, err := p.R.ReadFrame()
	Expect(err).To(HaveOccurred(), "client sent %s instead of closing", f)
	if !errors.Is(err, io.EOF) {
		Expect(err).To(MatchError(syscall.ECONNRESET))
	}
}

// answerEverything serves a client until it closes: canned success
// responses to every command (tokens for RegisterVM and AttachVM), nothing
// for streams, and a close after DisconnectShim as a proxy does.
func answerEverything(p *proxyPeer) {
	GinkgoHelper()
	for {
		f, err := p.R.ReadFrame()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				Expect(err).To(MatchError(syscall.ECONNRESET))
			}
			return
		}
		Expect(f.Header.CheckEmitted()).To(Succeed())
		if f.Header.Type != api.TypeCommand {
			continue
		}
		switch f.Header.Opcode {
		case api.CmdRegisterVM, api.CmdAttachVM:
			p.Respond(f.Header.Opcode, `{"io":{"URL":"unix:///p","tokens":["t"]}}`)
		case api.CmdDisconnectShim:
			return
		default:
			p.Respond(f.Header.Opcode, "")
		}
	}
}

// wireOf concatenates the parts of one wire image.
func wireOf(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// checkClientLeaks snapshots goroutines and fds and checks them again when
// the spec is done.
func checkClientLeaks() {
	goods := gleak.Goroutines()
	fds := fdooze.Filedescriptors()
	DeferCleanup(func() {
		Eventually(gleak.Goroutines).ShouldNot(gleak.HaveLeaked(goods))
		Expect(fdooze.Filedescriptors()).NotTo(fdooze.HaveLeakedFds(fds))
	})
}
