// Command fakespacer is a spacer service that breaks exactly one
// requirement: `fakespacer --break old-time` serves the connected unix
// socket it finds on fd 3 until the client disconnects. `fakespacer
// --variant allowances` serves as a legitimate variant instead, doing what
// the protocol allows and the reference does not. `--list` shows the
// breaks with the requirement each violates, and the variants with each
// allowance and the protocol sentence behind it.
package main

import (
	"os"

	"github.com/wirecert/wirecert/fakes/fakespacer"
)

func main() {
	os.Exit(fakespacer.Main(os.Args[1:], os.Stdout, os.Stderr))
}
