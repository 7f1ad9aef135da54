// Package spacer is the reference implementation of the spacer namespace
// creation service and of its client.
//
// Serve answers the requests of one connection until the client goes away:
// RoomsRequest with new cgroup, IPC, mnt, net, time and UTS namespaces
// (created by unshare in a throw-away OS thread, so that even the time
// namespace is a new one: time_for_children of that thread), and
// SubspaceRequest with a sub-service started in new user and/or PID
// namespaces.
//
// # Re-execution
//
// Sub-services (and the services NewTransient starts) are this very binary
// started again through /proc/self/exe with argv[0] set to ServiceArg0. The
// package's init function recognises that argv[0], serves the socket on fd
// 3 and exits, before main (or the testing framework) ever runs. So any
// binary that imports this package, a Go test binary included, can act as
// the service without further setup; cmd/spacer is just such a binary whose
// main serves fd 3 itself.
//
// A sub-service in a new user namespace gets its uid/gid maps (the caller's
// ids mapped to root) written by its parent, which finds the child in its
// procfs through the pidfd's fdinfo (so it works from inside a PID namespace
// too). The child waits for that on fd 4, then executes itself once more to
// gain the capabilities of root in its new user namespace.
//
// # Reaping
//
// No OS thread waits for a sub-service: one goroutine, parked in Go's
// poller on an epoll fd holding a pidfd per live sub-service, reaps each
// with waitid(P_PIDFD, WNOHANG) as it exits, and ends with the last one. So
// a service's thread count stays near its start however many sub-services
// it runs, and returns there once they end.
//
// # Client
//
// Client speaks the protocol over a connected socket with a deadline on
// every send and receive; NewTransient starts a service process over a
// socketpair and returns a client for it, which Stop ends and reaps.
package spacer
