// Package api is an independent copy of the spacer protocol's types, as an
// implementation following the protocol declares them: package api, the
// seed's type and field names, registered with gob.Register under the names
// the wire requires. The wire tests link it beside wirecert's own api
// package to show that both live in one process.
package api

import "encoding/gob"

// Request is a message a client sends.
type Request interface{ isRequest() }

// Response is a message the service sends back.
type Response interface{ isResponse() }

// RoomsRequest asks for new namespaces.
type RoomsRequest struct {
	// Spaces are the CLONE_NEW* flags of the namespaces asked for.
	Spaces uint64
}

// SubspaceRequest asks for a sub-service.
type SubspaceRequest struct {
	// Spaces are CLONE_NEWUSER and/or CLONE_NEWPID.
	Spaces uint64
}

// ErrorResponse is a failure.
type ErrorResponse struct {
	// Reason says why.
	Reason string
}

// RoomsResponse carries namespace fds.
type RoomsResponse struct {
	// Cgroup, IPC, Mnt, Net, Time and UTS are the new namespaces' fds.
	Cgroup, IPC, Mnt, Net, Time, UTS int
}

// SubspaceResponse carries a sub-service's fds.
type SubspaceResponse struct {
	// Conn is the socket to the sub-service, PIDFd a pidfd of it.
	Conn, PIDFd int
	Subspaces
}

// Subspaces are the new user and PID namespaces.
type Subspaces struct {
	// User and PID are the new namespaces' fds.
	User, PID int
}

func (*RoomsRequest) isRequest()      {}
func (*SubspaceRequest) isRequest()   {}
func (*ErrorResponse) isResponse()    {}
func (*RoomsResponse) isResponse()    {}
func (*SubspaceResponse) isResponse() {}

func init() {
	// gob.Register names a pointer type "*" + its type's String(): the
	// package name, hence "api"
	gob.Register(&ErrorResponse{})
	gob.Register(&SubspaceRequest{})
	gob.Register(&SubspaceResponse{})
	gob.Register(&RoomsRequest{})
	gob.Register(&RoomsResponse{})
}
