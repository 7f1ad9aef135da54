// Package spacerfds is the spacer namespace fd scenario suite: who owns the
// fds a spacer service hands out and whether any leak. Every fd a
// RoomsRequest returns is a namespace fd of the requested type, of a new
// namespace owned by the service's user namespace, and the service keeps no
// copy of it (its /proc/PID/fd shows none); many requests leak nothing on
// either side; the service runs as PID 1 of a PID namespace of its own, as
// it does as a container's entrypoint; and subspaces nest: a subspace of a
// subspace chains its user and PID namespaces to its parent's, hands out
// namespaces owned by its own user namespace, and closing a level's Conn
// ends that level only. Every spec cites the SPC-S requirement it exercises.
//
// The suite is its test binary: `go test` runs it on the host as root (the
// service is the test binary re-executed as the reference service unless
// -spacer names a service binary taking its socket on fd 3); the
// scenarios/incontainer suite runs it, compiled static, inside a privileged
// container with -spacer=/bin/spacer.
package spacerfds
