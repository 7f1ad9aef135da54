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
	// Field names what was wrong in the response.
	Field string
	// Seen is the value received, as text.
	Seen string
	// Allowed says which values were allowed.
	Allowed string
	// Err is the sentinel it wraps, such as ErrFdCount.
	Err error
}

// Error gives the sentinel, the field, its value and what is allowed.
func (e *ResponseError) Error() string {
	return fmt.Sprintf("spacer response: %v: %s is %s, allowed %s", e.Err, e.Field, e.Seen, e.Allowed)
}

// Unwrap returns the sentinel, for errors.Is.
func (e *ResponseError) Unwrap() error { return e.Err }
