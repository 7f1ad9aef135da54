// Package api defines the requests and responses of the "spacer" namespace
// creation service, exchanged as gob-encoded Request and Response interface
// values over a connected AF_UNIX stream socket, with namespace and other fds
// travelling separately as SCM_RIGHTS ancillary data.
//
// The package name, type names and field names are part of the wire: gob
// sends the registered names "*api.RoomsRequest", "*api.RoomsResponse",
// "*api.SubspaceRequest", "*api.SubspaceResponse" and "*api.ErrorResponse"
// and the field names of each struct. UnhandlebarRequest is deliberately left
// unregistered so that tests can send a request the service cannot know.
//
// Responses carrying fds implement FdsEncoder (the sender takes the fds out of
// the fields before gob-encoding them) and FdsDecoder (the receiver puts the
// received fds back, sorting namespace fds by their NS_GET_NSTYPE and closing
// whatever it cannot place). The message layer that moves one message per
// sendmsg/recvmsg lives in the sibling package wire.
package api
