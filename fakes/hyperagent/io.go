package hyperagent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/wirecert/wirecert/fakes/wiretap"
	"github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
)

// IOReceived lists the io frames received so far, in order.
func (a *Agent) IOReceived() []hyperstart.IOFrame {
	a.mu.Lock()
	defer a.mu.Unlock()
	frames := make([]hyperstart.IOFrame, len(a.ioFrames))
	for i, f := range a.ioFrames {
		frames[i] = hyperstart.IOFrame{Seq: f.Seq, Data: bytes.Clone(f.Data)}
	}
	return frames
}

// StdinOf returns the data received on seq so far, concatenated, and whether
// a zero-length frame (end of input) arrived on it.
func (a *Agent) StdinOf(seq uint64) (data []byte, eof bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return bytes.Clone(a.stdin[seq]), a.stdinEOF[seq]
}

// WaitStdinEOF waits for a zero-length frame on seq and returns the data
// received on seq before and after it.
func (a *Agent) WaitStdinEOF(ctx context.Context, seq uint64) ([]byte, error) {
	if err := a.wait(ctx, func() bool { return a.stdinEOF[seq] }); err != nil {
		return nil, fmt.Errorf("hyperagent: waiting for end of input on seq %d: %w", seq, err)
	}
	data, _ := a.StdinOf(seq)
	return data, nil
}

// WaitIO waits until at least n io frames have arrived.
func (a *Agent) WaitIO(ctx context.Context, n int) ([]hyperstart.IOFrame, error) {
	if err := a.wait(ctx, func() bool { return len(a.ioFrames) >= n }); err != nil {
		return nil, fmt.Errorf("hyperagent: waiting for %d io frames: %w", n, err)
	}
	return a.IOReceived(), nil
}

// SendIO sends one io frame with data on seq; data above
// hyperstart.IOMaxData is refused, nothing is split.
func (a *Agent) SendIO(seq uint64, data []byte) error {
	return a.sendIO(hyperstart.IOFrame{Seq: seq, Data: data})
}

// Exit reports a process exit the way hyperstart does: an empty frame on the
// process's stdio seq, then a frame holding the 1-byte exit code. No other
// frame of this Agent comes between the two. Like hyperstart, it reports a
// seq's exit once: a second Exit of stdioSeq is ErrExitReported.
func (a *Agent) Exit(stdioSeq uint64, code uint8) error {
	a.mu.Lock()
	again := a.exited[stdioSeq]
	a.exited[stdioSeq] = true
	a.mu.Unlock()
	if again {
		return fmt.Errorf("hyperagent: exit on io seq %d: %w", stdioSeq, ErrExitReported)
	}
	return a.sendIO(hyperstart.IOFrame{Seq: stdioSeq}, hyperstart.IOFrame{Seq: stdioSeq, Data: []byte{code}})
}

func (a *Agent) sendIO(frames ...hyperstart.IOFrame) error {
	a.mu.Lock()
	conn, closed := a.io, a.closed
	a.mu.Unlock()
	if closed {
		return fmt.Errorf("hyperagent: sending on io seq %d: %w", frames[0].Seq, ErrClosed)
	}
	if conn == nil {
		return fmt.Errorf("hyperagent: sending on io seq %d: %w", frames[0].Seq, ErrNotConnected)
	}
	a.ioWrite.Lock()
	defer a.ioWrite.Unlock()
	w := wiretap.Writer(conn, a.ioTap)
	for _, f := range frames {
		if err := hyperstart.WriteIOFrame(w, f); err != nil {
			return fmt.Errorf("hyperagent: io seq %d: %w", f.Seq, err)
		}
	}
	return nil
}

// CloseIO drops the io connection, as an agent whose io channel died; the
// ctl channel stays.
func (a *Agent) CloseIO() error { return a.closeChannel("io", &a.io, a.ioTap) }

// serveIO records each io frame until the connection ends.
func (a *Agent) serveIO(conn *net.UnixConn) {
	defer a.wg.Done()
	defer a.dropIO(conn)
	r := wiretap.Reader(conn, a.ioTap)
	for {
		f, err := hyperstart.ReadIOFrame(r)
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				a.recordError(fmt.Errorf("hyperagent: io: %w", err))
			}
			return
		}
		a.mu.Lock()
		a.ioFrames = append(a.ioFrames, f)
		a.stdin[f.Seq] = append(a.stdin[f.Seq], f.Data...)
		if len(f.Data) == 0 {
			a.stdinEOF[f.Seq] = true
		}
		a.notifyLocked()
		a.mu.Unlock()
	}
}

// dropIO closes conn and marks io disconnected if conn is still current.
func (a *Agent) dropIO(conn *net.UnixConn) {
	a.mu.Lock()
	if a.io == conn {
		a.io = nil
	}
	a.notifyLocked()
	a.mu.Unlock()
	_ = conn.Close()
}
