package variantshim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/wirecert/wirecert/reference/ccproxy"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// stdinBuffer is how much stdin a variant reads at once.
const stdinBuffer = 8 << 10

// ErrConfig: Run got a ShimConfig it cannot run a session with.
var ErrConfig = errors.New("shim config")

// Run runs one shim session with the variant v, like ccproxy.RunShim:
// ConnectShim first, stdin copied with one zero-length frame at its EOF,
// stdout and stderr copied byte-exact, signals forwarded, until
// ProcessExited, whose byte it returns as the exit code. Any failure, an
// error response to ConnectShim included, gives exit code -1 and an error.
// Nothing of it outlives Run but a Read from cfg.Stdin without a read
// deadline, which finishes in its own time.
func Run(ctx context.Context, cfg ccproxy.ShimConfig, v Variant) (exitCode int, err error) {
	switch {
	case cfg.ProxyPath == "":
		return -1, fmt.Errorf("%w: ProxyPath is empty, allowed a unix socket path", ErrConfig)
	case cfg.Token == "":
		return -1, fmt.Errorf("%w: Token is empty, allowed the token from RegisterVM/AttachVM", ErrConfig)
	}
	conn, err := net.Dial("unix", cfg.ProxyPath)
	if err != nil {
		return -1, fmt.Errorf("dialing cc-proxy at %q: %w", cfg.ProxyPath, err)
	}
	if v.SplitWrites {
		conn = SplitConn(conn)
	}
	s := &session{v: v, cfg: cfg, c: ccproxy.NewClient(conn, clientOptions(cfg)...)}
	defer func() { _ = s.c.Close() }()
	if err := s.c.ConnectShim(cfg.Token); err != nil {
		s.log("error", fmt.Sprintf("ConnectShim: %v", err))
		return -1, fmt.Errorf("ConnectShim: %w", err)
	}
	s.log("info", "connected to the proxy")
	if v.WindowSizeAtStart {
		s.forward(syscall.SIGWINCH)
	}

	stdinDone := make(chan struct{})
	go func() {
		defer close(stdinDone)
		s.copyStdin()
	}()
	defer func() {
		// Close first, so the copier sends nothing more; then cut its Read
		// short where the reader allows.
		_ = s.c.Close()
		if d, ok := cfg.Stdin.(interface{ SetReadDeadline(time.Time) error }); ok &&
			d.SetReadDeadline(time.Unix(1, 0)) == nil {
			<-stdinDone
		}
	}()

	signals := cfg.Signals
	for {
		select {
		case code, ok := <-s.c.Exited():
			if !ok {
				return -1, fmt.Errorf("connection ended before ProcessExited: %w", s.c.Err())
			}
			s.log("info", fmt.Sprintf("the process exited with %d", code))
			return int(code), nil
		case sig, ok := <-signals:
			if !ok {
				signals = nil // closed: no more signals, and no busy loop
				continue
			}
			s.forward(sig)
		case <-ctx.Done():
			return -1, ctx.Err()
		}
	}
}

// clientOptions are the reference Client's options for cfg.
func clientOptions(cfg ccproxy.ShimConfig) []ccproxy.ClientOption {
	var opts []ccproxy.ClientOption
	if cfg.Stdout != nil {
		opts = append(opts, ccproxy.WithStdout(cfg.Stdout))
	}
	if cfg.Stderr != nil {
		opts = append(opts, ccproxy.WithStderr(cfg.Stderr))
	}
	if cfg.Timeout > 0 {
		opts = append(opts, ccproxy.WithTimeout(cfg.Timeout))
	}
	return opts
}

// session is one variant shim's connection and what it was given.
type session struct {
	v   Variant
	cfg ccproxy.ShimConfig
	c   *ccproxy.Client
}

// log sends a log entry when the variant logs; a connection that is gone
// takes none, and that is no failure of the session.
func (s *session) log(level, msg string) {
	if s.v.Logs {
		_ = s.c.Log(api.LogEntry{Source: "shim", Level: level, Message: msg})
	}
}

// copyStdin copies stdin into stdin frames, cut as the variant says, and
// ends with the zero-length frame. A read error other than EOF ends stdin
// too.
func (s *session) copyStdin() {
	if s.cfg.Stdin != nil {
		buf := make([]byte, stdinBuffer)
		next := 0 // the next of StdinFrames
		for {
			n, err := s.cfg.Stdin.Read(buf)
			for data := buf[:n]; len(data) > 0; {
				size := len(data)
				if len(s.v.StdinFrames) > 0 {
					size = min(size, s.v.StdinFrames[next%len(s.v.StdinFrames)])
					next++
				}
				if s.c.Stdin(data[:size]) != nil {
					return // the connection is gone; Run reports why
				}
				data = data[size:]
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				if s.c.Err() == nil {
					s.log("warn", fmt.Sprintf("reading stdin: %v; sending EOF", err))
				}
				break
			}
		}
	}
	_ = s.c.CloseStdin()
}

// forward sends sig as a Signal command. A signal the protocol cannot
// carry, a SIGWINCH without a terminal's size and the proxy's refusal are
// not fatal: the process keeps running and the session goes on.
func (s *session) forward(sig os.Signal) {
	n, ok := sig.(syscall.Signal)
	if !ok || n < 0 || n >= api.MaxSignal {
		s.log("warn", fmt.Sprintf("signal %v not forwarded: signalNumber allowed 0..%d", sig, api.MaxSignal-1))
		return
	}
	payload := api.Signal{SignalNumber: int(n)}
	if n == api.SIGWINCH {
		rows, cols, ok := 0, 0, false
		if s.cfg.WindowSize != nil {
			rows, cols, ok = s.cfg.WindowSize()
		}
		if !ok || rows <= 0 || cols <= 0 {
			s.log("debug", "SIGWINCH not forwarded: no terminal to take the window size from")
			return
		}
		payload.Rows, payload.Columns = rows, cols
	}
	if err := s.c.Signal(payload); err != nil {
		if s.c.Err() == nil {
			s.log("warn", fmt.Sprintf("forwarding signal %d: %v", n, err))
		}
		return
	}
	s.log("debug", fmt.Sprintf("forwarded signal %d", n))
}

// SplitConn is conn writing each frame in three writes, as a shim with
// the SplitWrites allowance does: the header's first splitAt bytes, the
// rest of the header, the payload. A Client's Writer hands it one whole
// frame per Write. Close waits for a Write in progress: a frame cut between
// its pieces would be a torn frame, which no shim may send (writes are
// bounded by the Client's write deadline, so the wait is too).
func SplitConn(conn net.Conn) net.Conn { return &splitConn{Conn: conn} }

type splitConn struct {
	net.Conn
	mu sync.Mutex // a frame's pieces, or Close
}

func (c *splitConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Conn.Close()
}

func (c *splitConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	written := 0
	for _, end := range []int{splitAt, api.HeaderSize, len(b)} {
		end = min(end, len(b))
		if end <= written {
			continue
		}
		n, err := c.Conn.Write(b[written:end])
		written += n
		if err != nil {
			return written, err
		}
	}
	return written, nil
}
