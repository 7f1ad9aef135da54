package api

import (
	"errors"

	"golang.org/x/sys/unix"
)

// Response is a message the service sends back for a Request.
type Response interface{ response() }

// ErrorResponse can be transferred in place of any other service response.
// It also is an error, so clients can hand it on as such.
type ErrorResponse struct {
	// Reason says why the request failed.
	Reason string
}

// Error returns the reason given by the service.
func (e *ErrorResponse) Error() string { return "spacer service failed: " + e.Reason }

// RoomsResponse contains open file descriptors (>0) referencing the
// requested new namespaces. A zero file descriptor value indicates that no
// namespace of that particular type was requested and created.
//
// The receiver takes ownership of the file descriptors and must close them.
type RoomsResponse struct {
	// Cgroup, IPC, Mnt, Net, Time and UTS are the fds of the new
	// namespaces of each type; 0 for a type not requested.
	Cgroup, IPC, Mnt, Net, Time, UTS int
}

// SubspaceResponse returns the connected unix domain socket to talk to a
// subspace service instance, a pidfd of that instance, as well as the new
// user and/or PID namespaces created along with it.
//
// The receiver takes ownership of the file descriptors and must close them.
// Closing Conn terminates the connected subspace service.
type SubspaceResponse struct {
	Conn  int // fd of client unix domain socket
	PIDFd int // PID fd for the serving process
	Subspaces
}

// Subspaces contains namespace references in form of open file descriptors.
type Subspaces struct {
	User int // if >0, the user namespace referencing fd.
	PID  int // if >0, the PID namespace referencing fd.
}

func (*ErrorResponse) response()    {}
func (*RoomsResponse) response()    {}
func (*SubspaceResponse) response() {}

// Close closes all fds held by the response and zeroes the fields.
func (s *RoomsResponse) Close() error {
	return closeFields(&s.Cgroup, &s.IPC, &s.Mnt, &s.Net, &s.Time, &s.UTS)
}

// Close closes all fds held by the response and zeroes the fields.
func (s *SubspaceResponse) Close() error {
	return closeFields(&s.Conn, &s.PIDFd, &s.User, &s.PID)
}

func closeFields(fields ...*int) error {
	var errs []error
	for _, f := range fields {
		if *f > 0 {
			errs = append(errs, unix.Close(*f))
		}
		*f = 0
	}
	return errors.Join(errs...)
}
