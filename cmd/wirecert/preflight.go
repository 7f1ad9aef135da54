package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/conformance/ccproxy"
	"github.com/wirecert/wirecert/conformance/serving"
	"github.com/wirecert/wirecert/fakes/sockdir"
	refspacer "github.com/wirecert/wirecert/reference/spacer"
	"github.com/wirecert/wirecert/reference/spacer/api"
	"github.com/wirecert/wirecert/reference/spacer/wire"
)

// preflightStopGrace is how long a target the preflight started gets
// between SIGTERM and SIGKILL.
const preflightStopGrace = 2 * time.Second

// preflightTailLines is how many of a failed target's last output lines
// the preflight error shows.
const preflightTailLines = 10

// preflightError is a target that failed the preflight: exit 2, no spec
// run. The message names the target and what it did.
type preflightError struct{ msg string }

func (e preflightError) Error() string        { return "preflight: " + e.msg }
func (e preflightError) Is(target error) bool { return target == errUsage }

func preflightErrorf(format string, args ...any) error {
	return preflightError{fmt.Sprintf(format, args...)}
}

// preflight checks the target of `wirecert run` before the first spec, so
// that a wrong --socket or --command is one clear error rather than every
// spec failing alike: a --socket exists and accepts a connection; a
// --command's program is found, and the suite's check of it (s.preflight)
// passes. It says on stdout what it found.
func preflight(s suite, tf targetFlags, stdout io.Writer) error {
	t0 := time.Now()
	var what string
	switch {
	case tf.socket != "":
		if err := checkSocket(tf.socket, tf.step); err != nil {
			return err
		}
		what = "accepts connections"
	case len(tf.command) > 0:
		if _, err := exec.LookPath(tf.command[0]); err != nil {
			return preflightErrorf("%s: program %q not found: %v", targetName(tf), tf.command[0], err)
		}
		what = "found"
		if s.preflight != nil {
			var err error
			if what, err = s.preflight(tf); err != nil {
				return err
			}
		}
	default:
		return nil
	}
	fmt.Fprintf(stdout, "preflight: %s target %s: %s (preflight %v)\n", s.name, targetName(tf), what, time.Since(t0).Round(time.Millisecond))
	return nil
}

// targetName names the target of tf for messages.
func targetName(tf targetFlags) string {
	if tf.socket != "" {
		return "--socket " + tf.socket
	}
	return tf.flag + " " + shellJoin(tf.command)
}

// shellJoin joins argv as a shell command line that splitCommand splits
// back into argv: an argument with blanks, quotes or shell characters is
// single-quoted.
func shellJoin(argv []string) string {
	words := make([]string, len(argv))
	for i, a := range argv {
		if a != "" && !strings.ContainsAny(a, " \t\n'\"\\$`&|;<>()*?[]#~!") {
			words[i] = a
			continue
		}
		words[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(words, " ")
}

// checkSocket checks that path is a unix socket something accepts on.
func checkSocket(path string, timeout time.Duration) error {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return preflightErrorf("--socket %s: no such file: allowed the unix socket of a running proxy", path)
	case err != nil:
		return preflightErrorf("--socket %s: %v", path, err)
	case st.Mode()&os.ModeSocket == 0:
		return preflightErrorf("--socket %s: a %s, not a unix socket: allowed the socket of a running proxy", path, fileKind(st.Mode()))
	}
	conn, err := net.DialTimeout("unix", path, timeout)
	if err != nil {
		return preflightErrorf("--socket %s: nothing accepts connections on it: %v", path, unwrapOp(err))
	}
	return conn.Close()
}

func fileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "directory"
	case m.IsRegular():
		return "regular file"
	case m&os.ModeNamedPipe != 0:
		return "named pipe"
	case m&os.ModeDevice != 0:
		return "device"
	}
	return "file of mode " + m.String()
}

// unwrapOp drops net.OpError's "dial unix PATH:" prefix, which repeats
// what the message already says.
func unwrapOp(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	return err
}

// preflightProcess is a target the preflight started: in a process group
// of its own, its processes marked (serving.Group) so that a daemon is
// found, its output in a file.
type preflightProcess struct {
	cmd    *exec.Cmd
	group  *serving.Group
	output *os.File
	done   chan struct{}
	began  time.Time
}

// startPreflight starts cmd with its output in dir.
func startPreflight(cmd *exec.Cmd, dir string) (*preflightProcess, error) {
	out, err := os.Create(filepath.Join(dir, "output"))
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	_ = serving.EnableSubreaper() // without it a daemon's orphans go to init, still found and killed
	group := serving.NewGroup()
	cmd.Env = append(cmd.Environ(), group.Env())
	p := &preflightProcess{cmd: cmd, group: group, output: out, done: make(chan struct{}), began: time.Now()}
	if err := cmd.Start(); err != nil {
		out.Close()
		return nil, err
	}
	group.Started(cmd.Process.Pid)
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// exited says whether the started process ended.
func (p *preflightProcess) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// daemonised says whether the started process exited 0 while a process
// it started goes on: a daemon's parent.
func (p *preflightProcess) daemonised() bool {
	if !p.exited() || !p.cmd.ProcessState.Success() {
		return false
	}
	pids, _ := p.group.Running()
	return len(pids) > 0
}

// fate says how the started process ended, and after how long.
func (p *preflightProcess) fate() string {
	return fmt.Sprintf("exited with %s after %v", p.cmd.ProcessState, time.Since(p.began).Round(time.Millisecond))
}

// tailNote is the target's last output lines for a message.
func (p *preflightProcess) tailNote() string {
	lines := tailLines(p.output.Name(), preflightTailLines)
	if len(lines) == 0 {
		return "; it wrote nothing on stdout or stderr"
	}
	return "; its last output:\n    " + strings.Join(lines, "\n    ")
}

// stop ends every process of the target (SIGTERM, SIGKILL after
// preflightStopGrace), reaps them and closes the output.
func (p *preflightProcess) stop() {
	defer p.output.Close()
	if !p.exited() {
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	}
	_, _ = p.group.Signal(unix.SIGTERM)
	deadline := time.Now().Add(preflightStopGrace)
	for time.Now().Before(deadline) {
		if pids, _ := p.group.Running(); p.exited() && len(pids) == 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	_, _ = p.group.Kill(2 * time.Second)
	<-p.done
}

// preflightProxy starts a ccproxy-server --command once and waits until
// it accepts on {socket} within the start timeout, then stops it.
func preflightProxy(tf targetFlags) (string, error) {
	dir, err := sockdir.MkdirTemp("wirecert-preflight-")
	if err != nil {
		return "", preflightErrorf("%v", err)
	}
	defer os.RemoveAll(dir)
	socket := filepath.Join(dir, ccproxy.ProxySocketName)
	args := make([]string, len(tf.command))
	for i, a := range tf.command {
		args[i] = strings.ReplaceAll(a, ccproxy.SocketPlaceholder, socket)
	}
	p, err := startPreflight(exec.Command(args[0], args[1:]...), dir)
	if err != nil {
		return "", preflightErrorf("ccproxy-server target %s: starting it: %v", targetName(tf), err)
	}
	defer p.stop()
	timeout := time.NewTimer(tf.start)
	defer timeout.Stop()
	tick := time.NewTicker(time.Millisecond) // a dial of a missing path is cheap
	defer tick.Stop()
	done := p.done
	for {
		if conn, err := net.DialTimeout("unix", socket, time.Second); err == nil {
			conn.Close()
			return fmt.Sprintf("listening on {socket} after %v", time.Since(p.began).Round(time.Millisecond)), nil
		}
		select {
		case <-done:
			done = nil
			if p.daemonised() {
				continue // its daemon may listen yet
			}
			return "", preflightErrorf("ccproxy-server target %s %s without listening on {socket} (%s)%s",
				targetName(tf), p.fate(), socket, p.tailNote())
		case <-timeout.C:
			still := "still running"
			if p.exited() {
				still = p.fate() + ", its processes still running"
			}
			return "", preflightErrorf("ccproxy-server target %s did not listen on {socket} (%s) within the start timeout %v (--start-timeout; %s)%s",
				targetName(tf), socket, tf.start, still, p.tailNote())
		case <-tick.C:
			if done == nil {
				if pids, _ := p.group.Running(); len(pids) == 0 {
					return "", preflightErrorf("ccproxy-server target %s %s, and every process it started ended, without listening on {socket} (%s)%s",
						targetName(tf), p.fate(), socket, p.tailNote())
				}
			}
		}
	}
}

// preflightSpacer starts a spacer-service --command once with its end of
// a socketpair as fd 3 and sends it one RoomsRequest: any answer, an
// ErrorResponse or a message the reference client cannot decode included,
// passes; an exit, a closed socket or silence for the start timeout does
// not. The service is then disconnected, stopped and reaped.
func preflightSpacer(tf targetFlags) (string, error) {
	dir, err := sockdir.MkdirTemp("wirecert-preflight-")
	if err != nil {
		return "", preflightErrorf("%v", err)
	}
	defer os.RemoveAll(dir)
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return "", preflightErrorf("socketpair: %v", err)
	}
	ours, theirs := os.NewFile(uintptr(fds[0]), "preflight client"), os.NewFile(uintptr(fds[1]), "preflight service")
	fc, err := net.FileConn(ours)
	ours.Close()
	if err != nil {
		theirs.Close()
		return "", preflightErrorf("socketpair: %v", err)
	}
	cmd := exec.Command(tf.command[0], tf.command[1:]...)
	cmd.ExtraFiles = []*os.File{theirs} // fd 3
	p, err := startPreflight(cmd, dir)
	theirs.Close()
	if err != nil {
		fc.Close()
		return "", preflightErrorf("spacer-service target %s: starting it: %v", targetName(tf), err)
	}
	defer p.stop()
	client := refspacer.NewClient(fc.(*net.UnixConn), refspacer.WithTimeout(tf.start))
	defer client.Close()

	type answer struct {
		resp api.Response
		err  error
	}
	answered := make(chan answer, 1)
	go func() {
		resp, err := client.Do(&api.RoomsRequest{})
		answered <- answer{resp, err}
	}()
	var a answer
	select {
	case a = <-answered:
	case <-p.done:
		// what it wrote before it exited is still in the socket
		select {
		case a = <-answered:
		case <-time.After(time.Second):
			client.Close()
			a = <-answered
		}
	}
	if a.err == nil || isMessageError(a.err) {
		if c, ok := a.resp.(interface{ Close() error }); ok {
			_ = c.Close()
		}
		return fmt.Sprintf("answered a RoomsRequest after %v", time.Since(p.began).Round(time.Millisecond)), nil
	}
	if !p.exited() {
		select {
		case <-p.done:
		case <-time.After(100 * time.Millisecond):
		}
	}
	switch {
	case p.exited():
		return "", preflightErrorf("spacer-service target %s %s without answering a RoomsRequest on fd 3%s", targetName(tf), p.fate(), p.tailNote())
	case isTimeout(a.err):
		return "", preflightErrorf("spacer-service target %s did not answer a RoomsRequest on fd 3 within the start timeout %v (--start-timeout; still running)%s",
			targetName(tf), tf.start, p.tailNote())
	}
	return "", preflightErrorf("spacer-service target %s did not answer a RoomsRequest on fd 3: %v (still running)%s", targetName(tf), a.err, p.tailNote())
}

// isMessageError says whether err is about a message that came: the
// service answered, if not as the protocol wants (the specs judge that).
func isMessageError(err error) bool {
	var me *wire.MessageError
	return errors.As(err, &me)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}
