package ccproxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/onsi/ginkgo/v2"

	"github.com/wirecert/wirecert/conformance/requirement"

	"github.com/wirecert/wirecert/conformance/serving"
	refccproxy "github.com/wirecert/wirecert/reference/ccproxy"
)

// The placeholders of a command target's argv: the socket the proxy under
// test listens on (a fresh dir/proxy.sock per spec) or the shim under test
// connects to, the shim's token, and the id of the container the shim
// stands for (ShimRun.Container).
const (
	SocketPlaceholder    = "{socket}"
	TokenPlaceholder     = "{token}"
	ContainerPlaceholder = "{container}"
)

// ProxySocketName is the socket a started proxy listens on in its dir.
const ProxySocketName = "proxy.sock"

// socketPoll is how often a started proxy's socket is tried until it
// accepts.
const socketPoll = time.Millisecond

// StopGrace is how long a command target's process gets between SIGTERM
// and SIGKILL, and its output pipes after it exited.
const StopGrace = 5 * time.Second

// ReferenceReadyTimeout is the in-process reference proxy's bound on
// waiting for READY (CCP-S-16): short, so that spec ends quickly.
const ReferenceReadyTimeout = 500 * time.Millisecond

// Errors of the constructed targets.
var (
	ErrEmptyCommand  = errors.New("empty command")
	ErrProxyNotReady = errors.New("proxy under test not accepting connections")
	ErrProxyExited   = errors.New("proxy under test exited")
	ErrShimSignalled = errors.New("shim under test killed by a signal")
)

// SocketServer targets a proxy already listening on the unix socket path.
// All specs share it, so a hostile spec can spoil later ones; prefer
// CommandServer when the proxy can be started.
func SocketServer(path string) ServerTarget {
	return ServerTarget{Name: "socket " + path, Dial: dialUnix(path)}
}

// CommandServer targets a proxy started per spec by running argv, whose
// {socket} placeholders are replaced by dir/proxy.sock. Start returns once
// the socket accepts (within the target's StartTimeout) or fails with the process's
// fate (a started process that exits 0 while a process it started goes
// on, as a daemon's parent does, is waited past). PID is the process that
// serves the socket, found through wrappers and daemons (see package
// serving), 0 when none is found; Alive fails once that process ended (the
// started process, when none was found). Stop sends SIGTERM to the process
// group and every other process the target started, SIGKILL after
// StopGrace, and kills and reaps them all; processes that outlived the
// started one are noted in the spec's report. The output of every process
// goes to GinkgoWriter, shown with a failed spec.
func CommandServer(argv []string) ServerTarget {
	argv = append([]string(nil), argv...)
	return ServerTarget{
		Name: "command " + strings.Join(argv, " "),
		Start: func(ctx context.Context, dir string) (*ServerInstance, error) {
			return startCommandServer(ctx, argv, dir)
		},
	}
}

// CommandShim targets a shim run per session by running argv, whose
// {socket}, {token} and {container} placeholders are replaced by the fake
// proxy's socket, the session's token and its container id. Signals from ShimRun.Signals are forwarded to
// the process; its exit code is returned, and death by a signal is
// ErrShimSignalled.
//
// In a session without a terminal its stdin, stdout and stderr are pipes
// to the session's. In a session with one (ShimRun.Terminal) they are one
// pseudo-terminal in raw mode, as a runtime gives a shim the container's
// console: the process runs in a session of its own with that terminal as
// its controlling terminal, Stdin is copied to it and what the shim writes
// on it goes to Stdout. The terminal is sized as ShimRun.WindowSize says
// and resized before each SIGWINCH; a resize that changes the size makes
// the kernel send the shim that SIGWINCH, any other SIGWINCH is sent to the
// process, so the shim gets each exactly once.
func CommandShim(argv []string) ClientTarget {
	argv = append([]string(nil), argv...)
	return ClientTarget{
		Name: "command " + strings.Join(argv, " "),
		Shim: func(ctx context.Context, run ShimRun) (int, error) {
			return runCommandShim(ctx, argv, run)
		},
	}
}

// ReferenceServer targets the reference proxy, in-process, a fresh Server
// per spec with a ReadyTimeout of ReferenceReadyTimeout; its PID is this
// process.
func ReferenceServer() ServerTarget {
	return ServerTarget{
		Name: "reference ccproxy (in-process)",
		Start: func(_ context.Context, dir string) (*ServerInstance, error) {
			path := filepath.Join(dir, ProxySocketName)
			srv, err := refccproxy.Listen(path, refccproxy.Config{ReadyTimeout: ReferenceReadyTimeout})
			if err != nil {
				return nil, err
			}
			var closed atomic.Bool
			return &ServerInstance{
				Dial: dialUnix(path),
				Stop: func(context.Context) error {
					closed.Store(true)
					return srv.Close()
				},
				// In-process, a crash ends the whole run; only Stop ends it.
				Alive: func() error {
					if closed.Load() {
						return refccproxy.ErrServerClosed
					}
					return nil
				},
				// This process: CCP-S-39 then checks every fd the proxy (and
				// the suite) opened.
				PID: os.Getpid,
			}, nil
		},
	}
}

// ReferenceShim targets the reference shim, in-process (RunShim). It has
// no terminal of its own to ask for the window size: it gets
// ShimRun.WindowSize instead, which the suite sets in the sessions with a
// terminal.
func ReferenceShim() ClientTarget {
	return ClientTarget{
		Name: "reference ccshim (in-process)",
		Shim: func(ctx context.Context, run ShimRun) (int, error) {
			cfg := refccproxy.ShimConfig{
				ProxyPath: run.Socket,
				Token:     run.Token,
				Stdin:     run.Stdin,
				Stdout:    run.Stdout,
				Stderr:    run.Stderr,
				Signals:   run.Signals,
			}
			if ws := run.WindowSize; ws != nil {
				cfg.WindowSize = func() (int, int, bool) {
					rows, cols := ws()
					return rows, cols, rows > 0 && cols > 0
				}
			}
			return refccproxy.RunShim(ctx, cfg)
		},
	}
}

func dialUnix(path string) func() (net.Conn, error) {
	return func() (net.Conn, error) {
		return net.DialTimeout("unix", path, DefaultStepTimeout)
	}
}

// expandArgv replaces the placeholders in every argument.
func expandArgv(argv []string, values map[string]string) ([]string, error) {
	if len(argv) == 0 || argv[0] == "" {
		return nil, fmt.Errorf("%w: argv is %q, allowed a program and its arguments", ErrEmptyCommand, argv)
	}
	out := make([]string, len(argv))
	for i, a := range argv {
		for k, v := range values {
			a = strings.ReplaceAll(a, k, v)
		}
		out[i] = a
	}
	return out, nil
}

// process is a started command in its own process group, reaped by a
// goroutine of its own so both Alive and Stop can see its end, with the
// group of every process it starts (a wrapper's child, a daemon's
// grandchild).
type process struct {
	cmd     *exec.Cmd
	group   *serving.Group
	done    chan struct{} // closed once reaped
	waitErr error
	// closeOutput, when set, ends the copy of the output pipe once every
	// process that could write to it was killed.
	closeOutput func()
}

// startProcess starts cmd in a process group of its own, so Stop reaches a
// wrapper's children too and a terminal's ^C does not. A cmd whose
// SysProcAttr is set keeps it: a shim with a terminal gets a session of
// its own, which is a process group of its own too. Every process it
// starts carries the group's marker; this process becomes a child
// subreaper first, so a daemon's orphans come back here to be killed and
// reaped rather than to init.
func startProcess(cmd *exec.Cmd) (*process, error) {
	if err := serving.EnableSubreaper(); err != nil {
		// Without it a daemon's orphans go to init: found by their marker,
		// killed, but reaped by init.
		fmt.Fprintf(ginkgo.GinkgoWriter, "wirecert: %v\n", err)
	}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	}
	group := serving.NewGroup()
	cmd.Env = append(cmd.Environ(), group.Env())
	cmd.WaitDelay = StopGrace // output pipes held by a leftover child
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", cmd.Path, err)
	}
	group.Started(cmd.Process.Pid)
	p := &process{cmd: cmd, group: group, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// exited says whether the process ended, and how.
func (p *process) exited() (bool, string) {
	select {
	case <-p.done:
		if p.cmd.ProcessState != nil {
			return true, p.cmd.ProcessState.String()
		}
		return true, fmt.Sprint(p.waitErr)
	default:
		return false, ""
	}
}

// exitedOK says whether the process ended with exit code 0.
func (p *process) exitedOK() bool {
	done, _ := p.exited()
	return done && p.cmd.ProcessState != nil && p.cmd.ProcessState.Success()
}

// groupKillBound bounds the killing and reaping of a group's processes
// after SIGKILL; they cannot ignore it, so only a process stuck in the
// kernel takes longer.
const groupKillBound = 2 * time.Second

// stop sends SIGTERM to the process group and to every other process of
// the target (a daemon escapes the group), SIGKILL after StopGrace, and
// waits until the process is reaped and the target's other processes are
// killed and reaped. A process that needed SIGKILL is not an error of the
// protocol: it is noted in GinkgoWriter. It returns the processes that
// outlived the started process: still running when it had ended, or left
// after it ended on SIGTERM.
func (p *process) stop(ctx context.Context) []string {
	defer func() {
		if p.closeOutput != nil {
			p.closeOutput()
		}
	}()
	var leftovers []string
	note := func(pids []int) {
		for _, pid := range pids {
			leftovers = append(leftovers, serving.Describe(pid))
		}
	}
	if done, _ := p.exited(); done {
		pids, _ := p.group.Running()
		note(pids)
	} else {
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	}
	_, _ = p.group.Signal(syscall.SIGTERM)
	grace := time.NewTimer(StopGrace)
	defer grace.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
wait:
	for {
		select {
		case <-tick.C:
			if done, _ := p.exited(); done {
				if pids, _ := p.group.Running(); len(pids) == 0 {
					break wait
				}
			}
		case <-grace.C:
			fmt.Fprintf(ginkgo.GinkgoWriter, "wirecert: %s (or a process it started) ignored SIGTERM for %v; sending SIGKILL\n", p.cmd.Path, StopGrace)
			break wait
		case <-ctx.Done():
			fmt.Fprintf(ginkgo.GinkgoWriter, "wirecert: the spec's time is up and %s has not ended; sending SIGKILL\n", p.cmd.Path)
			break wait
		}
	}
	if done, _ := p.exited(); done && len(leftovers) == 0 {
		pids, _ := p.group.Running()
		note(pids)
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	if left, err := p.group.Kill(groupKillBound); err != nil {
		fmt.Fprintf(ginkgo.GinkgoWriter, "wirecert: %v: %v\n", err, left)
	}
	<-p.done
	return leftovers
}

// outputTo sends the command's stdout and stderr through a pipe of its
// own: os/exec then waits for the process, not for the pipe, which a
// daemon or a wrapper's child may hold; the copy ends once stop killed
// every process of the target, and w then gets the output's last
// serving.DefaultTailSize bytes.
func outputTo(cmd *exec.Cmd, w io.Writer) (started func(), closeOutput func(), err error) {
	r, pw, err := os.Pipe()
	if err != nil {
		return nil, nil, fmt.Errorf("output pipe: %w", err)
	}
	cmd.Stdout, cmd.Stderr = pw, pw
	// Only the tail is kept: a target printing without end costs the
	// harness DefaultTailSize, not its output (w gets the tail at the end).
	tail := serving.NewTail(serving.DefaultTailSize)
	copied := make(chan struct{})
	started = func() {
		pw.Close() // the process holds its own copy now
		go func() {
			defer close(copied)
			_, _ = io.Copy(tail, r)
		}()
	}
	closeOutput = func() {
		pw.Close()
		select {
		case <-copied:
		case <-time.After(100 * time.Millisecond):
			// a writer escaped the kill (not marked, not in the group):
			// its output is no longer shown
		}
		r.Close()
		if tail.Total() > 0 {
			fmt.Fprintf(w, "wirecert: the target's output:\n%s\n", tail)
		}
	}
	return started, closeOutput, nil
}

func startCommandServer(ctx context.Context, argv []string, dir string) (*ServerInstance, error) {
	socket := filepath.Join(dir, ProxySocketName)
	args, err := expandArgv(argv, map[string]string{SocketPlaceholder: socket})
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(args[0], args[1:]...)
	outputStarted, closeOutput, err := outputTo(cmd, ginkgo.GinkgoWriter)
	if err != nil {
		return nil, err
	}
	p, err := startProcess(cmd)
	if err != nil {
		closeOutput()
		return nil, err
	}
	p.closeOutput = closeOutput
	outputStarted()
	stop := func(ctx context.Context) {
		if left := p.stop(ctx); len(left) > 0 {
			reportLeftovers(p.cmd.Path, left)
		}
	}
	if err := awaitSocket(ctx, p, socket); err != nil {
		stop(context.Background())
		return nil, err
	}
	srv := &servingProcess{p: p, socket: socket}
	srv.find()
	return &ServerInstance{
		Dial: dialUnix(socket),
		Stop: func(ctx context.Context) error {
			stop(ctx)
			return nil
		},
		Alive: srv.alive,
		PID:   srv.pid,
	}, nil
}

// reportLeftovers tells that a target's processes outlived the process the
// suite started (a daemon, or a wrapper's child left running). No
// requirement forbids a proxy to daemonise, so it fails no spec; the suite
// killed and reaped them, and the spec's report says so.
func reportLeftovers(path string, left []string) {
	msg := fmt.Sprintf("%s left %d process(es) running after it ended, killed by the suite: %s", path, len(left), strings.Join(left, "; "))
	fmt.Fprintf(ginkgo.GinkgoWriter, "wirecert: %s\n", msg)
	ginkgo.AddReportEntry(requirement.LeftoverEntry, msg)
}

// servingProcess is the process that really serves a command target's
// socket: the listener's holder, found through wrappers and daemons.
type servingProcess struct {
	p      *process
	socket string
	mu     sync.Mutex
	found  int // 0 until found
}

// find looks for the serving process and keeps it; it is tried again on
// each pid until found.
func (s *servingProcess) find() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.found != 0 {
		return s.found
	}
	pid, err := serving.Listener(s.socket, DefaultStepTimeout)
	if err != nil {
		fmt.Fprintf(ginkgo.GinkgoWriter, "wirecert: the process serving %s: %v\n", s.socket, err)
		return 0
	}
	s.p.group.Add(pid) // killed at the end even if it cleared its environment
	s.found = pid
	return pid
}

// pid is the serving process, 0 when none was found (fd and memory
// checks are then limited).
func (s *servingProcess) pid() int { return s.find() }

// alive fails once the serving process ended, or the started process when
// no serving process was found.
func (s *servingProcess) alive() error {
	if pid := s.find(); pid != 0 && pid != s.p.cmd.Process.Pid {
		if !serving.Running(pid) {
			return fmt.Errorf("%w: its serving process %d ended", ErrProxyExited, pid)
		}
		return nil
	}
	if done, how := s.p.exited(); done {
		return fmt.Errorf("%w: %s", ErrProxyExited, how)
	}
	return nil
}

// awaitSocket polls until socket accepts a connection, the target ends,
// or ctx ends. A started process that exits with 0 while other
// processes of its target run is a daemon's parent: the wait goes on.
func awaitSocket(ctx context.Context, p *process, socket string) error {
	began := time.Now()
	// A dial of a path not there yet is a few microseconds: looking
	// every millisecond costs the start at most that.
	tick := time.NewTicker(socketPoll)
	defer tick.Stop()
	done := p.done
	for {
		conn, err := net.DialTimeout("unix", socket, time.Second)
		if err == nil {
			return conn.Close()
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%w: %s on %s after %v (the start timeout): %v", ErrProxyNotReady, p.cmd.Path, socket, time.Since(began).Round(time.Millisecond), err)
		}
		if done == nil && !othersRunning(p) {
			return fmt.Errorf("%w: %s and every process it started ended before accepting on %s", ErrProxyNotReady, p.cmd.Path, socket)
		}
		select {
		case <-done:
			if p.exitedOK() && othersRunning(p) {
				done = nil // a daemon's parent: its child goes on
				continue
			}
			_, how := p.exited()
			return fmt.Errorf("%w: %s ended (%s) before accepting on %s", ErrProxyNotReady, p.cmd.Path, how, socket)
		case <-tick.C:
		case <-ctx.Done():
		}
	}
}

// othersRunning tells whether a process of p's target other than the
// started one runs. A daemon caught in its execve can briefly show no
// environment, hence no marker: a few looks apart make sure it is gone.
func othersRunning(p *process) bool {
	for range 5 {
		if pids, _ := p.group.Running(); len(pids) > 0 {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

func runCommandShim(ctx context.Context, argv []string, run ShimRun) (int, error) {
	args, err := expandArgv(argv, map[string]string{SocketPlaceholder: run.Socket, TokenPlaceholder: run.Token, ContainerPlaceholder: run.Container})
	if err != nil {
		return -1, err
	}
	cmd := exec.Command(args[0], args[1:]...)
	var tty *terminal
	if run.Terminal {
		if tty, err = openTerminal(run.WindowSize); err != nil {
			return -1, err
		}
		defer tty.close()
		cmd.Stdin, cmd.Stdout, cmd.Stderr = tty.slave, tty.slave, tty.slave
		// As a runtime starts a shim with a console: a session of its own,
		// the terminal (its fd 0) its controlling terminal.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	} else {
		cmd.Stdout, cmd.Stderr = run.Stdout, run.Stderr
	}
	stdin, err := newStdinFeed(cmd, run.Stdin, tty)
	if err != nil {
		return -1, err
	}
	p, err := startProcess(cmd)
	if err != nil {
		stdin.abort()
		return -1, err
	}
	// a shim's leftover children go with it
	defer func() { _, _ = p.group.Kill(groupKillBound) }()
	if tty != nil {
		tty.copyOutput(run.Stdout)
	}
	stdin.start()
	defer stdin.stop()

	signals := run.Signals
	for {
		select {
		case sig, ok := <-signals:
			if !ok {
				signals = nil // closed: nothing more to forward
				continue
			}
			if tty != nil && sig == syscall.SIGWINCH {
				if changed, err := tty.resize(); err == nil && changed {
					continue // the kernel sent it
				}
			}
			_ = p.cmd.Process.Signal(sig) // it may just have exited
		case <-p.done:
			st := p.cmd.ProcessState
			if st == nil {
				return -1, fmt.Errorf("shim under test: %w", p.waitErr)
			}
			if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				return -1, fmt.Errorf("%w: %v", ErrShimSignalled, ws.Signal())
			}
			return st.ExitCode(), nil
		case <-ctx.Done():
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
			return -1, ctx.Err()
		}
	}
}

// stdinFeed copies a session's stdin into the shim's. exec would do that
// too, but its Wait then waits for the copier, which may sit in a Read that
// never returns. Here a reader with a read deadline is cut short and waited
// for; any other copier ends when its Read returns, like RunShim's.
type stdinFeed struct {
	src  io.Reader
	pr   *os.File // the pipe's read end, until the shim holds it
	dst  *os.File // the pipe's write end, or the terminal's master
	pipe bool     // dst is the feed's own pipe: closed at src's EOF
	done chan struct{}
}

// newStdinFeed wires src to the shim's stdin: into the terminal's master
// when the session has one (cmd.Stdin is the slave already), else as
// cmd.Stdin, directly for a nil or *os.File src and through a pipe for any
// other. A terminal gets no EOF: in raw mode it cannot carry one.
func newStdinFeed(cmd *exec.Cmd, src io.Reader, tty *terminal) (*stdinFeed, error) {
	f := &stdinFeed{src: src}
	if src == nil {
		return f, nil
	}
	if tty != nil {
		f.dst = tty.master
		return f, nil
	}
	if file, ok := src.(*os.File); ok {
		cmd.Stdin = file
		return f, nil
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("shim stdin pipe: %w", err)
	}
	f.pr, f.dst, f.pipe = pr, pw, true
	cmd.Stdin = pr
	return f, nil
}

func (f *stdinFeed) start() {
	if f.dst == nil {
		return
	}
	if f.pr != nil {
		f.pr.Close() // the shim holds its own copy now
	}
	f.done = make(chan struct{})
	go func() {
		defer close(f.done)
		// A plain Writer: no splice into a terminal, whose deadlines it
		// would not honour.
		_, _ = io.Copy(struct{ io.Writer }{f.dst}, f.src)
		if f.pipe {
			f.dst.Close() // EOF for the shim
		}
	}()
}

func (f *stdinFeed) abort() {
	if f.pipe {
		f.pr.Close()
		f.dst.Close()
	}
}

func (f *stdinFeed) stop() {
	if f.done == nil {
		return
	}
	// A shim that stopped reading leaves the copier in Write.
	_ = f.dst.SetWriteDeadline(time.Unix(1, 0))
	if d, ok := f.src.(interface{ SetReadDeadline(time.Time) error }); ok &&
		d.SetReadDeadline(time.Unix(1, 0)) == nil {
		select {
		case <-f.done:
			return
		case <-time.After(StopGrace):
		}
	}
	if f.pipe {
		f.dst.Close() // the copier's next Write fails and it ends
	}
	// A terminal's master is closed with the terminal, which ends it too.
}
