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
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"

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

	// The signals ccshim forwards.
	signals := make(chan os.Signal, 16)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT, syscall.SIGWINCH,
		syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2)

	code, err := faultyshim.Run(context.Background(), ccproxy.ShimConfig{
		ProxyPath:  *proxy,
		Token:      *token,
		Stdin:      os.Stdin,
		Stdout:     os.Stdout,
		Stderr:     os.Stderr,
		Signals:    signals,
		WindowSize: windowSize,
	}, fault)
	if err != nil {
		fmt.Fprintf(os.Stderr, "faultyshim: %v\n", err)
		os.Exit(exitShimError)
	}
	os.Exit(code)
}

// windowSize asks the terminal on stdin, else stdout, for its size, as
// ccshim does.
func windowSize() (rows, columns int, ok bool) {
	for _, fd := range []int{unix.Stdin, unix.Stdout} {
		if ws, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ); err == nil && ws.Row > 0 && ws.Col > 0 {
			return int(ws.Row), int(ws.Col), true
		}
	}
	return 0, 0, false
}
