package hyperagent

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/wirecert/wirecert/fakes/wiretap"
	"github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
)

// Socket file names inside the Agent's directory.
const (
	CtlSocketName = "ctl.sock"
	IOSocketName  = "io.sock"
)

// Errors of the Agent's methods.
var (
	ErrClosed       = errors.New("agent closed")
	ErrNotConnected = errors.New("channel not connected")
	// ErrExitReported: hyperstart reports a process's exit once; a second
	// report on the same seq is no agent's behaviour, so a spec cannot
	// demand how a proxy treats it.
	ErrExitReported = errors.New("exit already reported")
)

// Agent is a fake hyperstart agent listening on two unix sockets.
type Agent struct {
	ctlPath, ioPath string
	ctlLn, ioLn     *net.UnixListener
	order           *dialOrder
	// ctlTap and ioTap record the channels' traffic when the spec does
	// (package wiretap); nil otherwise.
	ctlTap, ioTap *wiretap.Channel

	withholdReady bool
	readyCode     hyperstart.Code
	readyDelay    time.Duration

	ctlWrite sync.Mutex // one frame at a time on ctl
	ioWrite  sync.Mutex // one frame (or exit pair) at a time on io

	mu         sync.Mutex
	closed     bool
	changed    chan struct{} // closed and replaced on every recorded event
	dials      []string
	ctl, io    *net.UnixConn // nil when not (or no longer) connected
	ctlSeen    bool          // the ctl connection was accepted, maybe closed since
	ioSeen     bool
	readyAt    time.Time
	replies    map[hyperstart.Code]ReplyFunc
	commands   []Command
	ioFrames   []hyperstart.IOFrame
	stdin      map[uint64][]byte
	stdinEOF   map[uint64]bool
	exited     map[uint64]bool // stdio seqs whose exit was reported
	readErrors []error

	done      chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
}

// New listens on dir/ctl.sock and dir/io.sock and serves the first
// connection on each; dir must exist and be short enough for a unix socket
// path (108 bytes).
func New(dir string, opts ...Option) (*Agent, error) {
	a := &Agent{
		ctlPath:   filepath.Join(dir, CtlSocketName),
		ioPath:    filepath.Join(dir, IOSocketName),
		readyCode: hyperstart.Ready,
		changed:   make(chan struct{}),
		replies:   map[hyperstart.Code]ReplyFunc{},
		stdin:     map[uint64][]byte{},
		stdinEOF:  map[uint64]bool{},
		exited:    map[uint64]bool{},
		done:      make(chan struct{}),
		ctlTap:    wiretap.Open("agent ctl", wiretap.HyperCtl),
		ioTap:     wiretap.Open("agent io", wiretap.HyperIO),
	}
	for _, o := range opts {
		o(a)
	}
	var err error
	if a.ctlLn, err = net.ListenUnix("unix", &net.UnixAddr{Name: a.ctlPath, Net: "unix"}); err != nil {
		return nil, fmt.Errorf("hyperagent: ctl socket: %w", err)
	}
	if a.ioLn, err = net.ListenUnix("unix", &net.UnixAddr{Name: a.ioPath, Net: "unix"}); err != nil {
		_ = a.ctlLn.Close()
		return nil, fmt.Errorf("hyperagent: io socket: %w", err)
	}
	if a.order, err = newDialOrder(map[string]*net.UnixListener{"ctl": a.ctlLn, "io": a.ioLn}); err != nil {
		_ = a.ctlLn.Close()
		_ = a.ioLn.Close()
		return nil, err
	}
	a.wg.Add(1)
	go a.accept()
	return a, nil
}

// CtlPath is the path of the ctl socket.
func (a *Agent) CtlPath() string { return a.ctlPath }

// IOPath is the path of the io socket.
func (a *Agent) IOPath() string { return a.ioPath }

// Close stops the listeners (removing the socket files), closes both
// connections and waits for every goroutine of the Agent. It is idempotent.
func (a *Agent) Close() error {
	a.closeOnce.Do(func() {
		a.mu.Lock()
		a.closed = true
		close(a.done)
		ctl, io := a.ctl, a.io
		a.ctl, a.io = nil, nil
		a.mu.Unlock()
		a.order.stop()
		_ = a.ctlLn.Close()
		_ = a.ioLn.Close()
		if ctl != nil && ctl.Close() == nil {
			a.ctlTap.Closed(wiretap.Sent, "closed (the agent closed)")
		}
		if io != nil && io.Close() == nil {
			a.ioTap.Closed(wiretap.Sent, "closed (the agent closed)")
		}
		a.wg.Wait()
		a.order.close()
	})
	a.wg.Wait()
	return nil
}

// accept accepts connections in the order the peer dialed them, serving the
// first of each kind and recording, then closing, any later one: a proxy
// should dial each channel once per VM.
func (a *Agent) accept() {
	defer a.wg.Done()
	listeners := map[string]*net.UnixListener{"ctl": a.ctlLn, "io": a.ioLn}
	for {
		kinds, ok, err := a.order.next()
		if err != nil {
			a.recordError(err)
			return
		}
		if !ok {
			return
		}
		for _, kind := range kinds {
			conn, err := listeners[kind].AcceptUnix()
			if err != nil {
				return // closed by Close
			}
			a.admit(kind, conn)
		}
	}
}

// admit records a connection of kind and serves it if it is the first.
func (a *Agent) admit(kind string, conn *net.UnixConn) {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		_ = conn.Close()
		return
	}
	a.dials = append(a.dials, kind)
	first := false
	switch kind {
	case "ctl":
		if first = !a.ctlSeen; first {
			a.ctl, a.ctlSeen = conn, true
			a.wg.Add(1)
			go a.serveCtl(conn)
		}
	case "io":
		if first = !a.ioSeen; first {
			a.io, a.ioSeen = conn, true
			a.wg.Add(1)
			go a.serveIO(conn)
		}
	}
	if first && a.ctlSeen && a.ioSeen && !a.withholdReady {
		a.wg.Add(1)
		go a.sendReady()
	}
	a.notifyLocked()
	a.mu.Unlock()
	if !first {
		_ = conn.Close()
	}
}

// sendReady sends the ready code after the configured delay.
func (a *Agent) sendReady() {
	defer a.wg.Done()
	if a.readyDelay > 0 {
		t := time.NewTimer(a.readyDelay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-a.done:
			return
		}
	}
	// Recorded before the write: a proxy may read READY and answer its
	// client before this goroutine runs again, and ReadyAt must already
	// tell; any command sent after READY is recorded later than ReadyAt.
	a.mu.Lock()
	a.readyAt = time.Now()
	a.notifyLocked()
	a.mu.Unlock()
	if err := a.SendCtl(hyperstart.CtlFrame{Code: a.readyCode}); err != nil {
		a.recordError(fmt.Errorf("hyperagent: sending %s: %w", a.readyCode, err))
		a.mu.Lock()
		a.readyAt = time.Time{}
		a.mu.Unlock()
	}
}

// Dials lists the connections accepted so far in the order they were dialed,
// "ctl" or "io", including any extra ones the Agent closed right away (whose
// place in the list is best effort: see dialOrder).
func (a *Agent) Dials() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.dials)
}

// Connected says whether the ctl and io channels are connected now.
func (a *Agent) Connected() (ctl, io bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.ctl != nil, a.io != nil
}

// WaitConnected waits until both channels are connected.
func (a *Agent) WaitConnected(ctx context.Context) error {
	return a.wait(ctx, func() bool { return a.ctl != nil && a.io != nil })
}

// ReadyAt says when the Agent sent its ready code, if it did.
func (a *Agent) ReadyAt() (time.Time, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.readyAt, !a.readyAt.IsZero()
}

// ReadErrors lists the protocol errors the Agent saw on either channel (bad
// length fields, frames cut short) and failures to send its own frames; the
// peer hanging up between frames is not an error.
func (a *Agent) ReadErrors() []error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.readErrors)
}

func (a *Agent) recordError(err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return // errors from our own closing are no news
	}
	a.readErrors = append(a.readErrors, err)
	a.notifyLocked()
}

// notifyLocked wakes every waiter; a.mu must be held.
func (a *Agent) notifyLocked() {
	close(a.changed)
	a.changed = make(chan struct{})
}

// wait waits until cond, called with a.mu held, is true.
func (a *Agent) wait(ctx context.Context, cond func() bool) error {
	for {
		a.mu.Lock()
		if cond() {
			a.mu.Unlock()
			return nil
		}
		changed := a.changed
		a.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		case <-a.done:
			return ErrClosed
		}
	}
}
