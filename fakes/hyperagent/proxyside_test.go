package hyperagent_test

import (
	"errors"
	"net"
	"os"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/fakes/hyperagent"
	"github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
)

// proxySide is the tiny client the specs drive the Agent with: the two
// connections a cc-proxy's RegisterVM opens.
type proxySide struct {
	ctl, io *net.UnixConn
}

// newAgent starts an Agent in a fresh directory, closed when the spec ends.
func newAgent(opts ...hyperagent.Option) *hyperagent.Agent {
	GinkgoHelper()
	dir := Successful(os.MkdirTemp("", "hyperagent"))
	DeferCleanup(os.RemoveAll, dir)
	a := Successful(hyperagent.New(dir, opts...))
	DeferCleanup(a.Close)
	return a
}

// dial connects to one of the Agent's sockets, closed when the spec ends.
func dial(path string) *net.UnixConn {
	GinkgoHelper()
	c := Successful(net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"}))
	DeferCleanup(func() { _ = c.Close() })
	return c
}

// connect dials ctl, then io, as RegisterVM does.
func connect(a *hyperagent.Agent) proxySide {
	GinkgoHelper()
	return proxySide{ctl: dial(a.CtlPath()), io: dial(a.IOPath())}
}

// deadline bounds every read in the specs.
const deadline = 5 * time.Second

func (p proxySide) readCtl() hyperstart.CtlFrame {
	GinkgoHelper()
	Expect(p.ctl.SetReadDeadline(time.Now().Add(deadline))).To(Succeed())
	return Successful(hyperstart.ReadCtlFrame(p.ctl))
}

func (p proxySide) send(code hyperstart.Code, payload string) {
	GinkgoHelper()
	Expect(hyperstart.WriteCtlFrame(p.ctl, hyperstart.CtlFrame{Code: code, Payload: []byte(payload)})).To(Succeed())
}

func (p proxySide) readIO() hyperstart.IOFrame {
	GinkgoHelper()
	Expect(p.io.SetReadDeadline(time.Now().Add(deadline))).To(Succeed())
	return Successful(hyperstart.ReadIOFrame(p.io))
}

// quietFor expects no ctl frame within d: the only way to see "nothing sent".
func (p proxySide) quietFor(d time.Duration) {
	GinkgoHelper()
	Expect(p.ctl.SetReadDeadline(time.Now().Add(d))).To(Succeed())
	f, err := hyperstart.ReadCtlFrame(p.ctl)
	var nerr net.Error
	Expect(errors.As(err, &nerr) && nerr.Timeout()).To(BeTrue(), "got frame %+v, error %v", f, err)
}
