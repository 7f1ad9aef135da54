package hostile

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Role is which peer a hostile process plays.
type Role string

// The roles.
const (
	RoleProxyServer   Role = "ccproxy-server"
	RoleProxyShim     Role = "ccproxy-shim"
	RoleSpacerService Role = "spacer-service"
)

// Mode is how a hostile peer misbehaves.
type Mode string

// The modes. Not every role has every mode: see Modes.
const (
	// Hang: a server accepts (a spacer service just holds its socket) and
	// then never reads, never answers, never closes.
	Hang Mode = "hang"
	// HangBeforeConnect: a shim that never connects.
	HangBeforeConnect Mode = "hang-before-connect"
	// HangAfterConnect: a shim that sends ConnectShim and then never
	// reads or writes again.
	HangAfterConnect Mode = "hang-after-connect"
	// Trickle: every frame or message is written one byte per Interval
	// (one byte per sendmsg for spacer).
	Trickle Mode = "trickle"
	// Garbage: bytes that are no frame or gob message where one belongs.
	Garbage Mode = "garbage"
	// HugeLength: a header announcing 0xFFFFFFFF bytes (cc-proxy
	// PayloadLength, or a gob message count for spacer), then nothing.
	HugeLength Mode = "huge-length"
	// CloseMidFrame: the header and half the payload, then the connection
	// is closed (a shim then lingers until killed; a spacer service
	// ends).
	CloseMidFrame Mode = "close-mid-frame"
	// ExitMidRequest: the process exits in the middle of an exchange: a
	// server or service once a request arrived, before answering; a shim
	// halfway through sending ConnectShim.
	ExitMidRequest Mode = "exit-mid-request"
)

// ModeInfo says what a mode does in a role.
type ModeInfo struct {
	// Role is the role the mode is played in.
	Role Role
	// Mode is the mode described.
	Mode Mode
	// What says what the process does in that mode and role.
	What string
}

var modes = []ModeInfo{
	{RoleProxyServer, Hang, "accepts every connection, then never reads, answers or closes"},
	{RoleProxyServer, Trickle, "answers every command with an error response written one byte per interval"},
	{RoleProxyServer, Garbage, "answers every command with bytes that are no frame"},
	{RoleProxyServer, HugeLength, "answers every command with a response header of PayloadLength 0xFFFFFFFF and nothing more"},
	{RoleProxyServer, CloseMidFrame, "answers the first command with a header and half its payload, then closes the connection"},
	{RoleProxyServer, ExitMidRequest, "exits the process once a command arrived, before answering"},

	{RoleProxyShim, HangBeforeConnect, "never connects to the proxy"},
	{RoleProxyShim, HangAfterConnect, "sends ConnectShim, then never reads or writes"},
	{RoleProxyShim, Trickle, "sends ConnectShim one byte per interval"},
	{RoleProxyShim, Garbage, "sends bytes that are no frame instead of ConnectShim"},
	{RoleProxyShim, HugeLength, "sends a ConnectShim header of PayloadLength 0xFFFFFFFF and nothing more"},
	{RoleProxyShim, CloseMidFrame, "sends a ConnectShim header and half its payload, closes the connection and lingers"},
	{RoleProxyShim, ExitMidRequest, "sends a ConnectShim header and half its payload, then exits the process"},

	{RoleSpacerService, Hang, "never reads, never answers, never ends (not even on disconnect)"},
	{RoleSpacerService, Trickle, "answers every request with an ErrorResponse sent one byte per sendmsg per interval"},
	{RoleSpacerService, Garbage, "answers every request with bytes that are no gob message"},
	{RoleSpacerService, HugeLength, "answers every request with a gob message count of 0xFFFFFFFF and nothing more"},
	{RoleSpacerService, CloseMidFrame, "answers the first request with half an ErrorResponse, then closes and ends"},
	{RoleSpacerService, ExitMidRequest, "exits the process once a request arrived, before answering"},
}

// ErrUnknownMode is returned by Lookup for a role or mode it does not know.
var ErrUnknownMode = errors.New("unknown hostile mode")

// Modes lists the modes of role, or of every role for "".
func Modes(role Role) []ModeInfo {
	var out []ModeInfo
	for _, m := range modes {
		if role == "" || m.Role == role {
			out = append(out, m)
		}
	}
	return out
}

// Roles lists the roles.
func Roles() []Role { return []Role{RoleProxyServer, RoleProxyShim, RoleSpacerService} }

// Lookup returns the mode called mode of role.
func Lookup(role Role, mode Mode) (ModeInfo, error) {
	if !slices.Contains(Roles(), role) {
		return ModeInfo{}, fmt.Errorf("%w: role is %q, allowed one of: %s", ErrUnknownMode, role, joinRoles())
	}
	var names []string
	for _, m := range Modes(role) {
		if m.Mode == mode {
			return m, nil
		}
		names = append(names, string(m.Mode))
	}
	return ModeInfo{}, fmt.Errorf("%w: mode of %s is %q, allowed one of: %s", ErrUnknownMode, role, mode, strings.Join(names, ", "))
}

func joinRoles() string {
	var names []string
	for _, r := range Roles() {
		names = append(names, string(r))
	}
	return strings.Join(names, ", ")
}
