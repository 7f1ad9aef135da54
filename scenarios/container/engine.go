package container

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/moby/moby/client"
	tc "github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
)

// DetectTimeout bounds Detect: an engine that answers does so in
// milliseconds.
const DetectTimeout = 2 * time.Second

// LabelRun is the label every container and image of a run carries, its
// value the run's id: Leftovers and cleanup select by it.
const LabelRun = "org.wirecert.scenarios.run"

// ErrNoEngine is returned when no Docker engine answers.
var ErrNoEngine = errors.New("no Docker engine answers")

// Detect pings the engine the environment names (DOCKER_HOST, else the
// default socket) and returns nil if it answers within DetectTimeout, else
// ErrNoEngine with the host and the reason, on one line.
func Detect(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, DetectTimeout)
	defer cancel()
	cli, err := client.New(client.FromEnv)
	if err != nil {
		return fmt.Errorf("%w: DOCKER_HOST %q: %v", ErrNoEngine, os.Getenv("DOCKER_HOST"), err)
	}
	defer cli.Close()
	ping, err := cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true})
	if err != nil {
		return fmt.Errorf("%w at %s within %v: %v", ErrNoEngine, cli.DaemonHost(), DetectTimeout, err)
	}
	if ping.APIVersion == "" {
		return fmt.Errorf("%w at %s: the ping named no API version", ErrNoEngine, cli.DaemonHost())
	}
	return nil
}

// Engine is a Docker engine reached through testcontainers-go, for one run:
// everything it creates carries LabelRun=RunID.
type Engine struct {
	// RunID is the run's id, the value of LabelRun on all it creates.
	RunID    string
	provider *tc.DockerProvider
	logger   tclog.Logger
	// privileged is false once the engine refused --privileged: later runs
	// go straight to the equivalent.
	privileged bool
}

// Connect detects the engine and returns it for run id run; testcontainers'
// own log lines go to logs (nil: discarded).
func Connect(ctx context.Context, run string, logs io.Writer) (*Engine, error) {
	if err := Detect(ctx); err != nil {
		return nil, err
	}
	// The reaper's image cannot be pulled; the caller removes what it made.
	if err := os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true"); err != nil {
		return nil, err
	}
	if logs == nil {
		logs = io.Discard
	}
	logger := writerLogger{logs}
	p, err := tc.NewDockerProvider(tc.WithLogger(logger))
	if err != nil {
		return nil, fmt.Errorf("%w: testcontainers provider: %v", ErrNoEngine, err)
	}
	return &Engine{RunID: run, provider: p, logger: logger, privileged: true}, nil
}

// Close releases the engine's client.
func (e *Engine) Close() error { return e.provider.Close() }

// Client is the engine's moby client, for what this package does not do.
func (e *Engine) Client() client.APIClient { return e.provider.Client() }

// labels are the labels of everything this engine creates.
func (e *Engine) labels() map[string]string { return map[string]string{LabelRun: e.RunID} }

// writerLogger is testcontainers' Logger writing lines to w.
type writerLogger struct{ w io.Writer }

func (l writerLogger) Printf(format string, v ...any) {
	fmt.Fprintf(l.w, "testcontainers: "+format+"\n", v...)
}
