// Package ccproxy holds the reference implementations of the cc-proxy
// protocol: a proxy Server that speaks to VM agents over the hyperstart ctl
// and io channels, and a Client for the runtime and shim roles.
//
// The Server meets every CCP-S requirement (conformance/requirement) and none of the
// real cc-proxy's listed defects: a hostile header closes only its own
// connection, a frame is reassembled from any fragmentation and must complete
// within a deadline, payloads are capped and never pre-allocated, reserved
// bits are ignored, a shim can drop and reconnect with its token, an unknown
// hyperName fails without touching the agent, exit is reported only after EOF
// on a process's stdio sequence, and stdin is split to the agent's frame
// limit.
//
// Under load it stays bounded and alive: a frame's payload buffer grows
// only with the bytes received and is not kept past a frame above 64 KiB,
// connections beyond Config.MaxConnections are closed as soon as they are
// accepted, a numIOStreams above Config.MaxIOStreams is refused before any
// token is made, and accept errors that pass by themselves (the fd limit
// reached) are retried after a backoff rather than ending the Server.
//
// VMs and tokens belong to the Server, not to the connection that made them:
// a runtime may register a VM on one connection and attach on another, and
// closing a runtime connection leaves its VMs alone (CCP-S-37).
package ccproxy
