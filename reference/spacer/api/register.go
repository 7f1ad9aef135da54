package api

import "encoding/gob"

// The wire names are fixed by the protocol, so they are spelled out instead
// of derived from the Go types (which would yield the same names only as
// long as the package stays named api).
func init() {
	gob.RegisterName("*api.ErrorResponse", &ErrorResponse{})
	gob.RegisterName("*api.SubspaceRequest", &SubspaceRequest{})
	gob.RegisterName("*api.SubspaceResponse", &SubspaceResponse{})
	gob.RegisterName("*api.RoomsRequest", &RoomsRequest{})
	gob.RegisterName("*api.RoomsResponse", &RoomsResponse{})
}
