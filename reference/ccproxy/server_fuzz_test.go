package ccproxy_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wirecert/wirecert/internal/fuzzcheck"
	"github.com/wirecert/wirecert/reference/ccproxy"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// Placeholders a FuzzServerFrames input may hold in a payload; the harness
// puts in what it cannot know: the fuzz agent's socket paths and the
// tokens the proxy handed out so far ("@tok" and a digit: the digit-th,
// modulo how many).
const (
	ctlPlaceholder   = "@ctl"
	ioPlaceholder    = "@io"
	tokenPlaceholder = "@tok"
)

// fuzzServerConfig keeps every wait of the proxy short, so that one input
// takes milliseconds, and its buffers small.
var fuzzServerConfig = ccproxy.Config{
	URL:              "unix:///fuzz/proxy.sock",
	FrameTimeout:     time.Second,
	ReadyTimeout:     100 * time.Millisecond,
	AgentTimeout:     time.Second,
	ShimTimeout:      50 * time.Millisecond,
	DialTimeout:      100 * time.Millisecond,
	MaxPayload:       64 << 10,
	MaxPendingOutput: 4 << 10,
}

// responseWait bounds the wait for the response to one command: well above
// the longest the proxy may take with fuzzServerConfig (a RegisterVM's
// dials and READY, a start's wait for its shim and the agent's ACK).
const responseWait = 5 * time.Second

// fuzzFrames cuts wire into the frames its headers describe; what does not
// hold a whole frame (a short or lying header, a payload cut short) is the
// last piece, whole is false for it.
func fuzzFrames(wire []byte) (pieces [][]byte, whole []bool) {
	for len(wire) > 0 {
		n := len(wire)
		if len(wire) >= api.HeaderSize {
			h := api.ParseHeader(wire)
			if size := int(h.HeaderLength)*4 + int(h.PayloadLength); h.HeaderLength >= api.MinHeaderLength && size <= len(wire) {
				n = size
			}
		}
		pieces, whole = append(pieces, wire[:n]), append(whole, n < len(wire) || fitsOne(wire))
		wire = wire[n:]
	}
	return pieces, whole
}

// fitsOne says whether b is exactly one frame.
func fitsOne(b []byte) bool {
	if len(b) < api.HeaderSize {
		return false
	}
	h := api.ParseHeader(b)
	return h.HeaderLength >= api.MinHeaderLength && int(h.HeaderLength)*4+int(h.PayloadLength) == len(b)
}

// fillPlaceholders puts paths and tokens into a whole frame's payload and
// fixes its PayloadLength; every other header byte stays as it was.
func fillPlaceholders(frame []byte, ctl, io string, tokens []string) []byte {
	h := api.ParseHeader(frame)
	start := int(h.HeaderLength) * 4
	payload := frame[start:]
	if !bytes.Contains(payload, []byte("@")) {
		return frame
	}
	s := strings.NewReplacer(ctlPlaceholder, ctl, ioPlaceholder, io).Replace(string(payload))
	if len(tokens) > 0 {
		var b strings.Builder
		for {
			i := strings.Index(s, tokenPlaceholder)
			if i < 0 || i+len(tokenPlaceholder) >= len(s) {
				break
			}
			b.WriteString(s[:i])
			digit := s[i+len(tokenPlaceholder)]
			b.WriteString(tokens[int(digit)%len(tokens)])
			s = s[i+len(tokenPlaceholder)+1:]
		}
		b.WriteString(s)
		s = b.String()
	}
	out := append([]byte(nil), frame[:start]...)
	binary.BigEndian.PutUint32(out[8:12], uint32(len(s)))
	return append(out, s...)
}

// answered says whether the proxy owes a response to a whole frame: a
// command whose header it accepts.
func answered(frame []byte, maxPayload uint32) bool {
	h := api.ParseHeader(frame)
	return h.Validate() == nil && h.Type == api.TypeCommand && h.PayloadLength <= maxPayload
}

// fuzzRuntime is the harness's end of the fuzzed connection: it reads what
// the proxy sends, checks every frame's header and collects the tokens of
// RegisterVM and AttachVM responses.
type fuzzRuntime struct {
	conn      *net.UnixConn
	responses chan api.Frame // every response, in order
	ended     chan struct{}  // closed when the proxy closed the connection

	mu     sync.Mutex
	tokens []string
	bad    error // the first frame the proxy should not have sent
	endErr error // why reading ended
}

func newFuzzRuntime(conn *net.UnixConn) *fuzzRuntime {
	r := &fuzzRuntime{conn: conn, responses: make(chan api.Frame, 4096), ended: make(chan struct{})}
	go r.read()
	return r
}

func (r *fuzzRuntime) read() {
	defer close(r.ended)
	rd := api.NewReader(r.conn, api.WithStrictReserved())
	for {
		f, err := rd.ReadFrame()
		if err != nil {
			r.mu.Lock()
			r.endErr = err
			r.mu.Unlock()
			return
		}
		f.Payload = bytes.Clone(f.Payload)
		if err := f.Header.CheckEmitted(); err != nil {
			r.fail(fmt.Errorf("the proxy sent a frame no sender may: %w", err))
		}
		switch f.Header.Type {
		case api.TypeCommand:
			r.fail(fmt.Errorf("the proxy sent a command: %s", f))
		case api.TypeResponse:
			r.response(f)
		}
	}
}

func (r *fuzzRuntime) response(f api.Frame) {
	if f.Header.Error {
		var e api.ErrorResponse
		if err := api.UnmarshalPayload(f.Payload, &e); err != nil || e.Message == "" {
			r.fail(fmt.Errorf("error response payload is %q, allowed {\"msg\": non-empty} (CCP-S-12)", f.Payload))
		}
	} else if f.Header.Opcode == api.CmdRegisterVM || f.Header.Opcode == api.CmdAttachVM {
		var resp api.RegisterVMResponse
		if err := api.UnmarshalPayload(f.Payload, &resp); err != nil {
			r.fail(fmt.Errorf("%s response payload: %w", api.OpcodeName(api.TypeResponse, f.Header.Opcode), err))
		}
		r.mu.Lock()
		r.tokens = append(r.tokens, resp.IO.Tokens...)
		r.mu.Unlock()
	}
	select {
	case r.responses <- f:
	default:
		r.fail(errors.New("more than 4096 responses"))
	}
}

func (r *fuzzRuntime) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.bad == nil {
		r.bad = err
	}
}

func (r *fuzzRuntime) knownTokens() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.tokens...)
}

// awaitResponse waits for the response to the command just sent (opcode
// op): nil when it came or the proxy closed the connection first.
func (r *fuzzRuntime) awaitResponse(op uint8) error {
	select {
	case f := <-r.responses:
		if f.Header.Opcode != op {
			return fmt.Errorf("response opcode is %s, allowed %s, the command's (CCP-S-11)",
				api.OpcodeName(api.TypeResponse, f.Header.Opcode), api.OpcodeName(api.TypeCommand, op))
		}
		return nil
	case <-r.ended:
		return nil
	case <-time.After(responseWait):
		return fmt.Errorf("no response to %s within %v", api.OpcodeName(api.TypeCommand, op), responseWait)
	}
}

// FuzzServerFrames serves one client of a reference proxy, with an agent
// behind it, on a socketpair: the input is what the client sends, cut
// into frames by their headers and sent one at a time, each command
// answered before the next frame goes (placeholders filled with the
// agent's paths and the tokens handed out so far); then the client closes
// its sending side. No panic; every frame the proxy sends is one a sender
// may send, every command it accepts gets one response with its opcode,
// every error response has a message; the proxy closes the connection once
// the client stopped sending; a fresh connection is still answered; and
// once the proxy and the agent are closed no goroutine and no fd is left.
func FuzzServerFrames(f *testing.F) {
	cmd := func(op uint8, payload string) []byte {
		return api.AppendFrame(nil, api.NewFrame(api.TypeCommand, op, false, []byte(payload)))
	}
	stream := func(op uint8, payload string) []byte {
		return api.AppendFrame(nil, api.NewFrame(api.TypeStream, op, false, []byte(payload)))
	}
	register := cmd(api.CmdRegisterVM, `{"containerId":"vm1","ctlSerial":"@ctl","ioSerial":"@io","numIOStreams":2}`)
	start := `{"id":"c1","rootfs":"rootfs","image":"img","process":{"terminal":false,"args":["sh"],"workdir":"/","rlimits":[]}}`
	f.Add(bytes.Join([][]byte{
		register,
		cmd(api.CmdConnectShim, `{"token":"@tok0"}`),
		cmd(api.CmdSignal, `{"signalNumber":10}`),
		cmd(api.CmdHyper, `{"hyperName":"newcontainer","tokens":["@tok0"],"data":`+start+`}`),
		stream(api.StreamStdin, "hello"),
		stream(api.StreamStdin, ""),
		cmd(api.CmdSignal, `{"signalNumber":28,"rows":24,"columns":80}`),
		cmd(api.CmdSignal, `{"signalNumber":15}`),
		cmd(api.CmdDisconnectShim, `{}`),
	}, nil))
	f.Add(bytes.Join([][]byte{
		register,
		cmd(api.CmdHyper, `{"hyperName":"execcmd","tokens":[],"data":{"container":"c1","process":{"terminal":true,"args":["sh"],"workdir":"/"}}}`),
		cmd(api.CmdHyper, `{"hyperName":"execcmd","tokens":["@tok1"],"data":{"container":"c1","process":{"args":["sh"]}}}`),
		cmd(api.CmdHyper, `{"hyperName":"pscontainer","data":{"container":"c1","fail":true}}`),
		cmd(api.CmdHyper, `{"hyperName":"killcontainer","tokens":["@tok0"],"data":{}}`),
		cmd(api.CmdAttachVM, `{"containerId":"vm1","numIOStreams":1}`),
		cmd(api.CmdAttachVM, `{"containerId":"vm1","numIOStreams":1000000000}`),
		cmd(api.CmdConnectShim, `{"token":"@tok2"}`),
		cmd(api.CmdConnectShim, `{"token":"@tok2"}`),
		cmd(api.CmdSignal, `{"signalNumber":9}`),
		cmd(api.CmdUnregisterVM, `{"containerId":"vm1"}`),
		cmd(api.CmdUnregisterVM, `{"containerId":"vm1"}`),
	}, nil))
	f.Add(bytes.Join([][]byte{
		cmd(api.CmdRegisterVM, `{"containerId":"vm2","ctlSerial":"@io","ioSerial":"@ctl"}`),
		cmd(api.CmdRegisterVM, `{"containerId":"vm3","ctlSerial":"@ctl","ioSerial":"@ctl"}`),
		cmd(api.CmdRegisterVM, `{"containerId":"","ctlSerial":"@ctl","ioSerial":"@io","numIOStreams":-1}`),
		cmd(api.CmdRegisterVM, `{"containerId":"vm4","ctlSerial":"@ctl","ioSerial":"@io","numIOStreams":1} {}`),
		cmd(api.CmdAttachVM, `{"containerId":"nope"}`),
		cmd(api.CmdHyper, `{"hyperName":"ping"}`),
		cmd(api.CmdDisconnectShim, ``),
		cmd(api.CmdSignal, `{"signalNumber":99}`),
	}, nil))
	f.Add(bytes.Join([][]byte{
		stream(api.StreamLog, `{"source":"shim","level":"info","msg":"hello"}`),
		stream(api.StreamLog, `not json`),
		stream(api.StreamStdout, "x"),
		stream(api.StreamStdin, "before ConnectShim"),
		api.AppendFrame(nil, api.NewFrame(api.TypeResponse, api.CmdHyper, true, []byte(`{"msg":"x"}`))),
		api.AppendFrame(nil, api.NewFrame(api.TypeNotification, api.NotificationProcessExited, false, []byte{0})),
		// HeaderLength 5 and reserved bits: a receiver skips and ignores them.
		append([]byte{0, 2, 5, 0xff, 0xab, 0xcd, 0xe0, api.CmdAttachVM, 0, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8}, "{}"...),
		cmd(api.CmdConnectShim, `{"token":"unknown"}`),
	}, nil))
	f.Add([]byte{0, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0})                    // version 1
	f.Add([]byte{0, 2, 3, 0, 0, 0, 0, 7, 0, 0, 0, 0})                    // command opcode 7
	f.Add([]byte{0, 2, 3, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff})        // payload above the maximum
	f.Add(append(cmd(api.CmdAttachVM, `{}`), 0, 2, 3, 0, 0, 0, 0, 2, 0)) // a header cut short
	f.Fuzz(func(t *testing.T, wire []byte) {
		checkLeaks := fuzzcheck.NoLeaks(t, 5*time.Second)
		agent := startFuzzAgent(t)
		srv := ccproxy.NewServer(fuzzServerConfig)
		client, served := fuzzSocketpair(t)
		srv.ServeConn(served)
		rt := newFuzzRuntime(client)

		pieces, whole := fuzzFrames(wire)
		for i, piece := range pieces {
			if whole[i] {
				piece = fillPlaceholders(piece, agent.CtlPath, agent.IOPath, rt.knownTokens())
			}
			if err := client.SetWriteDeadline(time.Now().Add(responseWait)); err != nil {
				t.Fatal(err)
			}
			if _, err := client.Write(piece); err != nil {
				break // the proxy closed the connection
			}
			if whole[i] && answered(piece, fuzzServerConfig.MaxPayload) {
				if err := rt.awaitResponse(piece[7]); err != nil {
					t.Error(err)
					break
				}
			}
		}
		if err := client.CloseWrite(); err != nil && !errors.Is(err, net.ErrClosed) {
			t.Logf("close write: %v", err)
		}
		select {
		case <-rt.ended:
		case <-time.After(responseWait):
			t.Errorf("the proxy kept the connection open %v after the client stopped sending", responseWait)
		}
		rt.mu.Lock()
		if rt.bad != nil {
			t.Error(rt.bad)
		}
		rt.mu.Unlock()

		fresh, freshServed := fuzzSocketpair(t)
		srv.ServeConn(freshServed)
		checkFreshAnswer(t, fresh)

		srv.Close()
		client.Close()
		fresh.Close()
		<-rt.ended
		agent.Close()
		checkLeaks()
	})
}

// checkFreshAnswer sends AttachVM for a VM nobody registered on conn and
// expects its error response.
func checkFreshAnswer(t *testing.T, conn *net.UnixConn) {
	t.Helper()
	if err := conn.SetDeadline(time.Now().Add(responseWait)); err != nil {
		t.Fatal(err)
	}
	if err := api.NewWriter(conn).WriteJSON(api.TypeCommand, api.CmdAttachVM, false, api.AttachVM{ContainerID: "fresh"}); err != nil {
		t.Fatalf("a fresh connection: sending AttachVM: %v", err)
	}
	got, err := api.NewReader(conn).ReadFrame()
	if err != nil {
		t.Fatalf("a fresh connection: no response to AttachVM: %v", err)
	}
	var e api.ErrorResponse
	if got.Header.Type != api.TypeResponse || got.Header.Opcode != api.CmdAttachVM || !got.Header.Error ||
		json.Unmarshal(got.Payload, &e) != nil || !strings.Contains(e.Message, "not registered") {
		t.Fatalf("a fresh connection: AttachVM of an unknown VM answered %s, allowed its error response", got)
	}
}
