// Package fuzzcheck holds what the module's fuzz targets check around each
// input that starts goroutines or opens fds: that nothing the input
// started outlives it (NoLeaks), with Go's network poller opened before
// the first snapshot (WarmPoller), since its fds stay open for good. A
// fuzz worker runs one input at a time, so nothing else comes and goes
// meanwhile.
package fuzzcheck
