package fakeproxy_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wirecert/wirecert/fakes/fakeproxy"
	"github.com/wirecert/wirecert/internal/fuzzcheck"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// fuzzBound bounds every wait of FuzzFakeProxyShim on the fake: far above
// what one input takes (milliseconds), so only a hang reaches it. The
// fake's idle timeout is longer still, so an input never ends on it.
const fuzzBound = 5 * time.Second

// FuzzFakeProxyShim plays a hostile shim against the fake proxy: it
// connects, writes the input, closes its sending side, and reads every
// frame the fake sends until the fake's Close. No panic; the fake takes
// the whole input and sees the close within fuzzBound; it records exactly
// the frames a strict reader of its own finds in the input, each with the
// input's header bytes, and at most one error, last, exactly when the input
// does not end in whole valid frames; it answers every recorded command
// but DisconnectShim, in order, with an empty success of that opcode that
// a sender may send, and nothing else, with no send errors; Close returns,
// removes the socket and leaves the record as it was, and no goroutine and
// no fd is left.
func FuzzFakeProxyShim(f *testing.F) {
	frame := func(t api.FrameType, op uint8, payload any) []byte {
		b, err := api.MarshalPayload(payload)
		if err != nil {
			f.Fatal(err)
		}
		return api.AppendFrame(nil, api.NewFrame(t, op, false, b))
	}
	cmd := func(op uint8, payload any) []byte { return frame(api.TypeCommand, op, payload) }
	stream := func(op uint8, data string) []byte { return frame(api.TypeStream, op, []byte(data)) }
	logEntry := func(level, msg string) []byte {
		return frame(api.TypeStream, api.StreamLog, api.LogEntry{Source: "shim", Level: level, Message: msg})
	}
	// withHeader rewrites header byte i of b to v.
	withHeader := func(b []byte, i int, v byte) []byte {
		b = bytes.Clone(b)
		b[i] = v
		return b
	}
	// Seeds stay short: the fuzzer minimizes every new input it finds,
	// at a cost growing with the square of its length.
	//
	// A shim's whole session.
	f.Add(bytes.Join([][]byte{
		cmd(api.CmdConnectShim, api.ConnectShim{Token: "t"}),
		logEntry("info", "up"),
		stream(api.StreamStdin, "hi\n"),
		cmd(api.CmdSignal, api.Signal{SignalNumber: api.SIGTERM}),
		stream(api.StreamStdin, ""),
		cmd(api.CmdDisconnectShim, api.DisconnectShim{}),
	}, nil))
	f.Add(cmd(api.CmdSignal, api.Signal{SignalNumber: 28, Rows: 24, Columns: 80}))
	// A runtime's commands, and a command after DisconnectShim.
	f.Add(bytes.Join([][]byte{
		cmd(api.CmdRegisterVM, []byte("{}")),
		cmd(api.CmdAttachVM, []byte("{}")),
		cmd(api.CmdHyper, []byte("{}")),
		cmd(api.CmdUnregisterVM, []byte("{}")),
		cmd(api.CmdDisconnectShim, nil),
		cmd(api.CmdConnectShim, nil),
	}, nil))
	// Frames only a proxy sends: responses, an error one, notifications,
	// stdout and stderr.
	f.Add(bytes.Join([][]byte{
		frame(api.TypeResponse, api.CmdConnectShim, nil),
		api.AppendFrame(nil, api.NewFrame(api.TypeResponse, api.CmdSignal, true, []byte(`{"msg":"no"}`))),
		frame(api.TypeNotification, api.NotificationProcessExited, []byte{7}),
		stream(api.StreamStdout, "out"),
		stream(api.StreamStderr, "err"),
	}, nil))
	// Non-JSON payloads: the fake records them, decoding is the spec's.
	f.Add(bytes.Join([][]byte{
		cmd(api.CmdConnectShim, []byte("token=x")),
		cmd(api.CmdSignal, []byte{0xff, 0xfe, 0}),
		frame(api.TypeStream, api.StreamLog, []byte("{not json")),
	}, nil))
	// HeaderLength 4 and 9: the extra words are skipped, not payload.
	// (Not 255: a kilobyte of header makes minimizing take a whole run.)
	long := cmd(api.CmdSignal, api.Signal{SignalNumber: 9})
	f.Add(append(append(withHeader(long[:api.HeaderSize], 2, 4), 0xa5, 0xa5, 0xa5, 0xa5), long[api.HeaderSize:]...))
	f.Add(append(append(withHeader(long[:api.HeaderSize], 2, 9), make([]byte, 9*4-api.HeaderSize)...), long[api.HeaderSize:]...))
	// Header violations after a good frame: HeaderLength 2, version 1,
	// type 4, opcode 7, E on a command, reserved byte 3, reserved bits.
	connect := cmd(api.CmdConnectShim, api.ConnectShim{Token: "x"})
	for _, bad := range [][2]int{{2, 2}, {1, 1}, {6, 4}, {7, 7}, {6, 0x10}, {3, 1}, {6, 0x20}} {
		f.Add(append(bytes.Clone(connect), withHeader(connect, bad[0], byte(bad[1]))...))
	}
	// PayloadLength 0xFFFFFFFF with nothing behind it, then one just
	// above DefaultMaxPayload, then one cut short.
	f.Add(append(bytes.Clone(connect), 0, 2, 3, 0, 0, 0, 0, api.CmdSignal, 0xff, 0xff, 0xff, 0xff))
	f.Add([]byte{0, 2, 3, 0, 0, 0, 2, 0, 0, 0x10, 0, 1, 'x'})
	f.Add(connect[:len(connect)-1])
	// A header cut short, garbage, nothing.
	f.Add(append(bytes.Clone(connect), connect[:7]...))
	f.Add([]byte("GET / HTTP/1.1\r\nHost: proxy\r\n\r\n"))
	f.Add([]byte(nil))

	fuzzcheck.WarmPoller(f)
	f.Fuzz(func(t *testing.T, wire []byte) {
		checkLeaks := fuzzcheck.NoLeaks(t, 5*time.Second)
		p, err := fakeproxy.Start(fakeproxy.WithIdleTimeout(4 * fuzzBound))
		if err != nil {
			t.Fatal(err)
		}
		closed := false
		defer func() {
			if !closed {
				_ = p.Close()
			}
		}()
		conn, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: p.Path(), Net: "unix"})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		answers := readAnswers(conn)
		ctx, cancel := context.WithTimeout(context.Background(), fuzzBound)
		defer cancel()
		if err := p.WaitConnected(ctx); err != nil {
			t.Fatal(err)
		}

		// The fake reads until the client closes, whatever it sends: a
		// write that fails or times out means it stopped.
		if err := conn.SetWriteDeadline(time.Now().Add(fuzzBound)); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Write(wire); err != nil {
			t.Errorf("writing %d bytes: %v", len(wire), err)
		}
		if err := conn.CloseWrite(); err != nil {
			t.Errorf("close write: %v", err)
		}
		if err := p.WaitClientClosed(ctx); err != nil {
			t.Errorf("the fake did not see the close: %v", err)
		}
		received := p.Received()
		sendErrs := p.SendErrors()

		done := make(chan error, 1)
		go func() { done <- p.Close() }()
		select {
		case err := <-done:
			closed = true
			if err != nil {
				t.Errorf("Close: %v", err)
			}
		case <-time.After(fuzzBound):
			t.Fatalf("Close did not return within %v", fuzzBound)
		}
		got := answers.all(t)

		commands := checkReceived(t, received, wire)
		checkAnswers(t, got, commands)
		if len(sendErrs) > 0 {
			t.Errorf("send errors: %v", sendErrs)
		}
		if after := p.Received(); fakeproxy.Summary(after) != fakeproxy.Summary(received) {
			t.Errorf("the record changed on Close: %s\nbefore: %s", fakeproxy.Summary(after), fakeproxy.Summary(received))
		}
		if !p.ClientClosed() {
			t.Error("ClientClosed is false after the close was seen")
		}
		if _, err := os.Stat(p.Path()); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("socket %s still there after Close: %v", p.Path(), err)
		}
		conn.Close()
		checkLeaks()
	})
}

// answerReader reads the fake's frames until its Close; it never stops
// reading, so the fake's answers never back up into its reads.
type answerReader struct {
	done chan struct{} // closed once reading ended

	mu     sync.Mutex
	frames []api.Frame
	err    error // why reading ended; nil for the fake's close
}

func readAnswers(conn *net.UnixConn) *answerReader {
	a := &answerReader{done: make(chan struct{})}
	go func() {
		defer close(a.done)
		// Strict: the fake's own answers have no reason for reserved bits.
		r := api.NewReader(conn, api.WithStrictReserved())
		for {
			// Bounds the wait for Close too: reading ends only then.
			if err := conn.SetReadDeadline(time.Now().Add(3 * fuzzBound)); err != nil {
				a.end(err)
				return
			}
			f, err := r.ReadFrame()
			if err != nil {
				if !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
					a.end(err)
				}
				return
			}
			f.Payload = bytes.Clone(f.Payload) // the Reader reuses its buffer
			a.mu.Lock()
			a.frames = append(a.frames, f)
			a.mu.Unlock()
		}
	}()
	return a
}

func (a *answerReader) end(err error) {
	a.mu.Lock()
	a.err = err
	a.mu.Unlock()
}

// all waits for reading to end and returns every frame read.
func (a *answerReader) all(t *testing.T) []api.Frame {
	t.Helper()
	<-a.done
	if errors.Is(a.err, os.ErrDeadlineExceeded) {
		t.Errorf("the fake kept the connection open after its Close")
	} else if a.err != nil {
		t.Errorf("the fake sent bytes that do not read as frames: %v", a.err)
	}
	return a.frames
}

// checkReceived compares the fake's record with what a strict reader of
// the test's own finds in wire, and checks each recorded header against
// wire's bytes; it returns the opcodes of the commands recorded.
func checkReceived(t *testing.T, rs []fakeproxy.Received, wire []byte) (commands []uint8) {
	t.Helper()
	var want []api.Frame
	r := api.NewReader(bytes.NewReader(wire), api.WithStrictReserved())
	var wantErr error
	for {
		f, err := r.ReadFrame()
		if err != nil {
			if err != io.EOF {
				wantErr = err
			}
			break
		}
		f.Payload = bytes.Clone(f.Payload)
		want = append(want, f)
	}
	frames := rs
	if n := len(rs); n > 0 && rs[n-1].Err != nil {
		frames = rs[:n-1]
		if wantErr == nil {
			t.Errorf("the fake recorded an error for input ending in whole frames: %v", rs[n-1].Err)
		}
	} else if wantErr != nil {
		t.Errorf("the fake recorded no error, the input ends in %v", wantErr)
	}
	if len(frames) != len(want) {
		t.Errorf("the fake recorded %d frames, the input holds %d: %s", len(frames), len(want), fakeproxy.Summary(rs))
		return nil
	}
	off := 0
	for i, rec := range frames {
		if rec.Err != nil {
			t.Errorf("record #%d is an error before the last: %s", i, fakeproxy.Summary(rs))
			continue
		}
		f := rec.Frame
		if f.Header != want[i].Header || !bytes.Equal(f.Payload, want[i].Payload) {
			t.Errorf("frame #%d recorded as %s, the input holds %s", i, f, want[i])
		}
		if !bytes.Equal(rec.Header, wire[off:off+api.HeaderSize]) {
			t.Errorf("frame #%d's raw header recorded as [% x], the input holds [% x]", i, rec.Header, wire[off:off+api.HeaderSize])
		}
		if err := f.Header.Validate(); err != nil {
			t.Errorf("frame #%d recorded with an invalid header: %v", i, err)
		}
		off += int(f.Header.HeaderLength)*4 + int(f.Header.PayloadLength)
		if f.Header.Type == api.TypeCommand {
			commands = append(commands, f.Header.Opcode)
		}
	}
	if wantErr == nil && off != len(wire) {
		t.Errorf("the fake's frames cover %d of the input's %d bytes", off, len(wire))
	}
	return commands
}

// checkAnswers: one empty success per command but DisconnectShim, in
// order, each one a sender may send; nothing else.
func checkAnswers(t *testing.T, got []api.Frame, commands []uint8) {
	t.Helper()
	var want []uint8
	for _, op := range commands {
		if op != api.CmdDisconnectShim {
			want = append(want, op)
		}
	}
	if len(got) != len(want) {
		var ops []string
		for _, f := range got {
			ops = append(ops, f.String())
		}
		t.Errorf("the fake sent %d frames for %d commands to answer: %s", len(got), len(want), strings.Join(ops, "; "))
		return
	}
	for i, f := range got {
		if err := f.Header.CheckEmitted(); err != nil {
			t.Errorf("answer #%d: a frame no sender may send: %v", i, err)
		}
		if f.Header.Type != api.TypeResponse || f.Header.Error || f.Header.Opcode != want[i] || len(f.Payload) != 0 {
			t.Errorf("answer #%d is %s, allowed an empty success for %s", i, f, api.OpcodeName(api.TypeCommand, want[i]))
		}
	}
}
