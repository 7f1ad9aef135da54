// Package hostile holds the hostile-target suite: a Ginkgo suite (label
// "hostile", test files only) that runs the wirecert CLI against peers
// that hang forever, trickle one byte per second, send garbage or
// 0xFFFFFFFF lengths, close mid-frame, exit mid-request (fakes/hostile),
// flood 253 fds or hand over a regular file or a socket where a namespace
// fd belongs (fakes/fakespacer), and proves for each that the harness
// reports the selected requirements as failed (exit 1, a message per
// failed spec), finishes within a bound derived from its timeouts instead
// of hanging, leaves no process behind, and that running it leaks no fd or
// goroutine in the test process.
package hostile
