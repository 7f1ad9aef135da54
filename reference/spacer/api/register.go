package api

import (
	"encoding/gob"
	"strings"
)

// The protocol fixes the gob names on the wire ("*api.RoomsRequest", ...).
// Registering this package's types under exactly those names would make
// any process that also holds an implementation following the protocol
// panic at init (gob refuses a second type under a registered name), and a
// vendored suite runs in the implementer's own test binary, beside their
// api package. So the types are registered under local names of the same
// length, which no Go type yields by itself ('~' is no identifier
// character), and package wire swaps local and wire names at the message
// boundary. Same length keeps every byte count of a message as on the wire.
const (
	wirePrefix  = "*api."
	localPrefix = "*wc~."
)

// WireNames are the gob type names the protocol puts on the wire, in the
// order of the seed.
var WireNames = []string{
	"*api.ErrorResponse",
	"*api.SubspaceRequest",
	"*api.SubspaceResponse",
	"*api.RoomsRequest",
	"*api.RoomsResponse",
}

func init() {
	values := []any{&ErrorResponse{}, &SubspaceRequest{}, &SubspaceResponse{}, &RoomsRequest{}, &RoomsResponse{}}
	for i, name := range WireNames {
		local, _ := LocalName(name)
		gob.RegisterName(local, values[i])
	}
}

// LocalName returns the name this process registers with encoding/gob for
// the type the wire calls wire; false for a name the protocol does not
// register.
func LocalName(wire string) (string, bool) {
	if !isWireName(wire) {
		return "", false
	}
	return localPrefix + strings.TrimPrefix(wire, wirePrefix), true
}

// WireName returns the protocol's name for a local gob name, false for a
// name that is not one of this package's.
func WireName(local string) (string, bool) {
	rest, ok := strings.CutPrefix(local, localPrefix)
	if !ok || !isWireName(wirePrefix+rest) {
		return "", false
	}
	return wirePrefix + rest, true
}

func isWireName(name string) bool {
	for _, n := range WireNames {
		if n == name {
			return true
		}
	}
	return false
}
