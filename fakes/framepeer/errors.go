package framepeer

import "errors"

// Sentinels the Peer's errors wrap; test with errors.Is. Deadline errors also
// wrap os.ErrDeadlineExceeded.
var (
	// ErrTimeout: nothing (or not enough) arrived before the read deadline,
	// or nobody connected before Accept's deadline.
	ErrTimeout = errors.New("read timed out")
	// ErrNotClosed: ExpectClosed saw bytes, or an open connection.
	ErrNotClosed = errors.New("peer did not close the connection")
	// ErrBadArgument: a timeout, chunk size or length a caller passed that
	// cannot work.
	ErrBadArgument = errors.New("bad argument")
)
