// Command fakespacer is a spacer service that breaks exactly one
// requirement: `fakespacer --break old-time` serves the connected unix
// socket it finds on fd 3 until the client disconnects. `--list` shows the
// breaks and the requirement each violates.
package main

import (
	"os"

	"github.com/wirecert/wirecert/fakes/fakespacer"
)

func main() {
	os.Exit(fakespacer.Main(os.Args[1:], os.Stdout, os.Stderr))
}
