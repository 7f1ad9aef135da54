package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"time"

	"github.com/wirecert/wirecert/scenarios/container"
)

// Paths inside the --in-container image: this binary, the target's, and the
// reports (in the container's own layer: a tmpfs is gone once it stopped,
// and the reports are copied out after).
const (
	containerWirecert  = "/wirecert"
	containerTargetDir = "/target"
	containerReports   = "/reports"
)

// runInContainer is `wirecert run --in-container`: the same run, inside a
// privileged container of an image built FROM scratch holding this binary
// and the target's, which both must be static. The container's output is
// copied to stdout, its reports to the --junit, --json and --html paths, and the
// container and image are removed, also on failure.
func runInContainer(f runFlags, tf targetFlags, stdout io.Writer) (int, error) {
	if tf.socket != "" || len(tf.command) == 0 {
		return exitUsage, usageErrorf("--in-container runs the target inside the container: allowed --command (or argv after --), not --socket %q", tf.socket)
	}
	self, err := os.Executable()
	if err != nil {
		return exitFail, fmt.Errorf("--in-container: finding this binary: %w", err)
	}
	target, err := exec.LookPath(tf.command[0])
	if err != nil {
		return exitUsage, usageErrorf("--in-container: target %q: %v: allowed a binary on this host", tf.command[0], err)
	}
	for _, bin := range []string{self, target} {
		if err := container.CheckStatic(bin); err != nil {
			return exitUsage, usageErrorf("--in-container: %v: the image is FROM scratch", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), f.timeout+container.BuildTimeout)
	defer cancel()
	if err := container.Detect(ctx); err != nil {
		return exitFail, fmt.Errorf("--in-container: %w", err)
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	engine, err := container.Connect(ctx, "cli-"+hex.EncodeToString(b[:]), io.Discard)
	if err != nil {
		return exitFail, fmt.Errorf("--in-container: %w", err)
	}
	defer engine.Close()
	// Whatever happens below, nothing labelled with this run survives it.
	defer func() { _ = engine.RemoveLeftovers(context.WithoutCancel(ctx)) }()

	inTarget := path.Join(containerTargetDir, path.Base(target))
	t0 := time.Now()
	img, err := engine.BuildImage(ctx, "wirecert-run", []container.File{
		{Path: containerWirecert, From: self},
		{Path: inTarget, From: target},
	})
	if err != nil {
		return exitFail, fmt.Errorf("--in-container: %w", err)
	}
	defer func() { _ = img.Remove(context.WithoutCancel(ctx)) }()
	build := time.Since(t0)

	argv, copyOut := containerArgv(f, append([]string{inTarget}, tf.command[1:]...))
	res, err := engine.Run(ctx, container.RunSpec{
		Image:      img.Ref,
		Entrypoint: argv,
		Tmpfs:      map[string]string{"/tmp": "rw"},
		Timeout:    f.timeout + time.Minute,
	}, copyOut)
	// The run inside names its report files by their container paths;
	// the files the user gets are the host's.
	_, _ = stdout.Write(withoutReportsLine(res.Logs))
	fmt.Fprintf(stdout, "in container: image %s built in %v, privilege %s, started in %v, run %v\n",
		img.Ref, build.Round(time.Millisecond), res.Privilege, res.Start.Round(time.Millisecond), res.Total.Round(time.Millisecond))
	if err != nil {
		return exitFail, fmt.Errorf("--in-container: %w", err)
	}
	printReportFiles(f, stdout)
	switch res.ExitCode {
	case exitPass, exitFail, exitUsage, exitIncomplete, exitInterrupted:
		return res.ExitCode, nil
	}
	return exitFail, fmt.Errorf("--in-container: %s in the container ended with exit %d", containerWirecert, res.ExitCode)
}

// containerArgv is the `wirecert run` command line inside the container for
// the flags f and the target's argv there, and the report files to copy out
// (container path to host path).
func containerArgv(f runFlags, targetArgv []string) ([]string, map[string]string) {
	argv := []string{containerWirecert, "run", "--suite", f.suites,
		"--spec-timeout", f.specTimeout.String(), "--step-timeout", f.stepTimeout.String(),
		"--start-timeout", f.startTimeout.String(), "--timeout", f.timeout.String(), "-p", fmt.Sprint(f.procs)}
	for _, opt := range []struct{ name, v string }{
		{"--require", f.require}, {"--label-filter", f.labelFilter}, {"--focus", f.focus}, {"--skip", f.skip},
		{"--spec", f.specs.String()},
	} {
		if opt.v != "" {
			argv = append(argv, opt.name, opt.v)
		}
	}
	if f.fixedSteps {
		argv = append(argv, "--fixed-steps")
	}
	if f.strict {
		argv = append(argv, "--strict")
	}
	if f.dryRun {
		argv = append(argv, "--dry-run")
	}
	if f.failFast {
		argv = append(argv, "--fail-fast")
	}
	if f.verbose {
		argv = append(argv, "-v")
	}
	argv = append(argv, "--no-color="+fmt.Sprint(f.noColor))
	copyOut := map[string]string{}
	for _, r := range []struct{ flag, host, name string }{
		{"--junit", f.junit, "wirecert.junit.xml"}, {"--json", f.json, "wirecert.json"},
		{"--html", f.html, "wirecert.html"},
	} {
		in := path.Join(containerReports, r.name)
		if r.host == "" {
			in = ""
		} else {
			copyOut[in] = r.host
		}
		argv = append(argv, r.flag+"="+in)
	}
	return append(append(argv, "--"), targetArgv...), copyOut
}

// withoutReportsLine is a run's output without its "reports:" line.
func withoutReportsLine(logs []byte) []byte {
	var out []byte
	for _, line := range bytes.SplitAfter(logs, []byte("\n")) {
		if !bytes.HasPrefix(line, []byte("reports: ")) {
			out = append(out, line...)
		}
	}
	return out
}
