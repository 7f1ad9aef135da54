// Package scenarios holds what the scenario suites share: the flags an inner
// suite's test binary takes for its reports, and RunSpecs, which runs an inner
// suite and writes its JUnit and JSON reports there.
//
// The scenario suites exercise targets in settings the conformance suites do
// not set up: the cc-proxy reference binary as PID 1 of a PID namespace under
// hostile headers (ccproxyheader), and the spacer service's namespace fd
// ownership, leaks, nested subspaces and life as PID 1 (spacerfds). Each inner
// suite is an ordinary Ginkgo suite that runs on the host as root (`go test`);
// the outer suite (incontainer) compiles them into static test binaries, packs
// them into an image built FROM scratch, runs each in a privileged container
// through testcontainers-go (package container), copies the reports out and
// fails with every inner failure's requirement ID. Without a Docker engine it
// runs the same binaries on the host instead.
package scenarios
