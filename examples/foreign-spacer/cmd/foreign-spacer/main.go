// Command foreign-spacer is a spacer service: it serves the connected unix
// socket it finds on fd 3 until the client disconnects. Its sub-services
// are this binary re-executed (see package service).
package main

import (
	"fmt"
	"os"

	"example.com/foreign-spacer/service"
)

func main() {
	if err := service.ServeFd(3); err != nil {
		fmt.Fprintln(os.Stderr, "foreign-spacer:", err)
		os.Exit(1)
	}
}
