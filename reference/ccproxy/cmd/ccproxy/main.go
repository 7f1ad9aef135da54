// Command ccproxy runs the reference cc-proxy Server on a unix socket until
// SIGTERM or SIGINT. Conformance runs and container scenarios start it as a
// target: `ccproxy --socket /run/cc-proxy.sock`.
//
// Warnings and errors go to stderr (with -v, protocol events too). If the
// Server stops accepting on an error that does not pass by itself, ccproxy
// logs it and exits 1; temporary ones (the fd limit reached) are retried.
// While its heap holds more than 64 MiB it returns free memory to the OS
// every 10 s, so the RSS of a burst of large frames does not outlive them.
package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/wirecert/wirecert/reference/ccproxy"
)

func main() {
	socket := flag.String("socket", "", "unix socket path to listen on (required)")
	verbose := flag.Bool("v", false, "log protocol events to stderr, not only warnings and errors")
	readyTimeout := flag.Duration("ready-timeout", 0, "bound on RegisterVM's wait for the agent's READY (0: the Server's default)")
	maxConns := flag.Int("max-connections", ccproxy.DefaultMaxConnections, "connections served at once; one beyond is closed as soon as it is accepted")
	flag.Parse()
	if *socket == "" {
		fmt.Fprintln(os.Stderr, "ccproxy: --socket is required")
		os.Exit(2)
	}
	if *readyTimeout < 0 {
		fmt.Fprintf(os.Stderr, "ccproxy: --ready-timeout %v: allowed a positive duration, or 0 for the default\n", *readyTimeout)
		os.Exit(2)
	}
	if *maxConns < 1 {
		fmt.Fprintf(os.Stderr, "ccproxy: --max-connections %d: allowed 1 or more\n", *maxConns)
		os.Exit(2)
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	cfg := ccproxy.Config{
		ReadyTimeout:   *readyTimeout,
		MaxConnections: *maxConns,
		Logger:         slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})),
	}
	srv, err := ccproxy.Listen(*socket, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	stop := make(chan struct{})
	defer close(stop)
	go freeMemory(stop)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	stopped := make(chan error, 1)
	go func() { stopped <- srv.Wait() }()
	select {
	case <-sigs:
		srv.Close()
		os.Remove(*socket)
	case err := <-stopped:
		// The Server logged the error; what it still serves goes with it.
		srv.Close()
		os.Remove(*socket)
		if !errors.Is(err, ccproxy.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "ccproxy: exiting:", err)
			os.Exit(1)
		}
	}
}
