package faultyshim

import "github.com/wirecert/wirecert/reference/ccproxy/api"

// Action is what the relay does about a header a client must refuse.
type Action int

// The actions of the OnBadHeader and OnOversize hooks.
const (
	// Close ends the session, as a client must (the default).
	Close Action = iota
	// Resync drops a byte at a time until the bytes look like a valid
	// header again, and goes on from there (the C shim's defect).
	Resync
	// Wrap computes the payload buffer as PayloadLength+1 in 32 bits: at
	// 0xFFFFFFFF that is 0, so it reads an empty payload and takes the
	// bytes behind the header for the next frame (the C shim's defect).
	Wrap
)

// Fault breaks one requirement. Every hook is optional; nil passes frames
// untouched.
type Fault struct {
	// Requirement is the ID this fault violates.
	Requirement string
	// What says how it violates it.
	What string

	// OnConnect runs once both connections are up, before any frame
	// flows; it may send frames of its own with s.ToProxy.
	OnConnect func(s *Session)
	// OnShimFrame sees a frame the shim sent and returns the bytes to send
	// the proxy instead (nil sends nothing).
	OnShimFrame func(s *Session, f api.Frame) []byte
	// OnProxyFrame sees a valid, whole frame the proxy sent, its header
	// normalised (HeaderLength 3, reserved fields zero), and returns the
	// bytes to hand the shim instead (nil hands nothing). s.Pending still
	// holds the command a response answers.
	OnProxyFrame func(s *Session, f api.Frame) []byte
	// OnBadHeader decides about a header from the proxy that Validate
	// refuses: Close (default) or Resync.
	OnBadHeader func(s *Session, h api.FrameHeader) Action
	// OnOversize decides about a PayloadLength above MaxPayload: Close
	// (default) or Wrap.
	OnOversize func(s *Session, h api.FrameHeader) Action
}
