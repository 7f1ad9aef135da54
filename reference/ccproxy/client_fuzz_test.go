package ccproxy_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/wirecert/wirecert/internal/fuzzcheck"
	"github.com/wirecert/wirecert/reference/ccproxy"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// The client of FuzzClientResponses gives up on a response after
// fuzzClientTimeout, so that an input that starves it costs little; every
// call must return within fuzzCallBound, well above that, or it hangs.
const (
	fuzzClientTimeout = 200 * time.Millisecond
	fuzzCallBound     = 10 * fuzzClientTimeout
	fuzzMaxPayload    = 1 << 10
)

// fuzzUnpaced, in the first input byte, makes the fuzzed proxy write its
// whole input at once, responses before their commands included.
const fuzzUnpaced = 0x80

// fuzzCall is one call of the client's fixed series.
type fuzzCall struct {
	name string
	do   func(c *ccproxy.Client) error
}

// fuzzCallSeries are the series the first input byte chooses from: a
// shim's, a runtime's, and one mixing both (a Client does not enforce a
// role) with a stdin write after EOF.
var fuzzCallSeries = [][]fuzzCall{
	{
		{"ConnectShim", func(c *ccproxy.Client) error { return c.ConnectShim("tok") }},
		{"Signal(SIGTERM)", func(c *ccproxy.Client) error { return c.Signal(api.Signal{SignalNumber: api.SIGTERM}) }},
		{"Stdin", func(c *ccproxy.Client) error { return c.Stdin([]byte("hello")) }},
		{"Signal(SIGWINCH)", func(c *ccproxy.Client) error {
			return c.Signal(api.Signal{SignalNumber: api.SIGWINCH, Rows: 24, Columns: 80})
		}},
		{"CloseStdin", func(c *ccproxy.Client) error { return c.CloseStdin() }},
		{"Log", func(c *ccproxy.Client) error {
			return c.Log(api.LogEntry{Source: "shim", Level: "info", Message: "fuzz"})
		}},
		{"DisconnectShim", func(c *ccproxy.Client) error { return c.DisconnectShim() }},
	},
	{
		{"RegisterVM", func(c *ccproxy.Client) error {
			resp, err := c.RegisterVM(api.RegisterVM{ContainerID: "vm1", CtlSerial: "/ctl", IoSerial: "/io", NumIOStreams: 1})
			return nilResultCheck(resp == nil, err)
		}},
		{"Hyper(newcontainer)", func(c *ccproxy.Client) error {
			_, err := c.Hyper("newcontainer", []string{"t1"}, json.RawMessage(`{"id":"c1"}`))
			return err
		}},
		{"AttachVM", func(c *ccproxy.Client) error {
			resp, err := c.AttachVM(api.AttachVM{ContainerID: "vm1", NumIOStreams: 1})
			return nilResultCheck(resp == nil, err)
		}},
		{"Hyper(ping)", func(c *ccproxy.Client) error { _, err := c.Hyper("ping", nil, nil); return err }},
		{"UnregisterVM", func(c *ccproxy.Client) error { return c.UnregisterVM(api.UnregisterVM{ContainerID: "vm1"}) }},
	},
	{
		{"ConnectShim", func(c *ccproxy.Client) error { return c.ConnectShim("tok") }},
		{"Hyper(execcmd)", func(c *ccproxy.Client) error {
			_, err := c.Hyper("execcmd", []string{"tok"}, map[string]string{"container": "c1"})
			return err
		}},
		{"Signal(SIGKILL)", func(c *ccproxy.Client) error { return c.Signal(api.Signal{SignalNumber: api.SIGKILL}) }},
		{"Stdin", func(c *ccproxy.Client) error { return c.Stdin([]byte("data")) }},
		{"RegisterVM", func(c *ccproxy.Client) error {
			resp, err := c.RegisterVM(api.RegisterVM{ContainerID: "vm2", CtlSerial: "/ctl", IoSerial: "/io"})
			return nilResultCheck(resp == nil, err)
		}},
		{"CloseStdin", func(c *ccproxy.Client) error { return c.CloseStdin() }},
		{"Stdin after CloseStdin", func(c *ccproxy.Client) error { return c.Stdin([]byte("late")) }},
		{"DisconnectShim", func(c *ccproxy.Client) error { return c.DisconnectShim() }},
	},
}

// errNilResult marks a call that returned neither a result nor an error.
var errNilResult = errors.New("no result and no error")

// nilResultCheck turns a nil result without an error into errNilResult.
func nilResultCheck(isNil bool, err error) error {
	if err == nil && isNil {
		return errNilResult
	}
	return err
}

// keptWriter keeps every byte a stream writer of the client gets.
type keptWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *keptWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *keptWriter) Bytes() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return bytes.Clone(w.b.Bytes())
}

// fuzzProxyPeer reads what the client sends to the fuzzed proxy: it counts
// the commands (a paced proxy answers none before its command came) and
// records the first frame no sender may send.
type fuzzProxyPeer struct {
	conn  *net.UnixConn
	cmds  chan struct{} // one value per command received
	ended chan struct{} // closed when reading stopped

	mu  sync.Mutex
	bad error
}

func newFuzzProxyPeer(conn *net.UnixConn) *fuzzProxyPeer {
	p := &fuzzProxyPeer{conn: conn, cmds: make(chan struct{}, 64), ended: make(chan struct{})}
	go p.read()
	return p
}

func (p *fuzzProxyPeer) read() {
	defer close(p.ended)
	r := api.NewReader(p.conn, api.WithStrictReserved())
	for {
		f, err := r.ReadFrame()
		if err != nil {
			var herr *api.HeaderError
			if errors.As(err, &herr) {
				p.setBad(err)
			}
			return // the connection ended
		}
		if err := f.Header.CheckEmitted(); err != nil {
			p.setBad(err)
		}
		if f.Header.Type == api.TypeCommand {
			select {
			case p.cmds <- struct{}{}:
			default: // no series sends 64 commands
			}
		}
	}
}

func (p *fuzzProxyPeer) setBad(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bad == nil {
		p.bad = err
	}
}

// awaitCommand waits until the client sent a command not yet answered, has
// finished its calls or has ended the connection.
func (p *fuzzProxyPeer) awaitCommand(callsDone <-chan struct{}) {
	select {
	case <-p.cmds:
	case <-callsDone:
	case <-p.ended:
	}
}

// fuzzExpected is what the client may deliver from a proxy's bytes: the
// stdout and stderr payloads and the ProcessExited payload of the frames
// the client's Reader takes (those before the first one it refuses), in
// order. It may stop earlier, at a frame it refuses for its own state.
type fuzzExpected struct {
	stdout, stderr []byte
	exit           []byte // the first ProcessExited payload, nil if none
	exitSeen       bool
}

func expectedDelivery(pieces [][]byte, whole []bool) fuzzExpected {
	var e fuzzExpected
	for i, piece := range pieces {
		if !whole[i] {
			break
		}
		h := api.ParseHeader(piece)
		if h.Validate() != nil || h.PayloadLength > fuzzMaxPayload {
			break
		}
		payload := piece[int(h.HeaderLength)*4:]
		switch {
		case h.Type == api.TypeStream && h.Opcode == api.StreamStdout:
			e.stdout = append(e.stdout, payload...)
		case h.Type == api.TypeStream && h.Opcode == api.StreamStderr:
			e.stderr = append(e.stderr, payload...)
		case h.Type == api.TypeNotification && !e.exitSeen:
			e.exit, e.exitSeen = bytes.Clone(payload), true
		}
	}
	return e
}

// within runs a call and waits for it at most fuzzCallBound; ok is false
// (and t failed) if it did not return by then.
func within(t *testing.T, name string, call func() error) (err error, ok bool) {
	t.Helper()
	ch := make(chan error, 1)
	go func() { ch <- call() }()
	timer := time.NewTimer(fuzzCallBound)
	defer timer.Stop()
	select {
	case err := <-ch:
		return err, true
	case <-timer.C:
		t.Errorf("%s did not return within %v (client timeout %v)", name, fuzzCallBound, fuzzClientTimeout)
		return nil, false
	}
}

// FuzzClientResponses runs a reference Client on a socketpair whose other
// end is a fuzzed proxy, since a client must survive whatever a proxy
// sends. The first input byte chooses the client's series of calls (and,
// with fuzzUnpaced, a proxy that does not wait for commands); the rest is
// what the proxy sends, cut into frames by their headers, each response
// held back until a command is owed one (so well-formed answers meet their
// calls), then the proxy closes. Checked: no panic; every call returns
// within fuzzCallBound with a result or an error with a message; the
// client sends only frames a sender may; Done closes once the proxy
// closed, with an Err and Exited closed; stdout, stderr and the exit code
// are what the proxy sent, up to where the client stopped; after Close no
// goroutine and no fd is left.
func FuzzClientResponses(f *testing.F) {
	resp := func(op uint8, payload string) []byte {
		return api.AppendFrame(nil, api.NewFrame(api.TypeResponse, op, false, []byte(payload)))
	}
	errResp := func(op uint8, msg string) []byte {
		return api.AppendFrame(nil, api.NewFrame(api.TypeResponse, op, true, []byte(`{"msg":"`+msg+`"}`)))
	}
	stream := func(op uint8, payload string) []byte {
		return api.AppendFrame(nil, api.NewFrame(api.TypeStream, op, false, []byte(payload)))
	}
	exited := func(code byte) []byte {
		return api.AppendFrame(nil, api.NewFrame(api.TypeNotification, api.NotificationProcessExited, false, []byte{code}))
	}
	input := func(selector byte, frames ...[]byte) []byte {
		return append([]byte{selector}, bytes.Join(frames, nil)...)
	}
	const shim, runtime, mixed = 0, 1, 2
	ioResp := `{"io":{"URL":"unix:///p","tokens":["t1"]}}`

	// Well-formed answers to each series, in order.
	f.Add(input(shim,
		resp(api.CmdConnectShim, ""),
		stream(api.StreamStdout, "out"),
		resp(api.CmdSignal, ""),
		stream(api.StreamStderr, "err"),
		resp(api.CmdSignal, ""),
		exited(3)))
	f.Add(input(runtime,
		resp(api.CmdRegisterVM, ioResp),
		resp(api.CmdHyper, ""),
		resp(api.CmdAttachVM, ioResp),
		resp(api.CmdHyper, `{"pong":true}`),
		resp(api.CmdUnregisterVM, "")))
	f.Add(input(mixed,
		resp(api.CmdConnectShim, ""),
		resp(api.CmdHyper, ""),
		stream(api.StreamStdout, "x"),
		resp(api.CmdSignal, ""),
		resp(api.CmdRegisterVM, ioResp),
		exited(0)))
	// Error responses: with a msg, without one, not JSON.
	f.Add(input(shim, errResp(api.CmdConnectShim, "unknown token")))
	f.Add(input(runtime,
		errResp(api.CmdRegisterVM, "already registered"),
		api.AppendFrame(nil, api.NewFrame(api.TypeResponse, api.CmdHyper, true, []byte(`{}`))),
		api.AppendFrame(nil, api.NewFrame(api.TypeResponse, api.CmdAttachVM, true, []byte(`not json`))),
		errResp(api.CmdHyper, "no agent")))
	// A success response that is not JSON, one with trailing data.
	f.Add(input(runtime, resp(api.CmdRegisterVM, "not json")))
	f.Add(input(runtime, resp(api.CmdRegisterVM, ioResp+" {}")))
	// A response with the wrong opcode.
	f.Add(input(shim, resp(api.CmdSignal, "")))
	// Everything at once: responses before their commands.
	f.Add(input(fuzzUnpaced|shim, resp(api.CmdConnectShim, ""), resp(api.CmdSignal, ""), exited(1)))
	// Notifications: two ProcessExited, one with a long payload.
	f.Add(input(shim, resp(api.CmdConnectShim, ""), exited(1), exited(2)))
	f.Add(input(shim, api.AppendFrame(nil, api.NewFrame(api.TypeNotification, api.NotificationProcessExited, false, []byte{1, 2}))))
	// Streams a proxy never sends, and a command.
	f.Add(input(shim, stream(api.StreamStdin, "in"), stream(api.StreamLog, "{}")))
	f.Add(input(runtime, api.AppendFrame(nil, api.NewFrame(api.TypeCommand, api.CmdHyper, false, nil))))
	// HeaderLength 5 (words the receiver skips) and reserved bits set.
	f.Add(input(shim, api.AppendHeader(nil, api.FrameHeader{
		Version: api.Version, HeaderLength: 5, Reserved3: 0xff, Reserved45: 0xabcd, ReservedBits: 7,
		Type: api.TypeResponse, Opcode: api.CmdConnectShim, PayloadLength: 2,
	}), []byte{1, 2, 3, 4, 5, 6, 7, 8}, []byte("{}")))
	// PayloadLength 0xFFFFFFFF, above any maximum.
	f.Add(input(shim, api.AppendHeader(nil, api.FrameHeader{
		Version: api.Version, HeaderLength: api.MinHeaderLength, Type: api.TypeStream, Opcode: api.StreamStdout,
		PayloadLength: 0xFFFFFFFF,
	})))
	// A header cut short, after a response; a payload cut short.
	f.Add(input(shim, resp(api.CmdConnectShim, ""), stream(api.StreamStdout, "abc")[:7]))
	f.Add(input(runtime, resp(api.CmdRegisterVM, ioResp)[:20]))
	// A bad version.
	f.Add(input(runtime, api.AppendHeader(nil, api.FrameHeader{Version: 1, HeaderLength: 3, Type: api.TypeResponse})))

	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 {
			return
		}
		series := fuzzCallSeries[int(in[0]&^fuzzUnpaced)%len(fuzzCallSeries)]
		paced := in[0]&fuzzUnpaced == 0
		pieces, whole := fuzzFrames(in[1:])

		checkLeaks := fuzzcheck.NoLeaks(t, 5*time.Second)
		clientConn, proxyConn := fuzzSocketpair(t)
		var stdout, stderr keptWriter
		c := ccproxy.NewClient(clientConn, ccproxy.WithTimeout(fuzzClientTimeout),
			ccproxy.WithMaxPayload(fuzzMaxPayload), ccproxy.WithStdout(&stdout), ccproxy.WithStderr(&stderr))
		peer := newFuzzProxyPeer(proxyConn)

		// The proxy: its input, then a close. A failed write means the
		// client closed the connection; nothing more can reach it.
		callsDone := make(chan struct{})
		proxyClosed := make(chan struct{})
		go func() {
			defer close(proxyClosed)
			defer proxyConn.Close()
			if err := proxyConn.SetWriteDeadline(time.Now().Add(fuzzCallBound)); err != nil {
				return
			}
			for i, piece := range pieces {
				if paced && len(piece) >= api.HeaderSize && api.ParseHeader(piece).Type == api.TypeResponse {
					peer.awaitCommand(callsDone)
				}
				if _, err := proxyConn.Write(piece); err != nil {
					return
				}
				// Closing right after a whole frame would cut short the
				// calls it lets through: wait for the next command first.
				if paced && i == len(pieces)-1 && whole[i] {
					peer.awaitCommand(callsDone)
				}
			}
		}()

		for _, call := range series {
			err, ok := within(t, call.name, func() error { return call.do(c) })
			if !ok {
				break
			}
			if errors.Is(err, errNilResult) {
				t.Errorf("%s returned neither a result nor an error", call.name)
			} else if err != nil && err.Error() == "" {
				t.Errorf("%s returned an error with an empty message (%#v)", call.name, err)
			}
			var perr *ccproxy.ProxyError
			if errors.As(err, &perr) && perr.Msg == "" {
				t.Errorf("%s returned a ProxyError without a message", call.name)
			}
		}
		close(callsDone)

		select {
		case <-proxyClosed:
		case <-time.After(fuzzCallBound):
			t.Errorf("the fuzzed proxy did not finish within %v of the calls", fuzzCallBound)
		}
		want := expectedDelivery(pieces, whole)
		select {
		case <-c.Done():
			if err := c.Err(); err == nil || err.Error() == "" {
				t.Errorf("Done closed, Err is %v, allowed why the connection ended", err)
			}
			if code, ok := <-c.Exited(); ok {
				if _, more := <-c.Exited(); more {
					t.Error("Exited delivered two exit codes")
				}
				if len(want.exit) != 1 || want.exit[0] != code {
					t.Errorf("Exited delivered %d, the first ProcessExited payload is %v", code, want.exit)
				}
			}
		case <-time.After(fuzzCallBound):
			t.Errorf("Done not closed %v after the proxy closed", fuzzCallBound)
		}
		if got := stdout.Bytes(); !bytes.HasPrefix(want.stdout, got) {
			t.Errorf("stdout got %q, not a prefix of the stdout the proxy sent, %q", got, want.stdout)
		}
		if got := stderr.Bytes(); !bytes.HasPrefix(want.stderr, got) {
			t.Errorf("stderr got %q, not a prefix of the stderr the proxy sent, %q", got, want.stderr)
		}

		if _, ok := within(t, "Close", c.Close); ok {
			<-peer.ended
		}
		peer.mu.Lock()
		if peer.bad != nil {
			t.Errorf("the client sent a frame no sender may: %v", peer.bad)
		}
		peer.mu.Unlock()
		checkLeaks()
	})
}
