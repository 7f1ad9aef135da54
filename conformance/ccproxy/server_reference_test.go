package ccproxy_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
	"github.com/thediveo/fdooze"

	"github.com/wirecert/wirecert/conformance/ccproxy"
	refproxy "github.com/wirecert/wirecert/reference/ccproxy"
)

// referenceServerTarget starts the reference Server in-process, a fresh one
// per spec on dir/proxy.sock, with a short ReadyTimeout so CCP-S-16 ends
// quickly. PID is this process: CCP-S-39 then checks every fd the proxy (and
// the suite) opened.
func referenceServerTarget() ccproxy.ServerTarget {
	return ccproxy.ServerTarget{
		Name:        "reference Server",
		StepTimeout: 5 * time.Second,
		Start: func(_ context.Context, dir string) (*ccproxy.ServerInstance, error) {
			path := filepath.Join(dir, "proxy.sock")
			srv, err := refproxy.Listen(path, refproxy.Config{ReadyTimeout: 500 * time.Millisecond})
			if err != nil {
				return nil, err
			}
			var stopped atomic.Bool
			return &ccproxy.ServerInstance{
				Dial: func() (net.Conn, error) { return net.DialTimeout("unix", path, time.Second) },
				Stop: func(context.Context) error {
					stopped.Store(true)
					return srv.Close()
				},
				// In-process a crash ends the test binary; all that can end
				// this proxy otherwise is Stop.
				Alive: func() error {
					if stopped.Load() {
						return refproxy.ErrServerClosed
					}
					return nil
				},
				PID: os.Getpid,
			}, nil
		},
	}
}

var _ = Describe("the reference Server", func() {
	// Everything a spec opens, the proxy and the suite's fakes, must be gone
	// after it: the per-spec proxy is stopped by the suite's cleanup, which
	// runs before this one.
	BeforeEach(func() {
		goods := gleak.Goroutines()
		fds := fdooze.Filedescriptors()
		DeferCleanup(func() {
			Eventually(gleak.Goroutines).WithTimeout(2 * time.Second).ShouldNot(gleak.HaveLeaked(goods))
			Eventually(fdooze.Filedescriptors).WithTimeout(2 * time.Second).ShouldNot(fdooze.HaveLeakedFds(fds))
		})
	})

	ccproxy.ServerSpecs(referenceServerTarget())
})
