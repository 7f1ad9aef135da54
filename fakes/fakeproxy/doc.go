// Package fakeproxy is a scriptable fake cc-proxy that a shim (a cc-proxy
// client) under test connects to: a real unix socket in a temp dir of its
// own, speaking the real wire through framepeer.
//
// It accepts one connection and records every frame the client sends, each
// read strictly (api.WithStrictReserved): a header the client got wrong is
// recorded as an error with its raw bytes, and the fake then only watches
// for the close. Commands are answered per a script (OnCommand): by default
// with an empty success, except DisconnectShim, which gets no response. A
// scripted Response may be an error, carry a wrong opcode or extra header
// words, be split at chosen offsets or sent a byte at a time, be preceded
// or followed by stream frames or ProcessExited, be replaced by raw bytes,
// or not be sent at all. Streams and notifications can be sent on demand,
// and so can arbitrary bytes (garbage headers, HeaderLength 0..2, a bad
// version, PayloadLength 0xFFFFFFFF without a payload).
//
// Every read has a deadline (the idle timeout) or ends on Close; Close ends
// the fake's one goroutine and removes its socket and temp dir.
package fakeproxy
