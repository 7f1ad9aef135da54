package fakespacer

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Break names the one way a fake service departs from the protocol.
type Break string

// The breaks of a fake service. Requirement tells which service
// requirement each violates; the client specs use some of them as a
// hostile service.
const (
	// None breaks nothing: the fake alone must pass the service suite.
	None Break = "none"
	// WrongType replaces the first requested namespace fd by one of
	// another type: a net namespace, or a UTS one when net comes first.
	WrongType Break = "wrong-type"
	// FileForNamespace replaces the first requested namespace fd by a
	// regular file.
	FileForNamespace Break = "file-for-namespace"
	// SocketForNamespace replaces the first requested namespace fd by a
	// socket.
	SocketForNamespace Break = "socket-for-namespace"
	// OldTime hands out the service's own time namespace instead of a new
	// one: the real spacer's defect (unshare(CLONE_NEWTIME) only affects
	// children).
	OldTime Break = "old-time"
	// CallerNamespaces hands out its client's namespaces (the peer's of
	// its socket, SO_PEERCRED) instead of new ones. As a process (Main) it
	// first moves into new namespaces of every RoomsRequest type, so that
	// what it hands out differs from its own: only a comparison with the
	// caller's tells them from new ones.
	CallerNamespaces Break = "caller-namespaces"
	// InitNamespaces hands out PID 1's namespaces instead of new ones.
	InitNamespaces Break = "init-namespaces"
	// ForeignOwner hands out new namespaces owned by a user namespace of
	// a sub-service instead of the service's own.
	ForeignOwner Break = "foreign-owner"
	// ExtraFd sends a pipe end along with every RoomsResponse.
	ExtraFd Break = "extra-fd"
	// FdsOnError sends a namespace fd and a pipe end with every
	// ErrorResponse.
	FdsOnError Break = "fds-on-error"
	// TooManyFds sends SCM_MAX_FD (253) fds with every RoomsResponse:
	// more than any client's ancillary room, so it sees MSG_CTRUNC.
	TooManyFds Break = "too-many-fds"
	// Coalesce sends every RoomsResponse twice in one sendmsg, with the
	// fds of both.
	Coalesce Break = "coalesce"
	// SubspaceTooFew leaves the last fd out of every SubspaceResponse: the
	// last requested namespace's.
	SubspaceTooFew Break = "subspace-too-few"
	// SubspaceTooMany sends one fd more with every SubspaceResponse than
	// its request implies: the namespace of the type not requested (a PID
	// one with a user one, a user one with a PID one), a second user
	// namespace with both; the fake's own.
	SubspaceTooMany Break = "subspace-too-many"
	// FdsInBody leaves the fd numbers in the gob body of every
	// RoomsResponse and SubspaceResponse (EncodeFds's zeroing undone),
	// besides sending the fds as SCM_RIGHTS.
	FdsInBody Break = "fds-in-body"
	// LaxSpaces answers invalid Spaces with an empty response of the
	// request's type instead of an ErrorResponse.
	LaxSpaces Break = "lax-spaces"
	// KeepFds keeps a copy of every namespace fd it sends.
	KeepFds Break = "keep-fds"
	// SubspaceFdOrder sends a SubspaceResponse's PIDFd before its Conn.
	SubspaceFdOrder Break = "subspace-fd-order"
	// PidfdOfSelf sends a pidfd of the service itself instead of the
	// sub-service's.
	PidfdOfSelf Break = "pidfd-of-self"
	// CrashOnGarbage panics on a request it cannot decode.
	CrashOnGarbage Break = "crash-on-garbage"
	// CloseOnUnknown closes the connection on an unknown or undecodable
	// request instead of answering it: the real spacer's defect.
	CloseOnUnknown Break = "close-on-unknown"
	// DropPipelined decodes one request per recvmsg and drops the rest of
	// it, as the real spacer does; it reads only once the client has read
	// its previous response, so requests sent before that come in one
	// recvmsg and all but the first are dropped.
	DropPipelined Break = "drop-pipelined"
	// KeepRequestFds keeps the fds that come with a request instead of
	// closing them.
	KeepRequestFds Break = "keep-request-fds"
	// Linger does not end when the client disconnects (it waits out its
	// idle timeout).
	Linger Break = "linger"
	// LeakFd opens /dev/null for every request and never closes it.
	LeakFd Break = "leak-fd"
)

// BreakInfo says what a break does and which requirement it violates.
type BreakInfo struct {
	// Break is the break described.
	Break Break
	// Requirement is the ID of the requirement it violates; empty for
	// None.
	Requirement string
	// What says what the fake does instead of the protocol.
	What string
}

var breaks = map[Break]BreakInfo{
	None:               {None, "", "breaks nothing"},
	WrongType:          {WrongType, "SPC-S-01", "the first requested namespace fd is of another type (net, or UTS for net)"},
	FileForNamespace:   {FileForNamespace, "SPC-S-01", "a regular file where the first requested namespace fd belongs"},
	SocketForNamespace: {SocketForNamespace, "SPC-S-01", "a socket where the first requested namespace fd belongs"},
	OldTime:            {OldTime, "SPC-S-01", "the service's own time namespace instead of a new one"},
	CallerNamespaces:   {CallerNamespaces, "SPC-S-01", "the client's namespaces (SO_PEERCRED), from namespaces of its own"},
	InitNamespaces:     {InitNamespaces, "SPC-S-01", "PID 1's namespaces"},
	SubspaceTooFew:     {SubspaceTooFew, "SPC-S-05", "the last fd left out of every SubspaceResponse"},
	SubspaceTooMany:    {SubspaceTooMany, "SPC-S-05", "one namespace fd more than requested with every SubspaceResponse"},
	FdsInBody:          {FdsInBody, "SPC-S-09", "the fd numbers left in the gob body of every response"},
	ForeignOwner:       {ForeignOwner, "SPC-S-01", "new namespaces owned by a sub-service's user namespace"},
	ExtraFd:            {ExtraFd, "SPC-S-02", "a pipe end beyond the requested fds"},
	FdsOnError:         {FdsOnError, "SPC-S-02", "fds attached to every ErrorResponse"},
	TooManyFds:         {TooManyFds, "SPC-S-02", "253 fds with every RoomsResponse"},
	Coalesce:           {Coalesce, "SPC-S-02", "every RoomsResponse twice in one sendmsg"},
	LaxSpaces:          {LaxSpaces, "SPC-S-03", "an empty response instead of an ErrorResponse for invalid Spaces"},
	KeepFds:            {KeepFds, "SPC-S-04", "keeps a copy of every namespace fd it sends"},
	SubspaceFdOrder:    {SubspaceFdOrder, "SPC-S-05", "PIDFd before Conn in a SubspaceResponse"},
	PidfdOfSelf:        {PidfdOfSelf, "SPC-S-05", "a pidfd of the service instead of the sub-service"},
	CrashOnGarbage:     {CrashOnGarbage, "SPC-S-06", "panics on an undecodable request"},
	CloseOnUnknown:     {CloseOnUnknown, "SPC-S-06", "closes the connection on an unknown request (SHOULD answer)"},
	DropPipelined:      {DropPipelined, "SPC-S-06", "drops requests sent before the previous response was read (SHOULD answer each)"},
	KeepRequestFds:     {KeepRequestFds, "SPC-S-06", "keeps the fds that come with a request"},
	Linger:             {Linger, "SPC-S-07", "does not end when the client disconnects"},
	LeakFd:             {LeakFd, "SPC-S-08", "leaks an fd per request"},
}

// ErrUnknownBreak is returned by LookupBreak for a name it does not know.
var ErrUnknownBreak = errors.New("unknown break")

// LookupBreak returns the break called name.
func LookupBreak(name string) (BreakInfo, error) {
	info, ok := breaks[Break(name)]
	if !ok {
		return BreakInfo{}, fmt.Errorf("%w: --break is %q, allowed one of: %s", ErrUnknownBreak, name, strings.Join(breakNames(), ", "))
	}
	return info, nil
}

// Breaks lists every break, sorted by requirement, then name.
func Breaks() []BreakInfo {
	var all []BreakInfo
	for _, info := range breaks {
		all = append(all, info)
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].Requirement != all[j].Requirement {
			return all[i].Requirement < all[j].Requirement
		}
		return all[i].Break < all[j].Break
	})
	return all
}

func breakNames() []string {
	var names []string
	for _, info := range Breaks() {
		names = append(names, string(info.Break))
	}
	return names
}
