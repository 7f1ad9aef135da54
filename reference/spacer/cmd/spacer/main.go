// Command spacer is the reference spacer service: it serves the connected
// unix socket it finds on fd 3 until the client disconnects. Its sub-services
// are this binary re-executed (see package spacer).
package main

import (
	"fmt"
	"os"

	"github.com/wirecert/wirecert/reference/spacer"
)

func main() {
	if err := spacer.ServeFd(3); err != nil {
		fmt.Fprintf(os.Stderr, "spacer: %v\n", err)
		os.Exit(1)
	}
}
