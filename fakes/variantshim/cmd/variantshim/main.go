// Command variantshim is a cc-proxy shim that does what the protocol
// allows but the reference shim (ccshim) does not, one variant per run:
//
//	variantshim --variant winsize-stdin --proxy /run/cc-proxy.sock --token TOKEN
//	variantshim --list
//
// It behaves like ccshim in everything else: stdio copied, the signals
// ccshim forwards forwarded, the process's exit code as its own, and 1 with
// a message on stderr for its own failures (2 for a bad --variant).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/wirecert/wirecert/fakes/variantshim"
)

// Exit statuses of the shim's own failures.
const (
	exitShimError = 1
	exitUsage     = 2
)

func main() {
	proxy := flag.String("proxy", "", "path of the cc-proxy unix socket")
	token := flag.String("token", "", "I/O token from RegisterVM/AttachVM")
	name := flag.String("variant", "combined", "the variant to run (--list shows all)")
	list := flag.Bool("list", false, "list the variants, what allows each, and exit")
	flag.Parse()
	if *list {
		for _, n := range variantshim.Names() {
			v, _ := variantshim.Lookup(n)
			fmt.Printf("%-18s %s\n%-18s allowed by: %s\n", n, v.What, "", strings.Join(v.Allowed, " | "))
		}
		return
	}
	v, err := variantshim.Lookup(*name)
	if err != nil {
		fmt.Fprintln(os.Stderr, "variantshim: --variant:", err)
		os.Exit(exitUsage)
	}
	if *proxy == "" || *token == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "variantshim: usage: variantshim --variant NAME --proxy SOCKET --token TOKEN")
		os.Exit(exitShimError)
	}

	code, err := variantshim.Run(context.Background(), variantshim.ProcessConfig(*proxy, *token, v), v)
	if err != nil {
		fmt.Fprintf(os.Stderr, "variantshim: %v\n", err)
		os.Exit(exitShimError)
	}
	os.Exit(code)
}
