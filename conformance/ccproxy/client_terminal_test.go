package ccproxy_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"

	"github.com/wirecert/wirecert/conformance/ccproxy"
)

// terminalRun is a session with a terminal for a command shim, its output
// in out and its size whatever size holds.
func terminalRun(stdin *bytes.Reader, out *gbytes.Buffer, signals <-chan os.Signal, size *terminalSize) ccproxy.ShimRun {
	run := ccproxy.ShimRun{
		Socket: "/run/fake-proxy.sock", Token: "TOKEN-44",
		Stdout: out, Stderr: out, Terminal: true, Signals: signals,
		WindowSize: size.get,
	}
	if stdin != nil {
		run.Stdin = stdin
	}
	return run
}

// terminalSize is a terminal size a spec changes while the shim runs.
type terminalSize struct {
	mu         sync.Mutex
	rows, cols int
}

func (w *terminalSize) get() (int, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.rows, w.cols
}

func (w *terminalSize) set(rows, cols int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.rows, w.cols = rows, cols
}

var _ = Describe("CommandShim's terminal", func() {
	BeforeEach(clientLeakChecked)
	ctx := context.Background()

	It("is the shim's stdin, stdout and stderr and its controlling terminal, raw, sized as WindowSize says", func() {
		out := gbytes.NewBuffer()
		script := `tty; readlink /proc/$$/fd/0 /proc/$$/fd/1 /proc/$$/fd/2; stty size; stty -a; ` +
			`if (: </dev/tty) 2>/dev/null; then echo controlling; fi`
		code, err := ccproxy.CommandShim([]string{"sh", "-c", script}).
			Shim(ctx, terminalRun(nil, out, nil, &terminalSize{rows: 33, cols: 99}))
		Expect(err).NotTo(HaveOccurred())
		Expect(code).To(BeZero())
		lines := strings.Split(string(out.Contents()), "\n")
		Expect(len(lines)).To(BeNumerically(">", 5), "output %q", out.Contents())
		Expect(lines[0]).To(HavePrefix("/dev/pts/"), "stdin is a terminal")
		Expect(lines[1:4]).To(HaveEach(lines[0]), "stdin, stdout and stderr are one terminal")
		Expect(lines[4]).To(Equal("33 99"))
		Expect(string(out.Contents())).To(SatisfyAll(
			ContainSubstring("-icanon"), ContainSubstring("-echo "), ContainSubstring("-opost"), ContainSubstring("-isig"),
		), "raw mode")
		Expect(lines).To(ContainElement("controlling"))
		Expect(string(out.Contents())).NotTo(ContainSubstring("\r"), "no output translation")
	})

	It("passes every byte value both ways", func() {
		all := make([]byte, 256)
		for i := range all {
			all[i] = byte(i)
		}
		out := gbytes.NewBuffer()
		code, err := ccproxy.CommandShim([]string{"head", "-c", "256"}).
			Shim(ctx, terminalRun(bytes.NewReader(all), out, nil, &terminalSize{rows: 24, cols: 80}))
		Expect(err).NotTo(HaveOccurred())
		Expect(code).To(BeZero())
		Expect(out.Contents()).To(Equal(all))
	})

	It("is resized before each SIGWINCH, which reaches the shim whether the size changed or not", func() {
		out := gbytes.NewBuffer()
		size := &terminalSize{rows: 24, cols: 80}
		signals := make(chan os.Signal, 1)
		DeferCleanup(func() { close(signals) })
		done := make(chan int, 1)
		go func() {
			defer GinkgoRecover()
			code, err := ccproxy.CommandShim([]string{"sh", "-c",
				`trap 'stty size' WINCH; trap 'exit 7' USR1; echo ready; while :; do sleep 0.05; done`}).
				Shim(ctx, terminalRun(nil, out, signals, size))
			Expect(err).NotTo(HaveOccurred())
			done <- code
		}()
		Eventually(out).WithTimeout(5 * time.Second).Should(gbytes.Say("ready\n"))
		size.set(50, 132)
		signals <- syscall.SIGWINCH // a new size: the kernel signals the shim
		Eventually(out).WithTimeout(5 * time.Second).Should(gbytes.Say("50 132\n"))
		signals <- syscall.SIGWINCH // the same size: the target signals it
		Eventually(out).WithTimeout(5 * time.Second).Should(gbytes.Say("50 132\n"))
		signals <- syscall.SIGUSR1
		Eventually(done).WithTimeout(5 * time.Second).Should(Receive(Equal(7)))
	})

	It("is none in a session without a terminal", func() {
		out := gbytes.NewBuffer()
		run := ccproxy.ShimRun{Socket: "/run/fake-proxy.sock", Token: "TOKEN-44", Stdout: out, Stderr: out}
		code, err := ccproxy.CommandShim([]string{"sh", "-c", `if ! test -t 0 && ! test -t 1 && ! test -t 2; then echo none; fi`}).
			Shim(ctx, run)
		Expect(err).NotTo(HaveOccurred())
		Expect(code).To(BeZero())
		Expect(string(out.Contents())).To(Equal("none\n"))
	})
})
