// Package api is the wire of the cc-proxy protocol: the 12-byte big-endian
// frame header, frame types and opcodes, the JSON payloads, and a strict
// frame Reader and Writer.
//
// The Reader is written for a conformance harness: it accepts every frame the
// protocol allows (any fragmentation, header lengths above 3 words whose extra
// words it skips, reserved bits set) and rejects everything else with a
// *HeaderError or *PayloadError that names the field, the value seen and the
// value allowed. It never allocates for a payload before the bytes arrive, so
// a PayloadLength of 0xFFFFFFFF costs nothing until the peer really sends.
//
// The Writer always emits Version 2, HeaderLength 3, zeroed reserved fields
// and the exact PayloadLength, header and payload in a single Write so frames
// from concurrent writers never interleave.
package api
