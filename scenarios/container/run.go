package container

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	tc "github.com/testcontainers/testcontainers-go"
)

// StopTimeout is how long a container's PID 1 gets between SIGTERM and
// SIGKILL when a run removes it.
const StopTimeout = 5 * time.Second

// RunSpec says what to run in a container.
type RunSpec struct {
	// Image is the reference of the image to run.
	Image string
	// Entrypoint and Cmd are the container's, as in a Dockerfile.
	Entrypoint, Cmd []string
	// Env is the container's environment, name to value.
	Env map[string]string
	// Files are copied in before the container starts.
	Files []File
	// Tmpfs mounts: a scratch image has no /tmp of its own.
	Tmpfs map[string]string
	// PIDContainer, if set, is a container whose PID namespace this one
	// joins: its PID 1 is the other's entrypoint.
	PIDContainer string
	// Timeout bounds Run's wait for the container to exit.
	Timeout time.Duration
}

// Result is what Run saw.
type Result struct {
	// ExitCode is the container's exit code.
	ExitCode int
	// Logs is the container's stdout and stderr, interleaved.
	Logs []byte
	// Privilege says how the container was privileged.
	Privilege string
	// Start is the time from creating the container to it running; Total
	// from creating to removing it.
	Start, Total time.Duration
}

// Started is a running container.
type Started struct {
	// ID is the container's id.
	ID string
	// Privilege says how the container was privileged.
	Privilege string
	c         tc.Container
	e         *Engine
}

// Start creates and starts a privileged container for spec, labelled with
// the run. On error nothing of it is left.
func (e *Engine) Start(ctx context.Context, spec RunSpec) (*Started, error) {
	c, privilege, err := e.startPrivileged(ctx, spec)
	if err != nil {
		return nil, err
	}
	return &Started{ID: c.GetContainerID(), Privilege: privilege, c: c, e: e}, nil
}

// startPrivileged starts spec with --privileged and, if the engine cannot
// grant that, with its equivalent (see the package doc).
func (e *Engine) startPrivileged(ctx context.Context, spec RunSpec) (tc.Container, string, error) {
	if e.privileged {
		c, err := e.start(ctx, spec, privileged)
		if err == nil {
			return c, "--privileged", nil
		}
		if !isCapsRefused(err) {
			return nil, "", err
		}
		e.privileged = false
		e.logger.Printf("the engine refused --privileged (%v); using every capability of the bounding set, unconfined, instead", err)
	}
	c, err := e.start(ctx, spec, allCapabilities)
	if err != nil {
		return nil, "", err
	}
	return c, allCapabilitiesDescription(), nil
}

// start creates and starts one container; a container that was created but
// did not start is removed.
func (e *Engine) start(ctx context.Context, spec RunSpec, privilege func(*container.HostConfig)) (tc.Container, error) {
	files := make([]tc.ContainerFile, len(spec.Files))
	for i, f := range spec.Files {
		files[i] = tc.ContainerFile{HostFilePath: f.From, ContainerFilePath: f.Path, FileMode: orMode(f.Mode)}
		if f.From == "" {
			files[i].Reader = bytes.NewReader(f.Data)
		}
	}
	req := tc.GenericContainerRequest{
		Started: true,
		Logger:  e.logger,
		ContainerRequest: tc.ContainerRequest{
			Image:      spec.Image,
			Entrypoint: spec.Entrypoint,
			Cmd:        spec.Cmd,
			Env:        spec.Env,
			Labels:     e.labels(),
			Tmpfs:      spec.Tmpfs,
			Files:      files,
			HostConfigModifier: func(hc *container.HostConfig) {
				privilege(hc)
				if spec.PIDContainer != "" {
					hc.PidMode = container.PidMode("container:" + spec.PIDContainer)
				}
			},
		},
	}
	c, err := tc.GenericContainer(ctx, req)
	if err != nil {
		if c != nil {
			_ = c.Terminate(context.WithoutCancel(ctx), tc.StopTimeout(0))
		}
		return nil, fmt.Errorf("starting a container of %s: %w", spec.Image, err)
	}
	return c, nil
}

// Wait waits until the container exited and returns its exit code.
func (s *Started) Wait(ctx context.Context) (int, error) {
	w := s.e.Client().ContainerWait(ctx, s.ID, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	select {
	case r := <-w.Result:
		if r.Error != nil && r.Error.Message != "" {
			return int(r.StatusCode), fmt.Errorf("waiting for container %.12s: %s", s.ID, r.Error.Message)
		}
		return int(r.StatusCode), nil
	case err := <-w.Error:
		return -1, fmt.Errorf("waiting for container %.12s: %w", s.ID, err)
	}
}

// State is the container's state as the engine reports it.
func (s *Started) State(ctx context.Context) (*container.State, error) {
	return s.c.State(ctx)
}

// Logs returns the container's stdout and stderr so far.
func (s *Started) Logs(ctx context.Context) ([]byte, error) {
	rc, err := s.c.Logs(ctx)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// CopyOut copies the file at path in the container to the host file dst.
func (s *Started) CopyOut(ctx context.Context, path, dst string) error {
	rc, err := s.c.CopyFileFromContainer(ctx, path)
	if err != nil {
		return fmt.Errorf("copying %s out of container %.12s: %w", path, s.ID, err)
	}
	defer rc.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, rc)
	return errors.Join(err, f.Close())
}

// Stop stops the container: SIGTERM to its PID 1, SIGKILL after timeout.
func (s *Started) Stop(ctx context.Context, timeout time.Duration) error {
	return s.c.Stop(ctx, &timeout)
}

// Remove stops (after StopTimeout: SIGKILL) and removes the container; one
// already gone is no error.
func (s *Started) Remove(ctx context.Context) error {
	err := s.c.Terminate(ctx, tc.StopTimeout(StopTimeout))
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("removing container %.12s: %w", s.ID, err)
	}
	return nil
}

// Run starts spec, waits for it to exit (within spec.Timeout, if set),
// copies the container files named by copyOut's keys to the host paths
// that are their values, and removes the container, also on failure. A
// copy that fails (the binary never wrote the file) is an error after the
// rest was done.
func (e *Engine) Run(ctx context.Context, spec RunSpec, copyOut map[string]string) (Result, error) {
	t0 := time.Now()
	s, err := e.Start(ctx, spec)
	if err != nil {
		return Result{ExitCode: -1}, err
	}
	res := Result{Privilege: s.Privilege, Start: time.Since(t0)}
	defer func() { res.Total = time.Since(t0) }()
	cleanup := context.WithoutCancel(ctx)
	waitCtx := ctx
	if spec.Timeout > 0 {
		var cancel context.CancelFunc
		waitCtx, cancel = context.WithTimeout(ctx, spec.Timeout)
		defer cancel()
	}
	var errs []error
	res.ExitCode, err = s.Wait(waitCtx)
	errs = append(errs, err)
	logs, err := s.Logs(cleanup)
	res.Logs = logs
	errs = append(errs, err)
	for from, to := range copyOut {
		errs = append(errs, s.CopyOut(cleanup, from, to))
	}
	errs = append(errs, s.Remove(cleanup))
	res.Total = time.Since(t0)
	return res, errors.Join(errs...)
}

func orMode(m int64) int64 {
	if m == 0 {
		return 0o755
	}
	return m
}

func isNotFound(err error) bool {
	return cerrdefs.IsNotFound(err)
}
