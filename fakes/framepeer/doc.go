// Package framepeer is a raw cc-proxy frame peer: it speaks bytes on a real
// unix socket with the fragmentation a spec chooses, to send hostile headers
// to a server under test or to play a fake server toward a client under test.
//
// Sending never judges: Send, SendPaced and SendBytewise write bytes exactly
// as given, split into the writes asked for (so a receiver that reads a
// header with one read() shows its defect); SendRaw writes a header exactly
// as given (Version 0, HeaderLength 2, reserved bits, PayloadLength
// 0xFFFFFFFF...); only SendFrame goes through api.Writer and so emits what a
// sender owes.
//
// Receiving is strict and bounded: every read takes a timeout and sets a
// read deadline, ReadFrame and ReadFrameStrict use api.Reader (the latter
// also rejecting non-zero reserved fields) and return frames that own their
// payload, and ExpectClosed tells a peer that closed the connection from one
// that sent something or kept it open. Writes carry a deadline too
// (DefaultWriteTimeout, see SetWriteTimeout), so a peer that stops reading
// cannot wedge a spec.
//
// When the spec records its wire traffic (package wiretap), a Peer records
// every chunk it reads and writes, and its closes, decoded as cc-proxy
// frames; SetChannel names the connection in the transcript. Peeking
// (AwaitReadable, Pending) takes nothing and records nothing.
//
// A Peer starts no goroutines. Listener.Accept waits at most until its
// context ends or DefaultAcceptTimeout passes; its only helper goroutine is
// gone when Accept returns.
package framepeer
