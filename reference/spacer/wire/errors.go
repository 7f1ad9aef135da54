package wire

import (
	"errors"
	"fmt"
)

// Sentinels that *MessageError wraps; test with errors.Is.
var (
	// ErrMessageTooLarge: a message above MaxMessageSize bytes.
	ErrMessageTooLarge = errors.New("message too large")
	// ErrControlTruncated: the kernel set MSG_CTRUNC, fds were lost.
	ErrControlTruncated = errors.New("ancillary data truncated")
	// ErrIncompleteMessage: what one recvmsg brought is not made of whole
	// gob messages; the gob stream cannot be resynchronised.
	ErrIncompleteMessage = errors.New("incomplete message")
	// ErrUndecodable: a complete message gob could not decode (unknown type
	// name, type mismatch); the stream stays usable.
	ErrUndecodable = errors.New("undecodable message")
	// ErrUnexpectedFds: fds arrived with a message that carries none.
	ErrUnexpectedFds = errors.New("unexpected fds")
	// ErrLowFd: an fd arrived as 0, 1 or 2 and could not be moved above
	// 2; it was closed.
	ErrLowFd = errors.New("received fd below 3")
	// ErrEncode: gob could not encode the value.
	ErrEncode = errors.New("cannot encode message")
	// ErrShortWrite: sendmsg took only part of the message.
	ErrShortWrite = errors.New("short write")
	// ErrBroken: an earlier error left the gob stream out of step.
	ErrBroken = errors.New("connection broken by an earlier error")
)

// MessageError says what was wrong with a message: the field, the value
// seen and the value allowed.
type MessageError struct {
	// Field names what was wrong: "message size", "gob type name", ...
	Field string
	// Seen is the value that came, Allowed what the protocol allows.
	Seen, Allowed string
	// Err is the sentinel (ErrMessageTooLarge, ...), for errors.Is.
	Err error
}

// Error says the field, the value seen and the value allowed.
func (e *MessageError) Error() string {
	return fmt.Sprintf("spacer message: %v: %s is %s, allowed %s", e.Err, e.Field, e.Seen, e.Allowed)
}

// Unwrap returns the sentinel.
func (e *MessageError) Unwrap() error { return e.Err }

// Usable tells whether the connection can go on after err: true only for
// errors that left both gob streams in step.
func Usable(err error) bool {
	return errors.Is(err, ErrUndecodable) || errors.Is(err, ErrUnexpectedFds)
}
