package spacer

import (
	"errors"
	"fmt"
)

// Sentinels that *ResponseError wraps; test with errors.Is. A service's
// ErrorResponse comes back as *api.ErrorResponse instead.
var (
	// ErrUnexpectedResponse: a response of the wrong type for the request.
	ErrUnexpectedResponse = errors.New("unexpected response type")
	// ErrMissingFd: a requested fd did not arrive or could not be placed.
	ErrMissingFd = errors.New("missing fd")
	// ErrUnrequestedFd: an fd arrived for something not requested.
	ErrUnrequestedFd = errors.New("unrequested fd")
	// ErrFdCount: a SubspaceResponse with fewer or more fds than its
	// request implies; they were closed.
	ErrFdCount = errors.New("wrong number of fds")
	// ErrServiceStart: the service or sub-service process did not come up.
	ErrServiceStart = errors.New("cannot start service")
)

// ResponseError says what was wrong with a response: field, value seen,
// value allowed.
type ResponseError struct {
	Field   string
	Seen    string
	Allowed string
	Err     error
}

func (e *ResponseError) Error() string {
	return fmt.Sprintf("spacer response: %v: %s is %s, allowed %s", e.Err, e.Field, e.Seen, e.Allowed)
}

func (e *ResponseError) Unwrap() error { return e.Err }
