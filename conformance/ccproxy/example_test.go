package ccproxy_test

import (
	"fmt"
	"time"

	"github.com/wirecert/wirecert/conformance/ccproxy"
)

// An implementer registers the server suite against a proxy the suite
// starts per spec. In a real suite the call stands at package level in a
// _test.go file, as var _ = ccproxy.ServerSpecs(target), and a test
// function runs it (ginkgo.RunSpecs, or report.RunSpecs for wirecert's
// verdicts). This example does not run: specs are registered before the
// suite runs, once per process.
func ExampleServerSpecs() {
	target := ccproxy.CommandServer([]string{"/usr/libexec/cc-proxy", "-socket", "{socket}"})
	target.StepTimeout = 2 * time.Second  // each wait for the proxy
	target.SpecTimeout = 30 * time.Second // each whole spec
	ccproxy.ServerSpecs(target)
}

// A per-pod proxy serves one VM and exits after UnregisterVM: the specs
// that need a second VM start a second proxy, and those that cannot apply
// say so. This example does not run, as ServerSpecs' does not.
func ExampleServerSpecs_perPod() {
	target := ccproxy.CommandServer([]string{"/usr/bin/my-pod-proxy", "--listen", "{socket}"})
	target.PerPod = true
	ccproxy.ServerSpecs(target)
}

// An implementer registers the client suite against a shim the suite runs
// per session, given the fake proxy's socket and the session's token. In a
// real suite the call stands at package level in a _test.go file, as
// var _ = ccproxy.ClientSpecs(target). This example does not run, as
// ServerSpecs' does not.
func ExampleClientSpecs() {
	target := ccproxy.CommandShim([]string{"/usr/libexec/cc-shim", "-t", "{token}", "-u", "unix://{socket}"})
	target.StepTimeout = 2 * time.Second
	ccproxy.ClientSpecs(target)
}

// SocketServer targets a proxy that is already running; every spec dials
// the same socket.
func ExampleSocketServer() {
	target := ccproxy.SocketServer("/run/cc-proxy.sock")
	fmt.Println(target.Name)
	// Output:
	// socket /run/cc-proxy.sock
}

// CommandServer starts the proxy per spec; {socket} becomes a fresh
// socket path in the spec's own directory.
func ExampleCommandServer() {
	target := ccproxy.CommandServer([]string{"cc-proxy", "-socket", ccproxy.SocketPlaceholder})
	fmt.Println(target.Name)
	// Output:
	// command cc-proxy -socket {socket}
}

// CommandShim runs the shim per session; {socket} and {token} become the
// fake proxy's socket and the session's token.
func ExampleCommandShim() {
	target := ccproxy.CommandShim([]string{"cc-shim", "-t", ccproxy.TokenPlaceholder, "-u", "unix://" + ccproxy.SocketPlaceholder})
	fmt.Println(target.Name)
	// Output:
	// command cc-shim -t {token} -u unix://{socket}
}
