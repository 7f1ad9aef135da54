// Command faultyproxy runs a cc-proxy that breaks exactly one requirement:
// `faultyproxy --fault CCP-S-05 --socket /tmp/p.sock`. It exits 3 when the
// fault crashes it, as the real proxy's defects do.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/wirecert/wirecert/fakes/faultyproxy"
	"github.com/wirecert/wirecert/reference/ccproxy"
)

func main() {
	socket := flag.String("socket", "", "unix socket path to listen on (required)")
	name := flag.String("fault", "none", "the fault to apply (--list shows all)")
	list := flag.Bool("list", false, "list the faults and exit")
	flag.Parse()
	if *list {
		for _, n := range faultyproxy.Names() {
			f, _ := faultyproxy.Lookup(n)
			fmt.Printf("%-16s %s\n", n, f.What)
		}
		return
	}
	if *socket == "" {
		fmt.Fprintln(os.Stderr, "faultyproxy: --socket is required")
		os.Exit(2)
	}
	fault, err := faultyproxy.Lookup(*name)
	if err != nil {
		fmt.Fprintln(os.Stderr, "faultyproxy: --fault:", err)
		os.Exit(2)
	}
	// Private files beside the socket: a proxy killed before Close leaves
	// nothing outside the directory its caller owns.
	p, err := faultyproxy.Start(*socket, fault, ccproxy.Config{ReadyTimeout: 2 * time.Second, ShimTimeout: 5 * time.Second}, faultyproxy.InDir(filepath.Dir(*socket)))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	code := 0
	select {
	case <-sigs:
	case <-p.Done():
		if p.Alive() != nil {
			code = 3
		}
	}
	p.Close()
	os.Remove(*socket)
	os.Exit(code)
}
