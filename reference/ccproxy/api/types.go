package api

import "fmt"

// FrameType is the low nibble of header byte 6.
type FrameType uint8

// The four frame types.
const (
	TypeCommand      FrameType = 0
	TypeResponse     FrameType = 1
	TypeStream       FrameType = 2
	TypeNotification FrameType = 3
)

// String names the type as the protocol description does, or gives its
// number.
func (t FrameType) String() string {
	switch t {
	case TypeCommand:
		return "command"
	case TypeResponse:
		return "response"
	case TypeStream:
		return "stream"
	case TypeNotification:
		return "notification"
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

// Command opcodes; responses reuse the opcode of their command.
const (
	CmdRegisterVM     uint8 = 0
	CmdUnregisterVM   uint8 = 1
	CmdAttachVM       uint8 = 2
	CmdHyper          uint8 = 3
	CmdConnectShim    uint8 = 4
	CmdDisconnectShim uint8 = 5
	CmdSignal         uint8 = 6
)

// Stream opcodes.
const (
	StreamStdin  uint8 = 0
	StreamStdout uint8 = 1
	StreamStderr uint8 = 2
	StreamLog    uint8 = 3
)

// Notification opcodes.
const NotificationProcessExited uint8 = 0

// maxOpcode is the highest valid opcode per frame type.
var maxOpcode = [...]uint8{
	TypeCommand:      CmdSignal,
	TypeResponse:     CmdSignal,
	TypeStream:       StreamLog,
	TypeNotification: NotificationProcessExited,
	// indexes 4..15 are never reached: Validate checks Type first.
	15: 0,
}

var (
	commandNames      = [...]string{"RegisterVM", "UnregisterVM", "AttachVM", "Hyper", "ConnectShim", "DisconnectShim", "Signal"}
	streamNames       = [...]string{"stdin", "stdout", "stderr", "log"}
	notificationNames = [...]string{"ProcessExited"}
)

// OpcodeName names an opcode within its frame type, or gives its number.
func OpcodeName(t FrameType, op uint8) string {
	var names []string
	switch t {
	case TypeCommand, TypeResponse:
		names = commandNames[:]
	case TypeStream:
		names = streamNames[:]
	case TypeNotification:
		names = notificationNames[:]
	}
	if int(op) < len(names) {
		return names[op]
	}
	return fmt.Sprintf("opcode(%d)", op)
}
