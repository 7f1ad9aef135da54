// Command myproxy stands in for your cc-proxy: wirecert's reference proxy,
// run as a program of its own on the socket it is given, as a proxy under
// certification would be.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/wirecert/wirecert/reference/ccproxy"
)

func main() {
	socket := flag.String("socket", "", "unix socket path to listen on (required)")
	flag.Parse()
	if *socket == "" {
		fmt.Fprintln(os.Stderr, "myproxy: --socket is required")
		os.Exit(2)
	}
	srv, err := ccproxy.Listen(*socket, ccproxy.Config{ReadyTimeout: 2 * time.Second})
	if err != nil {
		fmt.Fprintln(os.Stderr, "myproxy:", err)
		os.Exit(1)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	<-sigs
	srv.Close()
	os.Remove(*socket)
}
