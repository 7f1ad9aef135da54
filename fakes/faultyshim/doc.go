// Package faultyshim builds cc-proxy shims that break exactly one client
// requirement (CCP-C-01..12), to prove that each client conformance spec
// has teeth.
//
// A faulty shim is the reference shim (ccproxy.RunShim) behind a relay:
// Run dials the real proxy, listens on a private socket, runs RunShim
// against that socket and relays frames both ways. Shim and relay together
// are the client under test. Everything passes untouched (the relay reads
// the proxy's frames as strictly as a client must: short reads tolerated,
// extra header words skipped, a bad header or an oversized payload closes)
// except where the one Fault hooks in: it may rewrite, drop, add or echo
// frames in either direction, resync after a bad header, wrap an oversized
// PayloadLength, or close. Every fault is a misbehaviour on the wire; the
// reference shim's code is not touched.
package faultyshim
