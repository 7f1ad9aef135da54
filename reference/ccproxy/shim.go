package ccproxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// stdinBuffer is how much stdin the shim reads at once; Client.Stdin splits
// anything above MaxStdinChunk anyway.
const stdinBuffer = 8 << 10

// ShimConfig is what one shim session needs.
type ShimConfig struct {
	ProxyPath string // the proxy's unix socket
	Token     string // the I/O token the runtime got from RegisterVM/AttachVM

	// Stdin is copied verbatim to the process; its EOF becomes the one
	// zero-length stdin frame. nil means empty stdin: EOF at once.
	Stdin io.Reader
	// Stdout receives the process's stdout byte-exact; nil discards it.
	Stdout io.Writer
	// Stderr receives the process's stderr byte-exact; nil discards it.
	Stderr io.Writer
	// Signals are forwarded as Signal commands; nil forwards none.
	Signals <-chan os.Signal
	// WindowSize gives the terminal size for SIGWINCH; without it, or when
	// it says !ok, SIGWINCH is not forwarded: the protocol wants both rows
	// and columns with it.
	WindowSize func() (rows, columns int, ok bool)
	// Timeout is the Client's per-command timeout (default DefaultTimeout).
	Timeout time.Duration
}

// RunShim runs one shim session: ConnectShim first (CCP-C-04), then stdin
// copied into stdin frames with one zero-length frame at EOF (CCP-C-07),
// stdout/stderr copied byte-exact (CCP-C-06), signals forwarded (CCP-C-08),
// until ProcessExited, whose byte it returns as the exit code (CCP-C-09).
// Any failure, an error response to ConnectShim included (CCP-C-05), gives
// exit code -1 and an error.
//
// A Read from Stdin still blocked when the session ends is cut short when
// Stdin has SetReadDeadline (an *os.File on a pipe, a net.Conn); otherwise it
// finishes in its own time and its data is dropped.
func RunShim(ctx context.Context, cfg ShimConfig) (exitCode int, err error) {
	switch {
	case cfg.ProxyPath == "":
		return -1, fmt.Errorf("ShimConfig.ProxyPath is empty, allowed a unix socket path")
	case cfg.Token == "":
		return -1, fmt.Errorf("ShimConfig.Token is empty, allowed the token from RegisterVM/AttachVM")
	}
	opts := []ClientOption{}
	if cfg.Stdout != nil {
		opts = append(opts, WithStdout(cfg.Stdout))
	}
	if cfg.Stderr != nil {
		opts = append(opts, WithStderr(cfg.Stderr))
	}
	if cfg.Timeout > 0 {
		opts = append(opts, WithTimeout(cfg.Timeout))
	}
	c, err := Dial(cfg.ProxyPath, opts...)
	if err != nil {
		return -1, err
	}
	defer func() { _ = c.Close() }()
	if err := c.ConnectShim(cfg.Token); err != nil {
		return -1, fmt.Errorf("ConnectShim: %w", err)
	}

	stdinDone := make(chan struct{})
	go func() {
		defer close(stdinDone)
		copyStdin(c, cfg.Stdin)
	}()
	defer func() {
		// Close first, so the copier sends nothing more, neither the data
		// nor a complaint about the deadline cutting its Read short.
		_ = c.Close()
		if d, ok := cfg.Stdin.(interface{ SetReadDeadline(time.Time) error }); ok &&
			d.SetReadDeadline(time.Unix(1, 0)) == nil {
			<-stdinDone
		}
	}()

	signals := cfg.Signals
	for {
		select {
		case code, ok := <-c.Exited():
			if !ok {
				return -1, fmt.Errorf("connection ended before ProcessExited: %w", c.Err())
			}
			return int(code), nil
		case sig, ok := <-signals:
			if !ok {
				signals = nil // closed: no more signals, and no busy loop
				continue
			}
			forwardSignal(c, sig, cfg.WindowSize)
		case <-ctx.Done():
			return -1, ctx.Err()
		}
	}
}

// copyStdin copies in into stdin frames and ends with the zero-length frame.
// A read error other than EOF also ends stdin, and is logged to the proxy.
func copyStdin(c *Client, in io.Reader) {
	if in != nil {
		buf := make([]byte, stdinBuffer)
		for {
			n, err := in.Read(buf)
			if n > 0 {
				if c.Stdin(buf[:n]) != nil {
					return // the connection is gone; RunShim reports why
				}
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				if c.Err() == nil {
					_ = c.Log(shimLog("warn", fmt.Sprintf("reading stdin: %v; sending EOF", err)))
				}
				break
			}
		}
	}
	_ = c.CloseStdin()
}

// forwardSignal sends sig as a Signal command. Signals the protocol cannot
// carry, and the proxy's refusals, are logged to the proxy, not fatal: the
// process keeps running and the session goes on.
func forwardSignal(c *Client, sig os.Signal, windowSize func() (int, int, bool)) {
	n, ok := sig.(syscall.Signal)
	if !ok || n < 0 || n >= api.MaxSignal {
		_ = c.Log(shimLog("warn", fmt.Sprintf("signal %v not forwarded: signalNumber allowed 0..%d", sig, api.MaxSignal-1)))
		return
	}
	payload := api.Signal{SignalNumber: int(n)}
	if n == api.SIGWINCH {
		if windowSize == nil {
			return
		}
		rows, cols, ok := windowSize()
		if !ok || rows <= 0 || cols <= 0 {
			return
		}
		payload.Rows, payload.Columns = rows, cols
	}
	if err := c.Signal(payload); err != nil && c.Err() == nil {
		_ = c.Log(shimLog("warn", fmt.Sprintf("forwarding signal %d: %v", n, err)))
	}
}

func shimLog(level, msg string) api.LogEntry {
	return api.LogEntry{Source: "shim", Level: level, Message: msg}
}
