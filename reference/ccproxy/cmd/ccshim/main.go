// Command ccshim is the reference cc-proxy shim: it connects to a proxy with
// a token, copies its stdin, stdout and stderr to and from the container
// process, forwards signals, and exits with the process's exit code.
//
//	ccshim --proxy /run/cc-proxy.sock --token TOKEN
//
// Any failure (no proxy, a refused token, the connection ending before the
// process exited) prints a message on stderr and exits with status 1. It
// needs no cgo: CGO_ENABLED=0 go build gives a static binary.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/wirecert/wirecert/reference/ccproxy"
)

// exitShimError is the status for the shim's own failures.
const exitShimError = 1

func main() {
	proxy := flag.String("proxy", "", "path of the cc-proxy unix socket")
	token := flag.String("token", "", "I/O token from RegisterVM/AttachVM")
	flag.Parse()
	if *proxy == "" || *token == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "ccshim: usage: ccshim --proxy SOCKET --token TOKEN")
		os.Exit(exitShimError)
	}

	code, err := ccproxy.RunShim(context.Background(), ccproxy.ProcessShimConfig(*proxy, *token))
	if err != nil {
		fmt.Fprintf(os.Stderr, "ccshim: %v\n", err)
		os.Exit(exitShimError)
	}
	os.Exit(code)
}
