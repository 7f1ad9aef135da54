package spacer

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"time"

	"golang.org/x/sys/unix"
)

// StopTimeout is how long Stop waits for a transient service to end after
// its connection closed, before it kills it.
const StopTimeout = 10 * time.Second

// Transient is a service process started by NewTransient, with the client
// connected to it.
type Transient struct {
	*Client
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // of cmd.Wait, valid once exited is closed
}

// TransientOption configures NewTransient.
type TransientOption func(*transientConfig)

type transientConfig struct {
	binary  string
	clients []ClientOption
}

// WithServiceBinary runs the service binary at path (such as cmd/spacer, or
// another implementation taking its socket on fd 3) instead of
// re-executing the current binary.
func WithServiceBinary(path string) TransientOption {
	return func(c *transientConfig) { c.binary = path }
}

// WithClientOptions passes options on to the client.
func WithClientOptions(opts ...ClientOption) TransientOption {
	return func(c *transientConfig) { c.clients = append(c.clients, opts...) }
}

// NewTransient starts a service process with its end of a socketpair as fd
// 3 and returns it with a client on the other end. Stop ends and reaps it.
func NewTransient(opts ...TransientOption) (*Transient, error) {
	var cfg transientConfig
	for _, opt := range opts {
		opt(&cfg)
	}
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: socketpair: %w", ErrServiceStart, err)
	}
	ours := os.NewFile(uintptr(pair[0]), "spacer client socket")
	theirs := os.NewFile(uintptr(pair[1]), "spacer service socket")
	defer theirs.Close()
	defer ours.Close() // net.FileConn works on a dup

	cmd := serviceCommand(theirs, 0, nil)
	if cfg.binary != "" {
		cmd.Path = cfg.binary
		cmd.Args = []string{cfg.binary}
	}
	conn, err := net.FileConn(ours)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrServiceStart, err)
	}
	if err := cmd.Start(); err != nil {
		conn.Close()
		return nil, fmt.Errorf("%w: %s: %w", ErrServiceStart, cmd.Path, err)
	}
	t := &Transient{
		Client: NewClient(conn.(*net.UnixConn), cfg.clients...),
		cmd:    cmd,
		exited: make(chan struct{}),
	}
	go func() {
		t.err = cmd.Wait()
		close(t.exited)
	}()
	return t, nil
}

// Pid returns the service process's PID.
func (t *Transient) Pid() int { return t.cmd.Process.Pid }

// Exited is closed once the service process has ended and was reaped.
func (t *Transient) Exited() <-chan struct{} { return t.exited }

// Stop closes the connection, which ends the service, and waits for it
// (killing it after StopTimeout). It returns the process's wait error.
func (t *Transient) Stop() error {
	_ = t.Client.Close()
	select {
	case <-t.exited:
	case <-time.After(StopTimeout):
		_ = t.cmd.Process.Kill()
		<-t.exited
	}
	return t.err
}
