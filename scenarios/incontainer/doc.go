// Package incontainer is the outer scenario suite: it compiles the inner
// scenario suites (ccproxyheader, spacerfds) into static test binaries
// (CGO_ENABLED=0 go test -c) and the reference proxy and spacer into static
// binaries, packs them into an image built FROM scratch, and runs each inner
// suite in a privileged container through testcontainers-go: spacerfds on its
// own, ccproxyheader beside a container whose entrypoint (PID 1) is the
// reference proxy, joining that container's PID namespace. It copies each
// inner suite's JUnit and JSON reports out and fails with every inner
// failure's requirement ID, spec and message. Containers and the image are
// labelled with the run's id and removed, also on failure; a spec proves it.
//
// Without a Docker engine (detected within container.DetectTimeout) the
// container specs skip with the reason and the same binaries run directly on
// the host, as root (else they skip too). Image build, container start and
// run times are reported as report entries.
//
// The suite is heavy (it compiles), so `go test ./...` skips it unless
// WIRECERT_SCENARIOS=1: `make scenarios` (ci/scenarios) sets it.
package incontainer

// EnvEnable enables the outer suite.
const EnvEnable = "WIRECERT_SCENARIOS"

// EnvReports names the host directory the reports are copied to (default
// reports/scenarios at the module root).
const EnvReports = "WIRECERT_SCENARIO_REPORTS"
