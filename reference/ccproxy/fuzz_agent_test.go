package ccproxy_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
)

// fuzzAgent is the hyperstart agent of FuzzServerFrames, on two abstract
// unix sockets (no file to remove). It pairs the n-th ctl connection with
// the n-th io connection and sends READY on ctl once both are there; it
// answers every ctl command with ACK, or ERROR when the payload holds
// "fail"; for an acknowledged process start it writes output on the
// process's stdio and stderr, then its exit (an empty frame, then the
// code), so that the proxy routes agent output to its shims. It is its
// own, not fakes/hyperagent, so that the fuzz target needs nothing above
// the layer of the code it fuzzes.
type fuzzAgent struct {
	CtlPath, IOPath string

	ctlLn, ioLn net.Listener
	ios         chan net.Conn // io connections not yet paired with a ctl one
	done        chan struct{}

	mu     sync.Mutex
	closed bool
	conns  []net.Conn
	wg     sync.WaitGroup
}

var fuzzAgentSeq atomic.Uint64

// fuzzAgentWrite bounds each of the agent's writes: a proxy that stops
// reading cannot hold it.
const fuzzAgentWrite = 2 * time.Second

func startFuzzAgent(t testing.TB) *fuzzAgent {
	t.Helper()
	n := fuzzAgentSeq.Add(1)
	a := &fuzzAgent{
		CtlPath: fmt.Sprintf("@wirecert-fuzz-%d-%d-ctl", os.Getpid(), n),
		IOPath:  fmt.Sprintf("@wirecert-fuzz-%d-%d-io", os.Getpid(), n),
		ios:     make(chan net.Conn, 16),
		done:    make(chan struct{}),
	}
	var err error
	if a.ctlLn, err = net.Listen("unix", a.CtlPath); err != nil {
		t.Fatal(err)
	}
	if a.ioLn, err = net.Listen("unix", a.IOPath); err != nil {
		a.ctlLn.Close()
		t.Fatal(err)
	}
	a.wg.Add(2)
	go a.accept(a.ctlLn, a.serveCtl)
	go a.accept(a.ioLn, a.serveIO)
	return a
}

// Close closes the listeners and every connection and waits for the
// agent's goroutines.
func (a *fuzzAgent) Close() {
	a.mu.Lock()
	if !a.closed {
		a.closed = true
		close(a.done)
		a.ctlLn.Close()
		a.ioLn.Close()
		for _, c := range a.conns {
			c.Close()
		}
	}
	a.mu.Unlock()
	a.wg.Wait()
}

func (a *fuzzAgent) accept(ln net.Listener, serve func(net.Conn)) {
	defer a.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		a.mu.Lock()
		if a.closed {
			a.mu.Unlock()
			c.Close()
			return
		}
		a.conns = append(a.conns, c)
		a.wg.Add(1)
		a.mu.Unlock()
		go func() {
			defer a.wg.Done()
			serve(c)
		}()
	}
}

// serveIO offers c to the next ctl connection and discards what the proxy
// sends on it (stdin) until it closes.
func (a *fuzzAgent) serveIO(c net.Conn) {
	select {
	case a.ios <- c:
	default: // more io than ctl dials: nobody will write to this one
	}
	_, _ = io.Copy(io.Discard, c)
}

func (a *fuzzAgent) serveCtl(c net.Conn) {
	var ioc net.Conn
	select {
	case ioc = <-a.ios:
	case <-a.done:
		return
	}
	if a.write(c, hyperstart.CtlFrame{Code: hyperstart.Ready}.Bytes()) != nil {
		return
	}
	for {
		f, err := hyperstart.ReadCtlFrame(c)
		if err != nil {
			return
		}
		reply := hyperstart.CtlFrame{Code: hyperstart.Ack}
		if bytes.Contains(f.Payload, []byte("fail")) {
			reply = hyperstart.CtlFrame{Code: hyperstart.Error, Payload: []byte("the fuzz agent fails what says fail")}
		}
		if a.write(c, reply.Bytes()) != nil {
			return
		}
		if reply.Code == hyperstart.Ack && (f.Code == hyperstart.NewContainer || f.Code == hyperstart.ExecCmd) {
			a.run(ioc, f)
		}
	}
}

// run plays the process of an acknowledged start on ioc: a line of output
// on each stream, then the exit.
func (a *fuzzAgent) run(ioc net.Conn, f hyperstart.CtlFrame) {
	proc, err := hyperstart.ProcessOf(f.Code.String(), f.Payload)
	if err != nil {
		return
	}
	frames := []hyperstart.IOFrame{{Seq: proc.Stdio, Data: []byte("out\n")}}
	if proc.Stderr != 0 {
		frames = append(frames, hyperstart.IOFrame{Seq: proc.Stderr, Data: []byte("err\n")})
	}
	frames = append(frames, hyperstart.IOFrame{Seq: proc.Stdio}, hyperstart.IOFrame{Seq: proc.Stdio, Data: []byte{7}})
	for _, fr := range frames {
		if a.write(ioc, fr.Bytes()) != nil {
			return
		}
	}
}

func (a *fuzzAgent) write(c net.Conn, b []byte) error {
	if err := c.SetWriteDeadline(time.Now().Add(fuzzAgentWrite)); err != nil {
		return err
	}
	_, err := c.Write(b)
	return err
}
