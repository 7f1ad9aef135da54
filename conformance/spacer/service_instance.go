package spacer

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/conformance/serving"
	"github.com/wirecert/wirecert/fakes/fakespacer"
)

// Errors of a service under test that the specs report.
var (
	ErrServiceCrashed = errors.New("service under test crashed")
	ErrServicePanic   = errors.New("service under test panicked")
)

// goPanicExitCode is how a Go program exits on a panic or fatal error,
// which it reports on stderr in a line starting with one of
// goCrashPrefixes. Exit code 2 alone is no crash: a service in another
// language may exit so on purpose.
const goPanicExitCode = 2

var goCrashPrefixes = []string{"panic: ", "fatal error: "}

// form is one way of running the service under test.
type form struct {
	name      string
	inProcess bool
}

// inProcessSuffix ends the slug of a spec of the in-process form: a target
// may run each spec in both forms, and the process form, which a command
// target runs, keeps the plain ID.
const inProcessSuffix = "-in-process"

// specID is the ID of the spec specID in this form.
func (f form) specID(specID string) string {
	if f.inProcess {
		return specID + inProcessSuffix
	}
	return specID
}

// instance is one service under test, started for one spec, with the
// suite's end of its socket.
type instance struct {
	t    ServiceTarget
	form form
	// conn is the suite's end; peer speaks on it.
	conn *net.UnixConn
	peer *fakespacer.RawClient
	// pid is the service's process (this process when in-process).
	pid int

	// process form
	cmd    *exec.Cmd
	pidfd  int
	stderr *os.File
	killed atomic.Bool // by stop: no crash
	// group is every process the service started (a wrapper's child, a
	// sub-service), killed and reaped when the spec ends; peerInode is the
	// service's end of the socketpair, whose holder is the serving process.
	group     *serving.Group
	peerInode uint64
	servingMu sync.Mutex
	servingAt int  // the serving process once found, 0 before
	limitedOn bool // the spec was marked limited: none found

	stopOnce sync.Once
	// hurry is closed when the spec's time is up: stop's waits end at once.
	hurry     chan struct{}
	hurryOnce sync.Once
	done      chan struct{} // closed once the service ended (and was reaped)
	endErr    error         // how it ended: Serve's error or the wait error
	crashed   error         // non-nil for a crash or panic
}

// startService starts the service under test in form f and stops it when
// the spec ends.
func startService(t ServiceTarget, f form) *instance {
	GinkgoHelper()
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	Expect(err).NotTo(HaveOccurred(), "socketpair")
	ours, theirs := os.NewFile(uintptr(pair[0]), "suite end"), os.NewFile(uintptr(pair[1]), "service end")
	defer ours.Close()
	conn, err := net.FileConn(ours)
	if err != nil {
		theirs.Close()
		Fail(fmt.Sprintf("suite end of the socketpair: %v", err))
	}
	inst := &instance{t: t, form: f, conn: conn.(*net.UnixConn), done: make(chan struct{}), hurry: make(chan struct{}), pidfd: -1}
	inst.peer = fakespacer.NewRawClient(inst.conn, t.stepTimeout(), 0)
	if f.inProcess {
		inst.startInProcess(theirs)
	} else {
		inst.startProcess(theirs)
	}
	// The cleanup's context ends when the spec's time is up: then the
	// service is killed at once rather than left running past the run.
	DeferCleanup(func(ctx SpecContext) { inst.stopWithin(ctx) })
	return inst
}

func (i *instance) startInProcess(theirs *os.File) {
	GinkgoHelper()
	defer theirs.Close()
	conn, err := net.FileConn(theirs)
	Expect(err).NotTo(HaveOccurred(), "service end of the socketpair")
	i.pid = os.Getpid()
	go func() {
		defer close(i.done)
		defer func() {
			if r := recover(); r != nil {
				i.crashed = fmt.Errorf("%w: %v", ErrServicePanic, r)
				i.endErr = i.crashed
			}
		}()
		i.endErr = i.t.Serve(conn.(*net.UnixConn))
	}()
}

func (i *instance) startProcess(theirs *os.File) {
	GinkgoHelper()
	defer theirs.Close()
	Expect(i.t.Command).NotTo(BeEmpty(), "the target's Command")
	stderr, err := os.CreateTemp("", "wirecert-spacer-stderr-*")
	Expect(err).NotTo(HaveOccurred())
	os.Remove(stderr.Name())
	i.stderr = stderr
	cmd := exec.Command(i.t.Command[0], i.t.Command[1:]...)
	if i.t.Path != "" {
		cmd = &exec.Cmd{Path: i.t.Path, Args: append([]string(nil), i.t.Command...)}
	}
	cmd.ExtraFiles = []*os.File{theirs} // fd 3
	// a file, not a pipe: Wait then returns when the service does, not
	// when its sub-services let go of the pipe
	cmd.Stdout, cmd.Stderr = stderr, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, PidFD: &i.pidfd}
	if err := serving.EnableSubreaper(); err != nil {
		fmt.Fprintf(GinkgoWriter, "wirecert: %v\n", err) // orphans then go to init
	}
	i.group = serving.NewGroup()
	cmd.Env = append(cmd.Environ(), i.group.Env())
	ino, err := serving.Inode(int(theirs.Fd()))
	if err != nil {
		stderr.Close()
		Fail(fmt.Sprintf("the service end of the socketpair: %v", err))
	}
	i.peerInode = ino
	if err := cmd.Start(); err != nil {
		stderr.Close()
		Fail(fmt.Sprintf("starting the service under test %q: %v", cmd.Path, err))
	}
	i.cmd, i.pid = cmd, cmd.Process.Pid
	i.group.Started(i.pid)
	register(i)
	go func() {
		defer close(i.done)
		i.endErr = cmd.Wait()
		if i.killed.Load() {
			return
		}
		st := cmd.ProcessState
		if st == nil {
			return // never ran: Start failed
		}
		if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			i.crashed = fmt.Errorf("%w: killed by %v", ErrServiceCrashed, ws.Signal())
		} else if st.ExitCode() == goPanicExitCode {
			if line := goCrashLine(i.stderr); line != "" {
				i.crashed = fmt.Errorf("%w: exit code %d after %q", ErrServiceCrashed, goPanicExitCode, line)
			}
		}
	}()
}

// goCrashLine returns the first line of the service's output that reports
// a Go panic or fatal error, or "". It reads at offsets, leaving the
// file's position to stop, which shows the output afterwards.
func goCrashLine(output *os.File) string {
	st, err := output.Stat()
	if err != nil {
		return ""
	}
	sc := bufio.NewScanner(io.NewSectionReader(output, 0, st.Size()))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		for _, prefix := range goCrashPrefixes {
			if strings.HasPrefix(sc.Text(), prefix) {
				return sc.Text()
			}
		}
	}
	return ""
}

// showOutputTail writes the service's output file to GinkgoWriter, only
// its last serving.DefaultTailSize bytes: a service printing without end
// costs the harness disk, not memory.
func showOutputTail(output *os.File) {
	st, err := output.Stat()
	if err != nil || st.Size() == 0 {
		return
	}
	from := max(st.Size()-serving.DefaultTailSize, 0)
	if from > 0 {
		fmt.Fprintf(GinkgoWriter, "wirecert: [%d bytes of the service's output before these last %d dropped]\n", from, st.Size()-from)
	}
	_, _ = io.Copy(GinkgoWriter, io.NewSectionReader(output, from, st.Size()-from))
}

// ended tells whether the service has ended.
func (i *instance) ended() bool {
	select {
	case <-i.done:
		return true
	default:
		return false
	}
}

// stopGrace is how long a service gets to end after the suite closed its
// end at the end of a spec, before SIGTERM; SPC-S-07's specs judge how
// long it takes.
const stopGrace = 100 * time.Millisecond

// awaitEnd waits up to the step timeout for the service to end and
// returns whether it did.
func (i *instance) awaitEnd() bool { return i.awaitEndWithin(i.t.stepTimeout()) }

func (i *instance) awaitEndWithin(d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-i.done:
		return true
	case <-timer.C:
		return false
	case <-i.hurry:
		return false
	}
}

// stop closes the suite's end, gives the service a step timeout to end,
// then kills its process group. It shows the service's output.
func (i *instance) stop() { i.stopOnce.Do(i.doStop) }

// stopWithin is stop, cutting every grace short once ctx ends: the spec's
// time is up, and a service that ignores SIGTERM must still not outlive it.
func (i *instance) stopWithin(ctx context.Context) {
	ended := make(chan struct{})
	defer close(ended)
	go func() {
		select {
		case <-ctx.Done():
			i.hurryOnce.Do(func() { close(i.hurry) })
		case <-ended:
		}
	}()
	i.stop()
}

func (i *instance) doStop() {
	_ = i.conn.Close()
	if !i.form.inProcess && !i.awaitEndWithin(stopGrace) {
		// it had its grace; what it does after the spec is no verdict
		i.killed.Store(true)
		_ = syscall.Kill(-i.cmd.Process.Pid, syscall.SIGTERM)
		if !i.awaitEnd() {
			_ = syscall.Kill(-i.cmd.Process.Pid, syscall.SIGKILL)
			<-i.done
		}
	}
	if i.form.inProcess {
		i.awaitEnd() // a Serve that does not return is left behind
	}
	if !i.form.inProcess {
		// sub-services a spec left behind are in the group too, and any
		// process of the service that left it (a daemon, a setsid child)
		_ = syscall.Kill(-i.cmd.Process.Pid, syscall.SIGKILL)
		if left, err := i.group.Kill(groupKillBound); err != nil {
			fmt.Fprintf(GinkgoWriter, "wirecert: %v: %v\n", err, left)
		}
		unregister(i)
		unix.Close(i.pidfd)
		showOutputTail(i.stderr)
		i.stderr.Close()
	}
}

// groupKillBound bounds killing and reaping the service's processes after
// SIGKILL, which they cannot ignore.
const groupKillBound = 2 * time.Second

// serving returns the process that serves the spec: the holder of the
// service's end of the socketpair deepest in the process tree, in the
// started process's PID namespace (a wrapper such as sh -c holds the
// inherited fd too; a sub-service in a PID namespace of its own is not the
// service). It is looked for until found, then kept while it runs. When
// none is found (the service ended, or moved its end out of reach) it
// returns the started process and marks the spec limited once: what that
// process holds is not necessarily the service's.
func (i *instance) serving() int {
	i.servingMu.Lock()
	defer i.servingMu.Unlock()
	if i.servingAt != 0 && serving.Running(i.servingAt) {
		return i.servingAt
	}
	holders, err := serving.Holders(i.peerInode)
	if err == nil {
		holders = slices.DeleteFunc(holders, func(pid int) bool { return !samePidNamespace(pid, i.pid) })
		var pid int
		if pid, err = serving.Deepest(holders); err == nil {
			i.servingAt = pid
			i.group.Add(pid)
			return pid
		}
	}
	// a service that closed its end (as it may) and started no other
	// process is still the one to look into
	if others, _ := i.group.Running(); len(others) == 0 {
		return i.pid
	}
	if !i.limitedOn && !i.ended() {
		i.limitedOn = true
		requirement.Limited(fmt.Sprintf("no process holding the service's end of its socket (socket:[%d]) was found (%v): the fds and children of the started process %d were inspected instead", i.peerInode, err, i.pid))
	}
	return i.pid
}

// started maps a started service's pid to its instance, so the procfs
// helpers, given inst.pid, inspect the process that really serves.
var started sync.Map

func register(i *instance)   { started.Store(i.pid, i) }
func unregister(i *instance) { started.Delete(i.pid) }

// servingPID is the serving process of the service started as pid, or pid
// itself for any other process (the in-process form, a sub-service).
func servingPID(pid int) int {
	if v, ok := started.Load(pid); ok {
		return v.(*instance).serving()
	}
	return pid
}
