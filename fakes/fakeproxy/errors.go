package fakeproxy

import "errors"

// Sentinels the Proxy's errors wrap; test with errors.Is.
var (
	// ErrNotConnected: a send before the client connected, or after Close.
	ErrNotConnected = errors.New("no client connected")
	// ErrReadingEnded: nothing more will be recorded (the client closed the
	// connection, sent a bad header, stayed idle too long, or the fake was
	// closed), yet the frame waited for did not arrive.
	ErrReadingEnded = errors.New("no more frames will arrive")
	// ErrWait: a wait ended (its context's deadline or cancellation) before
	// what it waited for happened.
	ErrWait = errors.New("wait ended")
	// ErrBadArgument: split offsets or a header length that cannot work.
	ErrBadArgument = errors.New("bad argument")
)
