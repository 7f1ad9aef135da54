package hyperstart

import (
	"errors"
	"fmt"
	"io"
)

// Sentinels wrapped by the errors of this package; test with errors.Is.
var (
	// ErrFrameLength: a frame's length field is below the header size or
	// above the maximum frame size.
	ErrFrameLength = errors.New("frame length out of range")
	// ErrFrameTooLarge: a frame to write would exceed the maximum frame size.
	ErrFrameTooLarge = errors.New("frame too large")
	// ErrTruncated: the stream ended inside a frame (also wraps
	// io.ErrUnexpectedEOF).
	ErrTruncated = errors.New("frame truncated")
	// ErrNotProcessCommand: the command carries no process (only execcmd and
	// newcontainer do).
	ErrNotProcessCommand = errors.New("command carries no process")
	// ErrNoProcess: an execcmd or newcontainer payload without a process.
	ErrNoProcess = errors.New("payload without process")
	// ErrPayload: a payload that is not the JSON its command needs.
	ErrPayload = errors.New("bad payload")
)

// LengthError names the channel ("ctl" or "io"), the field, the value seen
// and the values allowed.
type LengthError struct {
	// Channel is "ctl" or "io".
	Channel string
	// Field names the wrong header field.
	Field string
	// Seen is the field's value.
	Seen uint64
	// Allowed says which values the field may take.
	Allowed string
	// Err is the sentinel it wraps.
	Err error
}

// Error gives the channel, the field, its value and what is allowed.
func (e *LengthError) Error() string {
	return fmt.Sprintf("hyperstart %s frame: %s is %d, allowed %s: %v",
		e.Channel, e.Field, e.Seen, e.Allowed, e.Err)
}

// Unwrap returns the sentinel, for errors.Is.
func (e *LengthError) Unwrap() error { return e.Err }

// truncated reports a stream that ended (or failed) after got of want bytes
// of part; an end of stream inside a frame is always io.ErrUnexpectedEOF.
func truncated(channel, part string, got, want int, err error) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("hyperstart %s frame: %s ended after %d of %d bytes: %w: %w",
		channel, part, got, want, ErrTruncated, err)
}
