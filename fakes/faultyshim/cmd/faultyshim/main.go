// Command faultyshim is the reference shim (ccshim) with exactly one client
// requirement broken on the wire:
//
//	faultyshim --fault CCP-C-02 --proxy /run/cc-proxy.sock --token TOKEN
//	faultyshim --list
//
// It behaves like ccshim in everything else: stdio copied, the signals
// ccshim forwards forwarded, the window size for SIGWINCH taken from the
// terminal on stdin or stdout, the process's exit code as its own, and 1
// with a message on stderr for its own failures (2 for a bad --fault).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/wirecert/wirecert/fakes/faultyshim"
	"github.com/wirecert/wirecert/reference/ccproxy"
)

// Exit statuses of the shim's own failures.
const (
	exitShimError = 1
	exitUsage     = 2
)

func main() {
	proxy := flag.String("proxy", "", "path of the cc-proxy unix socket")
	token := flag.String("token", "", "I/O token from RegisterVM/AttachVM")
	name := flag.String("fault", "none", "the fault to apply (--list shows all)")
	list := flag.Bool("list", false, "list the faults and exit")
	flag.Parse()
	if *list {
		for _, n := range faultyshim.Names() {
			f, _ := faultyshim.Lookup(n)
			fmt.Printf("%-10s %s\n", n, f.What)
		}
		return
	}
	fault, err := faultyshim.Lookup(*name)
	if err != nil {
		fmt.Fprintln(os.Stderr, "faultyshim: --fault:", err)
		os.Exit(exitUsage)
	}
	if *proxy == "" || *token == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "faultyshim: usage: faultyshim --fault NAME --proxy SOCKET --token TOKEN")
		os.Exit(exitShimError)
	}

	code, err := faultyshim.Run(context.Background(), ccproxy.ProcessShimConfig(*proxy, *token), fault)
	if err != nil {
		fmt.Fprintf(os.Stderr, "faultyshim: %v\n", err)
		os.Exit(exitShimError)
	}
	os.Exit(code)
}
