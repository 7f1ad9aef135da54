package ccproxy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/fakes/framepeer"
	"github.com/wirecert/wirecert/fakes/hyperagent"
	"github.com/wirecert/wirecert/fakes/sockdir"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// shortWindow is how long a spec watches to show that something does NOT
// happen where no order exists to prove it by (see barrier): a frame the
// proxy must not answer before its last bytes came, frames that would come
// from the agent's side. Short: it catches a proxy that answers at once.
const shortWindow = 50 * time.Millisecond

// readyWaitBound is how long CCP-S-16 gives a proxy to give up on an agent
// that never sends READY: generous, so any sane ReadyTimeout passes.
const readyWaitBound = 30 * time.Second

// serverEnv is what one server spec works with: the proxy (a fresh one when
// the target can start them, else the shared one), a temp dir for fake
// agents, and the step timeout every wait is bounded by.
type serverEnv struct {
	target ServerTarget
	inst   *ServerInstance // nil for a Dial-only target
	dir    string
	step   time.Duration
	// wires are the spec's connections, latency the target's answers so
	// far: what a wait for an answer looks at (see awaitFrame).
	wires   *wireSet
	latency *latencyMeter
}

// newServerEnv prepares a spec: a short temp dir (unix socket paths must fit
// 108 bytes) and, when the target can start proxies, a fresh proxy. Both are
// released by DeferCleanup.
func newServerEnv(t ServerTarget) *serverEnv {
	GinkgoHelper()
	if t.Dial == nil && t.Start == nil {
		Fail("ServerTarget has neither Dial nor Start: the suite cannot reach a proxy")
	}
	if t.PerPod && t.Start == nil {
		Fail("ServerTarget is PerPod without Start: a per-pod proxy exits with its VM, so the suite must start one per spec")
	}
	dir, err := sockdir.MkdirTemp("ccps-")
	Expect(err).NotTo(HaveOccurred(), "creating the spec's temp dir")
	DeferCleanup(os.RemoveAll, dir)
	env := &serverEnv{target: t, dir: dir, step: t.stepTimeout(), wires: &wireSet{}, latency: meterOf(t.Name)}
	if t.Start != nil {
		proxyDir := filepath.Join(dir, "proxy")
		Expect(os.Mkdir(proxyDir, 0o700)).To(Succeed())
		env.inst = startProxy(t, proxyDir, "the proxy under test")
	} else if reason := reachOf(t.Name).down(); reason != "" {
		// The proxy stopped accepting in an earlier spec: one dial tells
		// whether it came back, at the cost of a connect.
		conn, err := t.Dial()
		if err != nil {
			requirement.BlockedByTarget(reason + "; it still refuses: " + err.Error())
		}
		_ = conn.Close()
		reachOf(t.Name).reached()
	}
	return env
}

// startProxy starts one of t's proxies in dir, stopped when the spec ends.
// A start that fails blocks the spec by the target; after startsFailing
// starts in a row failed, the next specs are blocked without trying, so a
// target that no longer starts does not cost a start timeout per spec.
func startProxy(t ServerTarget, dir, what string) *ServerInstance {
	GinkgoHelper()
	r := reachOf(t.Name)
	if reason := r.down(); reason != "" && r.failedStarts() >= startsFailing {
		requirement.BlockedByTarget(reason)
	}
	ctx, cancel := context.WithTimeout(context.Background(), t.startTimeout())
	inst, err := t.Start(ctx, dir)
	cancel()
	if err != nil {
		reason := fmt.Sprintf("starting %s failed (start timeout %v): %v", what, t.startTimeout(), err)
		r.startFailed(reason)
		requirement.BlockedByTarget(reason)
	}
	r.reached()
	Expect(inst).NotTo(BeNil(), "ServerTarget.Start returned no instance")
	Expect(inst.Dial).NotTo(BeNil(), "ServerInstance.Dial is nil")
	// The cleanup's context ends when the spec's time is up: Stop then
	// ends the proxy forcibly instead of outliving the run.
	DeferCleanup(func(ctx SpecContext) {
		if inst.Stop != nil {
			Expect(inst.Stop(ctx)).To(Succeed(), "stopping %s", what)
		}
	})
	return inst
}

// otherProxy is where a spec registers a second VM: the same proxy, but
// for a per-pod target, which serves one VM, a second proxy of its own.
func (e *serverEnv) otherProxy() *serverEnv {
	GinkgoHelper()
	if !e.target.PerPod {
		return e
	}
	dir, err := os.MkdirTemp(e.dir, "proxy")
	Expect(err).NotTo(HaveOccurred())
	inst := startProxy(e.target, dir, "a second per-pod proxy, for a second VM")
	return &serverEnv{target: e.target, inst: inst, dir: e.dir, step: e.step, wires: e.wires, latency: e.latency}
}

// expectGone expects a per-pod proxy to end with its VM (when): it stops
// accepting connections and, when the target can tell, exits.
func (e *serverEnv) expectGone(when string) {
	GinkgoHelper()
	Eventually(func() error {
		conn, err := e.rawDial()
		if err != nil {
			return nil
		}
		_ = conn.Close()
		return errors.New("it still accepts connections")
	}).WithTimeout(e.step).Should(Succeed(), "a per-pod proxy stops serving %s", when)
	if e.inst != nil && e.inst.Alive != nil {
		Eventually(e.inst.Alive).WithTimeout(e.step).ShouldNot(Succeed(), "a per-pod proxy exits %s", when)
	}
}

// rawDial connects to the proxy under test.
func (e *serverEnv) rawDial() (net.Conn, error) {
	if e.inst != nil {
		return e.inst.Dial()
	}
	return e.target.Dial()
}

// dial opens a connection to the proxy, closed when the spec ends. When
// the spec's first connection to a running proxy (Dial) cannot be made,
// the proxy went away before the spec did anything: the spec is blocked by
// the target, and so are the next ones while it stays away. A later
// connection that fails is the spec's own failure (the proxy died during
// it).
func (e *serverEnv) dial(name string) *serverConn {
	GinkgoHelper()
	conn, err := e.rawDial()
	if err != nil && e.inst == nil && len(e.wires.conns()) == 0 {
		reason := fmt.Sprintf("the proxy under test stopped accepting connections (%s): %v", name, err)
		reachOf(e.target.Name).lost(reason)
		requirement.BlockedByTarget(reason)
	}
	Expect(err).NotTo(HaveOccurred(), "connecting to the proxy under test (%s)", name)
	c := &serverConn{peer: framepeer.New(conn), step: e.step, name: name, env: e}
	c.peer.SetChannel(name) // the wire transcript's name for it
	e.wires.add(c)
	DeferCleanup(c.peer.Close)
	return c
}

// newAgent starts a fake VM agent in a fresh directory of its own, closed
// when the spec ends.
func (e *serverEnv) newAgent(opts ...hyperagent.Option) *hyperagent.Agent {
	GinkgoHelper()
	dir, err := os.MkdirTemp(e.dir, "vm")
	Expect(err).NotTo(HaveOccurred())
	agent, err := hyperagent.New(dir, opts...)
	Expect(err).NotTo(HaveOccurred(), "starting the fake VM agent")
	DeferCleanup(agent.Close)
	return agent
}

// uniqueID returns an id no other spec (or run) uses, so specs can share one
// long-running proxy.
func uniqueID(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}

// stepCtx bounds one wait for the target.
func (e *serverEnv) stepCtx(ctx context.Context) context.Context {
	c, cancel := context.WithTimeout(ctx, e.step)
	DeferCleanup(cancel)
	return c
}

// expectAlive checks, when the target can tell, that the proxy process still
// runs: "does not crash".
func (e *serverEnv) expectAlive() {
	GinkgoHelper()
	if e.inst == nil || e.inst.Alive == nil {
		return
	}
	Expect(e.inst.Alive()).To(Succeed(), "the proxy under test died")
}

// expectServing proves the proxy still serves: a fresh connection's AttachVM
// of an unknown id gets an error response, and the proxy is alive.
func (e *serverEnv) expectServing() {
	GinkgoHelper()
	e.expectAlive()
	c := e.dial("fresh connection")
	c.fail(api.CmdAttachVM, api.AttachVM{ContainerID: uniqueID("unknown")})
	Expect(c.peer.Close()).To(Succeed())
}

// describeBytes shows bytes for a failure message, with the header decoded.
func describeBytes(b []byte) string {
	s := fmt.Sprintf("[% x]", b)
	if len(b) >= api.HeaderSize {
		s += " header " + api.ParseHeader(b).String()
	}
	return s
}
