// Command ccproxy runs the reference cc-proxy Server on a unix socket until
// SIGTERM or SIGINT. Conformance runs and container scenarios start it as a
// target: `ccproxy --socket /run/cc-proxy.sock`.
package main

import (
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
	verbose := flag.Bool("v", false, "log protocol events to stderr")
	readyTimeout := flag.Duration("ready-timeout", 0, "bound on RegisterVM's wait for the agent's READY (0: the Server's default)")
	flag.Parse()
	if *socket == "" {
		fmt.Fprintln(os.Stderr, "ccproxy: --socket is required")
		os.Exit(2)
	}
	if *readyTimeout < 0 {
		fmt.Fprintf(os.Stderr, "ccproxy: --ready-timeout %v: allowed a positive duration, or 0 for the default\n", *readyTimeout)
		os.Exit(2)
	}
	cfg := ccproxy.Config{ReadyTimeout: *readyTimeout}
	if *verbose {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	srv, err := ccproxy.Listen(*socket, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	<-sigs
	srv.Close()
	os.Remove(*socket)
}
