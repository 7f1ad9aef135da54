// Command variantproxy runs a legitimate cc-proxy variant: `variantproxy
// --variant pod --socket /tmp/p.sock`. It does what the protocol allows
// where it differs from the reference proxy; --list shows the variants and
// their allowances, --without leaves allowances out. It exits 0 on SIGTERM
// or SIGINT, and when a per-pod variant ended itself with its VM.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/wirecert/wirecert/fakes/faultyproxy"
	"github.com/wirecert/wirecert/fakes/variantproxy"
)

// maxPrivateDir is the longest directory the private sockets may live
// under: a unix socket path has 108 bytes, and the relay adds about 40.
const maxPrivateDir = 60

func main() {
	socket := flag.String("socket", "", "unix socket path to listen on (required)")
	name := flag.String("variant", "", "the variant to run (--list shows all)")
	without := flag.String("without", "", "comma-separated allowances to leave out (--list shows all)")
	list := flag.Bool("list", false, "list the variants and allowances and exit")
	flag.Parse()
	if *list {
		for _, n := range variantproxy.Names() {
			v, _ := variantproxy.Lookup(n)
			fmt.Printf("%-8s %s\n", n, v.What)
		}
		fmt.Println("allowances (every variant has all of them):")
		for _, a := range variantproxy.Allowances() {
			fmt.Printf("  %-17s %s\n", a.Name, a.What)
		}
		return
	}
	if *socket == "" || *name == "" {
		fmt.Fprintln(os.Stderr, "variantproxy: --variant and --socket are required")
		os.Exit(2)
	}
	v, err := variantproxy.Lookup(*name)
	if err != nil {
		fmt.Fprintln(os.Stderr, "variantproxy: --variant:", err)
		os.Exit(2)
	}
	var leaveOut []string
	if *without != "" {
		leaveOut = strings.Split(*without, ",")
	}
	if _, err := v.Fault(leaveOut...); err != nil {
		fmt.Fprintln(os.Stderr, "variantproxy: --without:", err)
		os.Exit(2)
	}
	var opts []faultyproxy.Option
	if dir := filepath.Dir(*socket); len(dir) <= maxPrivateDir {
		// Beside the socket: a SIGKILL then leaves nothing outside the
		// directory the caller owns.
		opts = append(opts, faultyproxy.InDir(dir))
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	p, err := variantproxy.Start(*socket, v, leaveOut, opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "variantproxy:", err)
		os.Exit(1)
	}
	code := 0
	select {
	case <-sigs:
	case <-p.Done():
		if p.Alive() != nil {
			code = 3 // never by design: a variant crashes nothing
		}
	}
	p.Close()
	os.Remove(*socket)
	os.Exit(code)
}
