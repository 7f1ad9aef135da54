package ccproxy

import (
	"errors"
	"fmt"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// Sentinels of the Client; test with errors.Is.
var (
	// ErrClientClosed: the Client was closed by its user.
	ErrClientClosed = errors.New("client closed")
	// ErrProxyClosed: the proxy closed the connection between frames.
	ErrProxyClosed = errors.New("proxy closed the connection")
	// ErrClientTimeout: no response, or no complete frame, within the timeout.
	ErrClientTimeout = errors.New("timed out")
	// ErrProxyProtocol: the proxy sent something the protocol forbids to a
	// client; a *ProtocolError says what.
	ErrProxyProtocol = errors.New("protocol violation by the proxy")
	// ErrShimNotConnected: a shim-role call before a successful ConnectShim.
	ErrShimNotConnected = errors.New("shim not connected")
	// ErrStdinClosed: stdin data after the zero-length EOF frame.
	ErrStdinClosed = errors.New("stdin already closed")
)

// ProxyError is an error response (E set) from the proxy: the command's
// opcode and the payload's msg.
type ProxyError struct {
	// Opcode is the failed command's opcode.
	Opcode uint8
	// Msg is the error response's msg.
	Msg string
}

// Error names the command and gives the proxy's msg.
func (e *ProxyError) Error() string {
	return fmt.Sprintf("cc-proxy: %s failed: %s", api.OpcodeName(api.TypeResponse, e.Opcode), e.Msg)
}

// ProtocolError names what the proxy sent, the value seen and the value
// allowed. It wraps ErrProxyProtocol; the connection is closed after one.
type ProtocolError struct {
	// Field names what was wrong, such as the response's opcode.
	Field string
	// Seen is the value the proxy sent, as text.
	Seen string
	// Allowed says which values were allowed.
	Allowed string
}

// Error gives what was seen and what was allowed.
func (e *ProtocolError) Error() string {
	return fmt.Sprintf("%v: %s is %s, allowed %s", ErrProxyProtocol, e.Field, e.Seen, e.Allowed)
}

// Unwrap returns ErrProxyProtocol, for errors.Is.
func (e *ProtocolError) Unwrap() error { return ErrProxyProtocol }
