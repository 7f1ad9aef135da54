package api

import (
	"errors"
	"fmt"
)

// Sentinels that *HeaderError and *PayloadError wrap; test with errors.Is.
var (
	ErrVersion        = errors.New("bad version")
	ErrHeaderLength   = errors.New("bad header length")
	ErrType           = errors.New("bad frame type")
	ErrOpcode         = errors.New("opcode out of range")
	ErrErrorFlag      = errors.New("E flag on a non-response")
	ErrReserved       = errors.New("reserved bits set")
	ErrPayloadTooLong = errors.New("payload above the maximum")
	ErrTruncated      = errors.New("frame truncated")
	ErrPayload        = errors.New("bad payload")
)

// HeaderError says which header field was wrong, the value seen and the
// values allowed, and keeps the raw header for a hex dump.
type HeaderError struct {
	// Field names the wrong header field.
	Field string
	// Seen is the field's value.
	Seen uint64
	// Allowed says which values the field may take.
	Allowed string
	// Header is the whole header, as read.
	Header FrameHeader
	// Err is the sentinel it wraps, such as ErrVersion or ErrPayload.
	Err error
}

func headerError(h FrameHeader, field string, seen uint64, allowed string, err error) *HeaderError {
	return &HeaderError{Field: field, Seen: seen, Allowed: allowed, Header: h, Err: err}
}

// Error gives the field, its value and the header in hex.
func (e *HeaderError) Error() string {
	return fmt.Sprintf("frame header [% x]: %s is %d (%#x), allowed %s: %v",
		e.Header.Bytes(), e.Field, e.Seen, e.Seen, e.Allowed, e.Err)
}

// Unwrap returns the sentinel, for errors.Is.
func (e *HeaderError) Unwrap() error { return e.Err }

// PayloadError says what was wrong with a payload.
type PayloadError struct {
	// Field names the wrong payload field.
	Field string
	// Seen is the field's value, as text.
	Seen string
	// Allowed says which values the field may take.
	Allowed string
	// Err is the sentinel it wraps, such as ErrVersion or ErrPayload.
	Err error
}

// Error gives the field, its value and what is allowed.
func (e *PayloadError) Error() string {
	return fmt.Sprintf("frame payload: %s is %s, allowed %s: %v", e.Field, e.Seen, e.Allowed, e.Err)
}

// Unwrap returns the sentinel, for errors.Is.
func (e *PayloadError) Unwrap() error { return e.Err }
