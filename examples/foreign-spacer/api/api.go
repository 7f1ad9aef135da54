// Package api holds the requests and responses of the spacer protocol, as
// the protocol fixes them: the package is named api and the types and
// fields are those of the original, so that gob puts "*api.RoomsRequest"
// and its kin on the wire.
//
// The types are registered with encoding/gob under their plain names at
// init. UnhandlebarRequest is left unregistered on purpose: it is a
// request no service knows.
package api

import "encoding/gob"

func init() {
	gob.Register(&ErrorResponse{})
	gob.Register(&SubspaceRequest{})
	gob.Register(&SubspaceResponse{})
	gob.Register(&RoomsRequest{})
	gob.Register(&RoomsResponse{})
}

// Request is what a client sends.
type Request interface{ isRequest() }

// Response is what a service answers.
type Response interface{ isResponse() }

// ErrorResponse can be transferred in place of any other service response.
type ErrorResponse struct {
	Reason string
}

// RoomsRequest requests new namespaces of the types cgroup, IPC, mnt, net,
// time, and UTS. It cannot be used to request PID and user namespaces, use
// SubspaceRequest instead.
type RoomsRequest struct {
	// at most unix.CLONE_NEWCGROUP | unix.CLONE_NEWIPC | unix.CLONE_NEWNS |
	// unix.CLONE_NEWNET | unix.CLONE_NEWTIME | unix.CLONE_NEWUTS; but not
	// unix.CLONE_NEWUSER | unix.CLONE_NEWPID
	Spaces uint64
}

// RoomsResponse contains open file descriptors (>0) referencing the
// requested new namespaces. A zero file descriptor value indicates that no
// namespace of that particular type was requested and created.
//
// The receiver takes ownership of the file descriptors.
type RoomsResponse struct {
	Cgroup, IPC, Mnt, Net, Time, UTS int
}

// SubspaceRequest indicates which hierarchical namespaces to create, as the
// OR'ed combination of at most unix.CLONE_NEWUSER and unix.CLONE_NEWPID.
type SubspaceRequest struct {
	Spaces uint64 // at most unix.CLONE_NEWUSER | unix.CLONE_NEWPID
}

// SubspaceResponse returns the connected unix domain socket to talk to a
// subspace spacer service instance, a pidfd of that instance, and the new
// user and/or PID namespaces created along with it.
//
// The receiver takes ownership of the file descriptors. Closing Conn
// terminates the connected subspace service.
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

// UnhandlebarRequest is a request no service handles; it is not
// registered with gob.
type UnhandlebarRequest struct{}

func (*RoomsRequest) isRequest()       {}
func (*SubspaceRequest) isRequest()    {}
func (*UnhandlebarRequest) isRequest() {}

func (*ErrorResponse) isResponse()    {}
func (*RoomsResponse) isResponse()    {}
func (*SubspaceResponse) isResponse() {}
