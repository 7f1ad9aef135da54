// Package hyperstart is the wire of the two hyperstart VM agent channels that
// a cc-proxy talks to: the ctl channel (commands and their replies) and the io
// channel (process stdio multiplexed by sequence number).
//
// A ctl frame is [code u32 BE][length u32 BE = 8 + payload][payload]; an io
// frame is [seq u64 BE][length u32 BE = 12 + data][data]. Either frame is at
// most 10240 bytes in all. The readers accept any fragmentation, check the
// length field before allocating (so they never allocate more than the
// maximum), and reject a length below the header size or above the maximum
// with a *LengthError naming the channel, the field, the value seen and the
// values allowed. The writers emit each frame with a single Write, so frames
// from writers sharing a lock never interleave, and refuse oversize data
// before writing anything.
//
// The payload types cover what a proxy and a fake agent need to read and
// write: KillCommand, WindowSizeMessage, ExecCommand, Container and Process.
//
// Why RelocateProcess works on raw JSON: a proxy must rewrite the
// process.stdio and process.stderr sequence numbers of an execcmd or
// newcontainer payload it forwards for a runtime, and must forward everything
// else verbatim. Decoding into structs and re-encoding would silently drop any
// field the struct does not know (the upstream proxy does exactly that), so
// RelocateProcess decodes only two levels of map[string]json.RawMessage,
// replaces the two numbers and leaves every other value as raw bytes. Process
// keeps unknown fields in Process.Unknown for the same reason.
package hyperstart
