package spacer_test

import (
	"fmt"
	"time"

	"github.com/wirecert/wirecert/conformance/spacer"
)

// An implementer registers the service suite against a service process
// the suite starts per spec, its socket on fd 3. In a real suite the call
// stands at package level in a _test.go file, as
// var _ = spacer.ServiceSpecs(target), and a test function runs it
// (ginkgo.RunSpecs, or report.RunSpecs for wirecert's verdicts). This
// example does not run: specs are registered before the suite runs, once
// per process.
func ExampleServiceSpecs() {
	target := spacer.CommandService([]string{"/usr/local/bin/spacer"})
	target.StepTimeout = 2 * time.Second  // each wait for the service
	target.SpecTimeout = 30 * time.Second // each whole spec
	spacer.ServiceSpecs(target)
}

// The client suite drives a client through ClientTarget.Connect, which
// hands it its end of a socket; here the reference client's target. In a
// real suite the call stands at package level in a _test.go file, as
// var _ = spacer.ClientSpecs(target). This example does not run, as
// ServiceSpecs' does not.
func ExampleClientSpecs() {
	target := spacer.ReferenceClient()
	target.StepTimeout = 2 * time.Second
	spacer.ClientSpecs(target)
}

// CommandService runs argv per spec, the service's end of a socketpair
// as its fd 3.
func ExampleCommandService() {
	target := spacer.CommandService([]string{"/usr/local/bin/spacer"})
	fmt.Println(target.Name)
	// Output:
	// command /usr/local/bin/spacer
}
