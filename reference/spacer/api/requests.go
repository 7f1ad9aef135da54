package api

// Request is a message a client sends to the service.
type Request interface{ request() }

// RoomsRequest requests new namespaces of the types cgroup, IPC, mnt, net,
// time, and UTS. It cannot be used to request PID and user namespaces, use
// SubspaceRequest instead.
type RoomsRequest struct {
	// at most unix.CLONE_NEWCGROUP | unix.CLONE_NEWIPC | unix.CLONE_NEWNS |
	// unix.CLONE_NEWNET | unix.CLONE_NEWTIME | unix.CLONE_NEWUTS; but not
	// unix.CLONE_NEWUSER | unix.CLONE_NEWPID
	Spaces uint64
}

// SubspaceRequest indicates which hierarchical namespaces to create, as the
// OR'ed combination of at most unix.CLONE_NEWUSER and unix.CLONE_NEWPID. The
// request must specify at least one of the user and pid namespaces, but is
// not allowed to specify any other type of namespace.
type SubspaceRequest struct {
	Spaces uint64 // at most unix.CLONE_NEWUSER | unix.CLONE_NEWPID
}

// UnhandlebarRequest is a request no service knows: it is not registered
// with gob, so a client has to register it itself to send it, and a service
// must answer it with an ErrorResponse (or close the connection).
type UnhandlebarRequest struct{}

func (*RoomsRequest) request()       {}
func (*SubspaceRequest) request()    {}
func (*UnhandlebarRequest) request() {}
