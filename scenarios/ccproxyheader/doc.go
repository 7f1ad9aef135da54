// Package ccproxyheader is the cc-proxy header scenario suite: the header-area
// conformance specs (CCP-S-01..08) against the reference proxy binary started
// per spec, and the same proxy as PID 1 of a PID namespace of its own (as it
// is when it is a container's entrypoint) fed one hostile header after the
// other, which must close only the hostile connection while the proxy lives
// on, stays PID 1, serves others and keeps no fd of a closed connection.
//
// The suite is its test binary: `go test` runs it on the host (it builds the
// proxy binary itself unless -ccproxy names one; the PID 1 specs need root),
// and the scenarios/incontainer suite runs it, compiled static, inside a
// privileged container with -ccproxy=/bin/ccproxy.
package ccproxyheader

// Area is the label filter selecting the header-area specs of the
// conformance suite, and this suite's own specs, which cite the same IDs.
const Area = "CCP-S-01 || CCP-S-02 || CCP-S-03 || CCP-S-04 || CCP-S-05 || CCP-S-06 || CCP-S-07 || CCP-S-08"

// ProxyPackage is the reference proxy command, built when no binary is given.
const ProxyPackage = "github.com/wirecert/wirecert/reference/ccproxy/cmd/ccproxy"
