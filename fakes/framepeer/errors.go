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
	// ErrNotRead: SendEachRead's peer did not read what was sent in time.
	ErrNotRead = errors.New("peer did not read what was sent")
	// ErrBadArgument: a timeout, chunk size or length a caller passed that
	// cannot work.
	ErrBadArgument = errors.New("bad argument")
)
