// Command hostile runs a peer that speaks just enough cc-proxy or spacer to
// be believable and then misbehaves: it hangs, trickles, sends garbage or a
// 0xFFFFFFFF length, closes mid-frame or exits mid-request.
//
//	hostile --role ccproxy-server --mode hang --socket {socket}
//	hostile --role ccproxy-shim --mode trickle --proxy {socket} --token {token}
//	hostile --role spacer-service --mode exit-mid-request   (socket on fd 3)
//	hostile --list
package main

import (
	"os"

	"github.com/wirecert/wirecert/fakes/hostile"
)

func main() {
	os.Exit(hostile.Main(os.Args[1:], os.Stdout, os.Stderr))
}
