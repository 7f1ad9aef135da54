package hyperagent_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wirecert/wirecert/fakes/hyperagent"
	"github.com/wirecert/wirecert/fakes/sockdir"
	"github.com/wirecert/wirecert/internal/fuzzcheck"
	"github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
)

// fuzzBound bounds every wait of FuzzAgentCtl on the Agent: far above what
// one input takes (milliseconds), so only a hang reaches it.
const fuzzBound = 5 * time.Second

// FuzzAgentCtl plays a hostile proxy against the Agent: it dials ctl, then
// io (as RegisterVM does), waits for READY if told (waitReady), writes the
// ctl input on ctl and the io input on io, and closes its sending sides.
// No panic; the Agent answers or closes within fuzzBound on both channels,
// sending nothing but one READY and one empty ACK per command on ctl and
// nothing on io; Commands and IOReceived hold exactly the frames that
// parse from the inputs; ReadErrors holds one error per malformed input and
// nothing else (but a READY the Agent could not send, when not waited for);
// Close returns, removes the sockets and leaves Commands as it was, and no
// goroutine and no fd is left.
func FuzzAgentCtl(f *testing.F) {
	ctl := func(code hyperstart.Code, payload any) []byte {
		var b []byte
		switch p := payload.(type) {
		case nil:
		case string:
			b = []byte(p)
		default:
			var err error
			if b, err = json.Marshal(p); err != nil {
				f.Fatal(err)
			}
		}
		return hyperstart.CtlFrame{Code: code, Payload: b}.Bytes()
	}
	ioFrame := func(seq uint64, data string) []byte {
		return hyperstart.IOFrame{Seq: seq, Data: []byte(data)}.Bytes()
	}
	proc := hyperstart.Process{Stdio: 1, Stderr: 2, Args: []string{"sh"}}
	// Every command a proxy sends, each with a payload of its kind, one
	// seed each: the fuzzer minimizes every new input it finds, at a cost
	// growing with the square of its length, so seeds stay short.
	cmds := map[hyperstart.Code][]byte{}
	for i, c := range []struct {
		code    hyperstart.Code
		payload any
	}{
		{hyperstart.Version, nil},
		{hyperstart.StartPod, `{"hostname":"pod","containers":[],"shareDir":"rootfs"}`},
		{hyperstart.NewContainer, hyperstart.Container{ID: "c1", Rootfs: "rootfs", Image: "img", Process: &proc}},
		{hyperstart.ExecCmd, hyperstart.ExecCommand{Container: "c1", Process: proc}},
		{hyperstart.WinSize, hyperstart.WindowSizeMessage{Seq: 1, Row: 24, Column: 80}},
		{hyperstart.KillContainer, hyperstart.KillCommand{Container: "c1", Signal: 15}},
		{hyperstart.Ping, nil},
		{hyperstart.Next, nil},
		{hyperstart.WriteFile, `{"container":"c1","file":"/etc/hosts"}`},
		{hyperstart.ReadFile, `{"container":"c1","file":"/etc/hosts"}`},
		{hyperstart.OnlineCPUMem, `{}`},
		{hyperstart.SetupInterface, `{"device":"eth0","ipAddresses":[]}`},
		{hyperstart.SetupRoute, `{"routes":[]}`},
		{hyperstart.PsContainer, `{"container":"c1"}`},
		{hyperstart.RemoveContainer, `{"container":"c1"}`},
		{hyperstart.ProcessAsyncEvent, `{}`},
		{hyperstart.DestroyPod, nil},
	} {
		cmds[c.code] = ctl(c.code, c.payload)
		f.Add(i%2 == 0, cmds[c.code], []byte(nil))
	}
	// A short session: a process fed stdin, resized, killed.
	stdin := bytes.Join([][]byte{ioFrame(1, "hi\n"), ioFrame(2, ""), ioFrame(1, "")}, nil)
	session := bytes.Join([][]byte{cmds[hyperstart.Ping], cmds[hyperstart.WinSize], cmds[hyperstart.KillContainer]}, nil)
	f.Add(true, session, stdin)
	f.Add(false, session, stdin)
	// What an agent sends, sent to it; an unknown code. (No frame of the
	// largest size: 10 KiB make minimizing take a whole run; hyperstart's
	// own tests cover the limit.)
	f.Add(true, bytes.Join([][]byte{
		ctl(hyperstart.Ready, nil), ctl(hyperstart.Ack, "ok"), ctl(hyperstart.Error, "boom"), ctl(0xffffffff, nil),
	}, nil), []byte(nil))
	// Length fields out of range: 0, 7, 10241 and 0xFFFFFFFF with nothing behind.
	for _, length := range []uint32{0, 7, hyperstart.CtlMaxFrame + 1, 0xffffffff} {
		bad := ctl(hyperstart.Ping, nil)
		bad[4], bad[5], bad[6], bad[7] = byte(length>>24), byte(length>>16), byte(length>>8), byte(length)
		f.Add(true, append(ctl(hyperstart.Ping, nil), bad...), ioFrame(3, "after"))
	}
	// Cut short: a header, a payload.
	f.Add(true, append(ctl(hyperstart.Ping, nil), ctl(hyperstart.Ack, nil)[:5]...), ioFrame(1, "x")[:7])
	f.Add(false, ctl(hyperstart.KillContainer, `{"container":"c1"}`)[:12], ioFrame(1, "data")[:14])
	// io frames: seq 0, a high seq, an empty one (end of input).
	f.Add(true, []byte(nil), bytes.Join([][]byte{ioFrame(0, "x"), ioFrame(1<<63, "high seq"), ioFrame(5, "")}, nil))
	// A 12-byte io header (seq 1) with length 0xFFFFFFFF, then with 11.
	f.Add(true, ctl(hyperstart.Ping, nil), append(ioFrame(1, "ok"), 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff))
	f.Add(false, ctl(hyperstart.Ping, nil), append(ioFrame(1, "ok"), 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 11))
	// Garbage on both.
	f.Add(false, []byte("GET / HTTP/1.1\r\n\r\n"), []byte("\x00\xff\x00\xff garbage"))
	f.Add(true, []byte(nil), []byte(nil))

	fuzzcheck.WarmPoller(f)
	f.Fuzz(func(t *testing.T, waitReady bool, ctlIn, ioIn []byte) {
		checkLeaks := fuzzcheck.NoLeaks(t, 5*time.Second)
		dir, err := sockdir.MkdirTemp("hyperagent-fuzz")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(dir)
		a, err := hyperagent.New(dir)
		if err != nil {
			t.Fatal(err)
		}
		closed := false
		defer func() {
			if !closed {
				_ = a.Close()
			}
		}()
		ctlConn := fuzzDial(t, a.CtlPath())
		defer ctlConn.Close()
		ioConn := fuzzDial(t, a.IOPath())
		defer ioConn.Close()
		replies := readReplies(ctlConn)

		if waitReady {
			// As RegisterVM does: nothing goes before READY.
			if r := replies.firstFrame(t); r.Code != hyperstart.Ready {
				t.Fatalf("first ctl frame is %s, allowed READY", r.Code)
			}
		}
		// The Agent may close ctl on a bad frame, so a write may fail; a
		// write that times out means it stopped reading without closing.
		fuzzWrite(t, "ctl", ctlConn, ctlIn)
		fuzzWrite(t, "io", ioConn, ioIn)
		_ = ctlConn.CloseWrite()
		_ = ioConn.CloseWrite()

		got := replies.all(t)
		ioSent := drainIO(t, ioConn)

		wantCmds, ctlBad := parseCtl(ctlIn)
		wantIO, ioBad := parseIO(ioIn)
		cmds := a.Commands()
		checkReplies(t, got, waitReady, len(cmds))
		if len(ioSent) > 0 {
			t.Errorf("the Agent sent %d bytes on io unasked: %q", len(ioSent), ioSent)
		}
		checkCommands(t, cmds, wantCmds)
		if gotIO := a.IOReceived(); !ioFramesEqual(gotIO, wantIO) {
			t.Errorf("IOReceived is %d frames %v, allowed the %d frames of the io input %v", len(gotIO), gotIO, len(wantIO), wantIO)
		}
		// A failed READY is recorded by a goroutine of its own, maybe
		// after both channels closed: ReadErrors is checked after Close.
		readErrs := a.ReadErrors()
		if d := a.Dials(); !slices.Equal(d, []string{"ctl", "io"}) {
			t.Errorf("Dials is %v, allowed [ctl io]", d)
		}

		done := make(chan error, 1)
		go func() { done <- a.Close() }()
		select {
		case err := <-done:
			closed = true
			if err != nil {
				t.Errorf("Close: %v", err)
			}
		case <-time.After(fuzzBound):
			t.Fatalf("Close did not return within %v", fuzzBound)
		}
		if cmdsAfter := a.Commands(); !slices.EqualFunc(cmdsAfter, cmds, func(x, y hyperagent.Command) bool {
			return x.Code == y.Code && bytes.Equal(x.Payload, y.Payload) && x.At.Equal(y.At)
		}) {
			t.Errorf("Commands changed on Close: %d commands, before %d", len(cmdsAfter), len(cmds))
		}
		after := a.ReadErrors()
		checkReadErrors(t, after, ctlBad, ioBad, waitReady)
		for _, err := range readErrs {
			if !slices.ContainsFunc(after, func(e error) bool { return e.Error() == err.Error() }) {
				t.Errorf("ReadErrors lost %v on Close: %v", err, after)
			}
		}
		if c, i := a.Connected(); c || i {
			t.Errorf("Connected is ctl %t io %t after Close, allowed neither", c, i)
		}
		for _, p := range []string{a.CtlPath(), a.IOPath()} {
			if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("socket %s still there after Close: %v", p, err)
			}
		}
		ctlConn.Close()
		ioConn.Close()
		checkLeaks()
	})
}

func fuzzDial(t *testing.T, path string) *net.UnixConn {
	t.Helper()
	c, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fuzzWrite writes b on conn within fuzzBound; the Agent closing the
// connection first is allowed (it does on a bad frame).
func fuzzWrite(t *testing.T, channel string, conn *net.UnixConn, b []byte) {
	t.Helper()
	if len(b) == 0 {
		return
	}
	if err := conn.SetWriteDeadline(time.Now().Add(fuzzBound)); err != nil {
		t.Fatal(err)
	}
	_, err := conn.Write(b)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("%s: the Agent took none of %d bytes for %v and kept the connection open", channel, len(b), fuzzBound)
	}
}

// replyReader reads the Agent's ctl frames until it closes ctl; it never
// stops reading, so the Agent's replies never back up into its reads.
type replyReader struct {
	first chan struct{} // closed once a frame was read or reading ended
	done  chan struct{} // closed once reading ended

	mu     sync.Mutex
	frames []hyperstart.CtlFrame
	err    error // why reading ended; nil for a close
}

func readReplies(conn *net.UnixConn) *replyReader {
	r := &replyReader{first: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		var once sync.Once
		defer once.Do(func() { close(r.first) })
		for {
			if err := conn.SetReadDeadline(time.Now().Add(fuzzBound)); err != nil {
				r.end(err)
				return
			}
			f, err := hyperstart.ReadCtlFrame(conn)
			if err != nil {
				// The Agent closing ctl with our frames unread shows as
				// a reset once its replies are read.
				if !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
					r.end(err)
				}
				return
			}
			r.mu.Lock()
			r.frames = append(r.frames, f)
			r.mu.Unlock()
			once.Do(func() { close(r.first) })
		}
	}()
	return r
}

func (r *replyReader) end(err error) {
	r.mu.Lock()
	r.err = err
	r.mu.Unlock()
}

// firstFrame waits for the first frame the Agent sends on ctl.
func (r *replyReader) firstFrame(t *testing.T) hyperstart.CtlFrame {
	t.Helper()
	select {
	case <-r.first:
	case <-time.After(fuzzBound):
		t.Fatalf("ctl: nothing within %v of dialing ctl and io", fuzzBound)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.frames) == 0 {
		t.Fatalf("ctl: the Agent ended it without a frame: %v", r.err)
	}
	return r.frames[0]
}

// all waits for reading to end (each read is bounded by its deadline) and
// returns every frame read.
func (r *replyReader) all(t *testing.T) []hyperstart.CtlFrame {
	t.Helper()
	<-r.done
	if errors.Is(r.err, os.ErrDeadlineExceeded) {
		t.Errorf("ctl: the Agent neither answered nor closed within %v of our close", fuzzBound)
	} else if r.err != nil {
		t.Errorf("ctl: the Agent sent a frame that does not read: %v", r.err)
	}
	return r.frames
}

// drainIO reads io until the Agent closes it, within fuzzBound.
func drainIO(t *testing.T, conn *net.UnixConn) []byte {
	t.Helper()
	if err := conn.SetReadDeadline(time.Now().Add(fuzzBound)); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(conn)
	if err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("io: the Agent did not close it within %v of our close: %v", fuzzBound, err)
	}
	return b
}

// parseCtl reads the ctl frames of in as a reader of its own would; bad
// says whether in ends in anything but whole frames.
func parseCtl(in []byte) (frames []hyperstart.CtlFrame, bad bool) {
	r := bytes.NewReader(in)
	for {
		f, err := hyperstart.ReadCtlFrame(r)
		if err != nil {
			return frames, err != io.EOF
		}
		frames = append(frames, f)
	}
}

// parseIO reads the io frames of in; bad as for parseCtl.
func parseIO(in []byte) (frames []hyperstart.IOFrame, bad bool) {
	r := bytes.NewReader(in)
	for {
		f, err := hyperstart.ReadIOFrame(r)
		if err != nil {
			return frames, err != io.EOF
		}
		frames = append(frames, f)
	}
}

// checkReplies: READY at most once (first when waited for), an empty ACK
// for each command, nothing else.
func checkReplies(t *testing.T, got []hyperstart.CtlFrame, waitReady bool, commands int) {
	t.Helper()
	ready, acks := 0, 0
	for i, f := range got {
		switch {
		case f.Code == hyperstart.Ready && len(f.Payload) == 0:
			ready++
			if waitReady && i != 0 {
				t.Errorf("ctl frame #%d is a second READY", i)
			}
		case f.Code == hyperstart.Ack && len(f.Payload) == 0:
			acks++
		default:
			t.Errorf("ctl frame #%d is %s with %d payload bytes, allowed READY or an empty ACK", i, f.Code, len(f.Payload))
		}
	}
	if ready > 1 || (waitReady && ready != 1) {
		t.Errorf("the Agent sent READY %d times", ready)
	}
	if acks != commands {
		t.Errorf("the Agent sent %d ACKs for %d commands", acks, commands)
	}
}

// checkCommands: the commands recorded are want, in order, received in
// that order.
func checkCommands(t *testing.T, got []hyperagent.Command, want []hyperstart.CtlFrame) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("Commands holds %d commands, allowed the %d ctl frames sent", len(got), len(want))
		return
	}
	for i := range got {
		if got[i].Code != want[i].Code || !bytes.Equal(got[i].Payload, want[i].Payload) {
			t.Errorf("command #%d is %s %q, sent %s %q", i, got[i].Code, got[i].Payload, want[i].Code, want[i].Payload)
		}
		if got[i].At.IsZero() || (i > 0 && got[i].At.Before(got[i-1].At)) {
			t.Errorf("command #%d received at %v, after #%d at %v", i, got[i].At, i-1, got[max(i-1, 0)].At)
		}
	}
}

func ioFramesEqual(a, b []hyperstart.IOFrame) bool {
	return slices.EqualFunc(a, b, func(x, y hyperstart.IOFrame) bool {
		return x.Seq == y.Seq && bytes.Equal(x.Data, y.Data)
	})
}

// checkReadErrors: one error per malformed input channel; in addition only
// a failed READY when the input did not wait for it (the Agent may lose
// the race with a ctl connection that already ended).
func checkReadErrors(t *testing.T, errs []error, ctlBad, ioBad, waitReady bool) {
	t.Helper()
	var ctlErrs, ioErrs int
	for _, err := range errs {
		switch msg := err.Error(); {
		case strings.HasPrefix(msg, "hyperagent: ctl: "):
			ctlErrs++
		case strings.HasPrefix(msg, "hyperagent: io: "):
			ioErrs++
		case !waitReady && strings.HasPrefix(msg, "hyperagent: sending ready: "):
		default:
			t.Errorf("unexpected read error: %v", err)
		}
	}
	if want := btoi(ctlBad); ctlErrs != want {
		t.Errorf("%d ctl read errors for a ctl input with %d bad frames: %v", ctlErrs, want, errs)
	}
	if want := btoi(ioBad); ioErrs != want {
		t.Errorf("%d io read errors for an io input with %d bad frames: %v", ioErrs, want, errs)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
