// Package hyperagent is a fake hyperstart VM agent for driving a cc-proxy: it
// listens on a ctl and an io unix socket and speaks the real hyperstart wire
// (package hyperstart) on both.
//
// A proxy's RegisterVM dials the ctl socket, then the io socket, and waits for
// READY. The Agent accepts one connection on each, records the order the
// dials arrived in (Dials), and once both are connected sends READY (or a
// scripted code, or nothing, or later). It then answers every ctl frame with
// exactly one reply, in order: ACK with an empty payload unless a reply
// function was scripted for that code (ERROR + text, ACK + bytes, or NoReply
// to make a proxy time out). Every ctl command and io frame is recorded for
// the test to inspect or wait for; SendIO, Exit, SendCtl, CloseIO and CloseCtl
// emit on demand.
//
// When the spec records its wire traffic (package wiretap), the Agent
// records both channels, as "agent ctl" and "agent io", decoded as
// hyperstart frames.
//
// Reads block only until the peer sends or Close (or CloseCtl/CloseIO) closes
// the connection; Close stops the listeners, connections and every goroutine
// of the Agent and waits for them, so a spec can check for leaks right after.
package hyperagent
