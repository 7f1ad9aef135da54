package ccproxyheader_test

import (
	"bytes"
	"encoding/hex"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
	"github.com/thediveo/fdooze"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/fakes/framepeer"
	"github.com/wirecert/wirecert/matchers"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// step bounds every wait for the proxy.
const step = 5 * time.Second

// unknownVM is an AttachVM payload naming a VM nobody registered: the
// proxy answers it with an error response, which proves it serves.
const unknownVM = `{"containerId":"no-such-vm"}` // 0x1c bytes

// pid1Flag names the socket of a proxy that is already PID 1 of this
// process's PID namespace: a container's entrypoint, whose PID namespace the
// container running this suite joined.
var pid1Flag = flag.String("ccproxy.pid1", "", "socket of a proxy that is PID 1 of this PID namespace (e.g. /proc/1/root/tmp/proxy.sock); default: start one in a new PID namespace")

// pid1Proxy is a proxy that is PID 1 of its PID namespace: started so here
// (cmd set), or found as PID 1 of ours.
type pid1Proxy struct {
	cmd    *exec.Cmd
	pid    int // in this process's PID namespace
	socket string
	done   chan struct{} // closed once gone
}

// joinedPID1Proxy is the proxy at socket that is PID 1 of this process's
// PID namespace; this suite does not own it, so stop leaves it be.
func joinedPID1Proxy(socket string) *pid1Proxy {
	GinkgoHelper()
	exe := Successful(os.Readlink("/proc/1/exe"))
	Expect(filepath.Base(exe)).To(ContainSubstring("proxy"), "PID 1 of this PID namespace is %s, not a proxy", exe)
	awaitSocket(socket)
	// PID 1 cannot be waited for from here; should it die, the kernel
	// kills this whole PID namespace, this process included.
	return &pid1Proxy{pid: 1, socket: socket}
}

// startPID1Proxy starts the proxy binary in a new PID namespace, where it is
// PID 1 like a container's entrypoint: the kernel gives it no default signal
// actions and it reaps orphans, and its death kills the namespace.
func startPID1Proxy(dir string) *pid1Proxy {
	GinkgoHelper()
	p := &pid1Proxy{socket: filepath.Join(dir, "proxy.sock"), done: make(chan struct{})}
	p.cmd = exec.Command(proxyBinary, "--socket", p.socket)
	p.cmd.Stdout, p.cmd.Stderr = GinkgoWriter, GinkgoWriter
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID, Pdeathsig: syscall.SIGKILL}
	Expect(p.cmd.Start()).To(Succeed(), "starting %s in a new PID namespace", proxyBinary)
	p.pid = p.cmd.Process.Pid
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	awaitSocket(p.socket)
	return p
}

// awaitSocket waits until the proxy accepts on socket.
func awaitSocket(socket string) {
	GinkgoHelper()
	Eventually(func() error {
		c, err := net.DialTimeout("unix", socket, time.Second)
		if err == nil {
			return c.Close()
		}
		return err
	}).WithTimeout(step).WithPolling(10*time.Millisecond).Should(Succeed(), "the proxy accepting on %s", socket)
}

// stop ends the proxy with SIGTERM, which it handles (as PID 1 an unhandled
// one would be ignored), and SIGKILL after step.
func (p *pid1Proxy) stop() {
	if p.cmd == nil {
		return // not ours
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(step):
		fmt.Fprintf(GinkgoWriter, "proxy as PID 1 ignored SIGTERM for %v: killing it\n", step)
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// expectAlivePID1 checks the proxy still runs and is PID 1 in its namespace.
func (p *pid1Proxy) expectAlivePID1() {
	GinkgoHelper()
	if p.cmd != nil {
		select {
		case <-p.done:
			Fail(fmt.Sprintf("the proxy (PID 1 of its namespace, PID %d here) died: %s", p.pid, p.cmd.ProcessState))
		default:
		}
	}
	Expect(nsPID(p.pid)).To(Equal("1"), "the proxy's PID in its own namespace")
}

// nsPID is the innermost PID of pid, from the NSpid line of its status.
func nsPID(pid int) string {
	GinkgoHelper()
	status := Successful(os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)))
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "NSpid:" {
			return f[len(f)-1]
		}
	}
	Fail(fmt.Sprintf("/proc/%d/status has no NSpid line", pid))
	return ""
}

func dial(p *pid1Proxy, what string) *framepeer.Peer {
	GinkgoHelper()
	peer := Successful(framepeer.Dial(p.socket, step))
	DeferCleanup(peer.Close)
	return peer
}

// expectServed sends AttachVM of an unknown VM and expects an error
// response: the connection is served.
func expectServed(peer *framepeer.Peer, what string) {
	GinkgoHelper()
	Expect(peer.SendFrame(api.NewFrame(api.TypeCommand, api.CmdAttachVM, false, []byte(unknownVM)))).To(Succeed(), "%s: sending AttachVM", what)
	f := Successful(peer.ReadFrame(step))
	Expect(f.Header.Type).To(Equal(api.TypeResponse), "%s: answer to AttachVM %s", what, f)
	Expect(f.Header.Opcode).To(Equal(api.CmdAttachVM), "%s: answer to AttachVM %s", what, f)
	Expect(f.Header.Error).To(BeTrue(), "%s: AttachVM of an unknown VM must fail: %s", what, f)
}

func hx(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// One proxy, PID 1 of its namespace, takes every hostile header of the
// table in turn: each must end only its own connection, and leave no fd
// behind, while a bystander connection opened first keeps being served.
var _ = Describe("cc-proxy as PID 1 of its PID namespace under hostile headers", Ordered, func() {
	var (
		proxy     *pid1Proxy
		bystander *framepeer.Peer
		baseline  []fdooze.FileDescriptor
	)

	BeforeAll(func() {
		switch {
		case *pid1Flag != "":
			proxy = joinedPID1Proxy(*pid1Flag)
		case os.Geteuid() != 0:
			Skip("a new PID namespace needs root (CAP_SYS_ADMIN): running as uid " + fmt.Sprint(os.Geteuid()))
		default:
			dir := Successful(os.MkdirTemp("", "ccpid1-"))
			DeferCleanup(os.RemoveAll, dir)
			proxy = startPID1Proxy(dir)
			DeferCleanup(proxy.stop)
		}
		proxy.expectAlivePID1()
		bystander = dial(proxy, "bystander")
		expectServed(bystander, "bystander before any hostile header")
		baseline = Successful(matchers.ProcessFiledescriptors(proxy.pid))
	})

	// Every spec leaves this process's fds and goroutines as it found them.
	BeforeEach(func() {
		goodfds := fdooze.Filedescriptors()
		goodgos := gleak.Goroutines()
		DeferCleanup(func() {
			Eventually(gleak.Goroutines).ShouldNot(gleak.HaveLeaked(goodgos))
			Expect(fdooze.Filedescriptors()).NotTo(fdooze.HaveLeakedFds(goodfds))
		})
	})

	DescribeTable("a hostile connection is closed, the proxy stays PID 1, serves the bystander and a fresh connection, and keeps no fd of it",
		func(hostile []byte, bytewise bool, want fate) {
			c := dial(proxy, "hostile")
			send := func() error { return c.Send(hostile) }
			if bytewise {
				send = func() error { return c.SendBytewise(hostile, 0) }
			}
			if err := send(); want != closes {
				Expect(err).To(Succeed())
			} else if err != nil {
				// The proxy may close as soon as it has seen enough of a
				// hostile frame: the rest of the write then fails.
				Expect(err).To(Or(MatchError(syscall.EPIPE), MatchError(syscall.ECONNRESET)), "sending [% x]", hostile[:min(len(hostile), 16)])
			}
			switch want {
			case closes:
				Expect(c.ExpectClosed(step)).To(Succeed(), "after [% x]", hostile)
			case answers:
				f := Successful(c.ReadFrame(step))
				Expect(f.Header.Type).To(Equal(api.TypeResponse), "answer to AttachVM %s", f)
				Expect(f.Header.Error).To(BeTrue(), "AttachVM of an unknown VM must fail: %s", f)
			}
			Expect(c.Close()).To(Succeed())
			proxy.expectAlivePID1()
			expectServed(bystander, "bystander")
			fresh := dial(proxy, "fresh")
			expectServed(fresh, "fresh connection")
			Expect(fresh.Close()).To(Succeed())
			Eventually(proxy.pid).WithTimeout(step).ShouldNot(matchers.HaveLeakedProcessFds(baseline),
				"the proxy keeps fds of closed connections")
		},
		pid1Entry("CCP-S-05/pid1-header-length-0", requirement.Must, "HeaderLength 0", hx("00 02 00 00 00 00 00 02 00 00 00 1c"+hex.EncodeToString([]byte(unknownVM))), false, closes),
		pid1Entry("CCP-S-05/pid1-header-length-2", requirement.Must, "HeaderLength 2, no payload", hx("00 02 02 00 00 00 00 02 00 00 00 00"), false, closes),
		pid1Entry("CCP-S-05/pid1-header-length-1-bytewise", requirement.Must, "HeaderLength 1, one byte per write", hx("00 02 01 00 00 00 00 02 00 00 00 00"), true, closes),
		pid1Entry("CCP-S-06/pid1-version-0", requirement.Must, "Version 0", hx("00 00 03 00 00 00 00 02 00 00 00 00"), false, closes),
		pid1Entry("CCP-S-06/pid1-version-ffff", requirement.Must, "Version 0xFFFF", hx("ff ff 03 00 00 00 00 02 00 00 00 00"), false, closes),
		pid1Entry("CCP-S-06/pid1-type-15", requirement.Must, "Type 15", hx("00 02 03 00 00 00 0f 02 00 00 00 00"), false, closes),
		pid1Entry("CCP-S-06/pid1-command-opcode-255", requirement.Must, "command opcode 255", hx("00 02 03 00 00 00 00 ff 00 00 00 00"), false, closes),
		pid1Entry("CCP-S-07/pid1-e-on-command", requirement.Should, "E on a command", hx("00 02 03 00 00 00 10 02 00 00 00 00"), false, closes),
		pid1Entry("CCP-S-08/pid1-huge-length-lives", requirement.Must, "PayloadLength 0xFFFFFFFF then 64 KiB", append(hx("00 02 03 00 00 00 00 02 ff ff ff ff"), bytes.Repeat([]byte{'x'}, 64<<10)...), false, survives),
		pid1Entry("CCP-S-08/pid1-huge-length-refused", requirement.Should, "PayloadLength 0xFFFFFFFF: refused, connection closed", hx("00 02 03 00 00 00 00 02 ff ff ff ff"), false, closes),
		pid1Entry("CCP-S-03/pid1-one-byte-writes", requirement.Must, "an AttachVM one byte per write", append(hx("00 02 03 00 00 00 00 02 00 00 00 1c"), unknownVM...), true, answers),
		pid1Entry("CCP-S-04/pid1-header-length-4-bytewise", requirement.Must, "an AttachVM with HeaderLength 4, one byte per write", append(hx("00 02 04 00 00 00 00 02 00 00 00 1c de ad be ef"), unknownVM...), true, answers),
	)
})

// fate is what a hostile connection must see from the proxy.
type fate int

const (
	survives fate = iota // anything but the proxy's death
	closes               // the connection is closed, nothing answered
	answers              // an error response to the (unknown VM) AttachVM
)

// pid1Entry is the table entry specID at level; the bytes are in the
// entry's text.
func pid1Entry(specID string, level requirement.Level, what string, hostile []byte, bytewise bool, want fate) TableEntry {
	shown := hostile
	suffix := ""
	if len(shown) > 40 {
		shown, suffix = shown[:40], fmt.Sprintf(" ... (%d bytes)", len(hostile))
	}
	return Entry(requirement.Describe(specID, level, fmt.Sprintf("%s [% x]%s", what, shown, suffix)),
		requirement.Labels(specID, level), hostile, bytewise, want)
}
