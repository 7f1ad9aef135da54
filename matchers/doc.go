// Package matchers holds the Gomega matchers wirecert's suites judge with.
//
// Frame matchers (files frame*.go, header*.go, payload*.go) judge cc-proxy
// frames: their version, header length, type, opcode, error flag and JSON
// payload, and whether a frame a peer emitted is valid as a whole.
//
// Namespace matchers judge the fds a spacer service hands out: BeNamespaceFd
// checks an fd's namespace type (ioctl NS_GET_NSTYPE), BeNewNamespace that it
// is not the same namespace as a reference fd or /proc/.../ns/... path, and
// BeChildNamespaceOf a user or PID namespace's parent (ioctl NS_GET_PARENT).
// HaveExited tells whether the process behind a pidfd has ended.
//
// Fd leak helpers, built on fdooze, look into another process's fds too:
// ProcessFiledescriptors snapshots /proc/PID/fd, HaveLeakedProcessFds
// compares a process's current fds with such a snapshot.
//
// The spacer's own ErrorResponse matcher, HaveFailed, lives beside the wire
// types in reference/spacer/api, as in the original API.
package matchers
