package faultyproxy

import (
	"github.com/wirecert/wirecert/reference/ccproxy/api"
	"github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
)

// Action is what the relay does with a frame a client sent.
type Action int

// The actions of a ClientHeader hook.
const (
	Forward Action = iota // pass it on (the default)
	Close                 // close this client's connection
	Crash                 // close every connection and the listener, as a panicking proxy does
	Hang                  // stop reading this client, never answer, never close
	Drop                  // swallow the frame
)

// ClientHeader is what a ClientHeader hook sees of a frame's start: the
// header as sent, and whether its 12 bytes came in more than one read.
type ClientHeader struct {
	api.FrameHeader
	// Fragmented says the header's 12 bytes came in more than one read.
	Fragmented bool
}

// Channel names one of a VM's two agent channels.
type Channel string

// The agent channels of a VM.
const (
	ChannelCtl Channel = "ctl"
	ChannelIO  Channel = "io"
)

// Fault breaks one requirement. Every hook is optional; nil passes frames
// untouched. The hooks are generic: fakes/variantproxy uses the same struct
// for legitimate variants, with an empty Requirement.
type Fault struct {
	// Requirement is the ID this fault violates.
	Requirement string
	// What says how it violates it.
	What string

	// OnClientHeader decides about a client's frame before its payload is
	// read; it may rewrite the header it is given.
	OnClientHeader func(l *Link, h *ClientHeader) Action
	// OnClientFrame sees a whole, valid client frame and returns the frames
	// to forward (nil forwards nothing); it may answer the client itself
	// with l.ToClient.
	OnClientFrame func(l *Link, f api.Frame) []api.Frame
	// OnServerFrame sees a frame the server sends to a client and returns
	// the raw bytes to send instead (nil sends nothing).
	OnServerFrame func(l *Link, f api.Frame) []byte
	// OnAgentCtl sees a ctl frame the server sends to the agent and returns
	// the frames to send instead.
	OnAgentCtl func(v *VMLink, f hyperstart.CtlFrame) []hyperstart.CtlFrame
	// OnAgentIO sees an io frame the server sends to the agent and returns
	// the frames to send instead.
	OnAgentIO func(v *VMLink, f hyperstart.IOFrame) []hyperstart.IOFrame
	// OnServerIO sees an io frame the agent sends to the server and
	// returns the frames to send instead.
	OnServerIO func(v *VMLink, f hyperstart.IOFrame) []hyperstart.IOFrame
	// OnClientClose runs when a client's connection ends.
	OnClientClose func(l *Link)
	// OnServerClose runs when the server ends a client's connection; false
	// keeps the client's side open.
	OnServerClose func(l *Link) bool
	// OnAccept runs for every new client connection.
	OnAccept func(l *Link)
	// OnAgentDial, when set, runs once both agent channels of a VM are
	// relayed, before any frame flows (e.g. to inject a ctl command).
	OnAgentDial func(v *VMLink)
	// OnAgentClose runs when the agent ended one of a VM's channels; not
	// when the relay closed it (after the server closed its side, CloseIO,
	// or the proxy ending).
	OnAgentClose func(v *VMLink, ch Channel)
	// KeepAgent is asked when the server closed its side of a VM's channel;
	// true keeps the agent's side connected, its frames read and dropped,
	// until the agent closes it or the proxy ends. nil closes it at once.
	KeepAgent func(v *VMLink, ch Channel) bool
	// PayloadInOneRead reads a frame's payload with one read, as a proxy
	// that never loops on a short read does: a payload that arrives in
	// more than one read drops the connection.
	PayloadInOneRead bool
}
