package api

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// RegisterVM is the payload of CmdRegisterVM.
type RegisterVM struct {
	// ContainerID names the VM; it must be new to the proxy.
	ContainerID string `json:"containerId"`
	// CtlSerial is the unix socket path of the agent's ctl channel.
	CtlSerial string `json:"ctlSerial"`
	// IoSerial is the unix socket path of the agent's io channel.
	IoSerial string `json:"ioSerial"`
	// Console, when set, is the path of the VM's console socket.
	Console string `json:"console,omitempty"`
	// NumIOStreams is how many shim tokens the response carries.
	NumIOStreams int `json:"numIOStreams,omitempty"`
}

// IOResponse carries the proxy URL and the tokens of RegisterVM and AttachVM
// responses. URL has no JSON tag upstream, so the key is "URL".
type IOResponse struct {
	// URL is where shims connect to the proxy.
	URL string `json:"URL"`
	// Tokens are the new shim tokens, NumIOStreams of them.
	Tokens []string `json:"tokens"`
}

// RegisterVMResponse is the payload of a RegisterVM response.
type RegisterVMResponse struct {
	// IO is the proxy URL and the VM's shim tokens.
	IO IOResponse `json:"io"`
}

// AttachVM is the payload of CmdAttachVM.
type AttachVM struct {
	// ContainerID names a registered VM.
	ContainerID string `json:"containerId"`
	// NumIOStreams is how many shim tokens the response carries.
	NumIOStreams int `json:"numIOStreams,omitempty"`
}

// AttachVMResponse is the payload of an AttachVM response.
type AttachVMResponse struct {
	// IO is the proxy URL and the new shim tokens.
	IO IOResponse `json:"io"`
}

// UnregisterVM is the payload of CmdUnregisterVM.
type UnregisterVM struct {
	// ContainerID names the registered VM to forget.
	ContainerID string `json:"containerId"`
}

// Hyper is the payload of CmdHyper: a hyperstart command by name, with at
// most one token for process-starting commands.
type Hyper struct {
	// HyperName is the hyperstart command, such as "newcontainer".
	HyperName string `json:"hyperName"`
	// Tokens holds the token of the shim a starting process belongs to.
	Tokens []string `json:"tokens"`
	// Data is the command's hyperstart payload, JSON as the agent takes it.
	Data json.RawMessage `json:"data,omitempty"`
}

// ConnectShim is the payload of CmdConnectShim.
type ConnectShim struct {
	// Token is one of the tokens RegisterVM or AttachVM gave out.
	Token string `json:"token"`
}

// DisconnectShim is the (empty object) payload of CmdDisconnectShim.
type DisconnectShim struct{}

// Signal is the payload of CmdSignal. Rows and Columns are only for
// SIGWINCH.
type Signal struct {
	// SignalNumber is the signal, 0 <= n < MaxSignal.
	SignalNumber int `json:"signalNumber"`
	// Columns is the terminal's new width, for SIGWINCH.
	Columns int `json:"columns,omitempty"`
	// Rows is the terminal's new height, for SIGWINCH.
	Rows int `json:"rows,omitempty"`
}

// ErrorResponse is the payload of a response with E set.
type ErrorResponse struct {
	// Message says what went wrong; never empty.
	Message string `json:"msg"`
}

// LogEntry is the payload of a StreamLog frame.
type LogEntry struct {
	// Source names the sender, such as "shim".
	Source string `json:"source"`
	// ContainerID, when set, is the container the entry is about.
	ContainerID string `json:"containerId,omitempty"`
	// Level is the entry's log level, such as "info".
	Level string `json:"level"`
	// Message is the text logged.
	Message string `json:"msg"`
}

// Signal numbers the protocol treats specially.
const (
	SIGKILL  = 9
	SIGTERM  = 15
	SIGWINCH = 28
	// MaxSignal bounds signalNumber: 0 <= n < MaxSignal.
	MaxSignal = 31
)

// Validate checks a Signal payload: a number in range, and a window size only
// with SIGWINCH, both dimensions non-zero.
func (s Signal) Validate() error {
	if s.SignalNumber < 0 || s.SignalNumber >= MaxSignal {
		return &PayloadError{Field: "signalNumber", Seen: fmt.Sprint(s.SignalNumber), Allowed: "0..30", Err: ErrPayload}
	}
	hasSize := s.Rows != 0 || s.Columns != 0
	if s.SignalNumber == SIGWINCH && (s.Rows == 0 || s.Columns == 0) {
		return &PayloadError{Field: "rows/columns", Seen: fmt.Sprintf("%d/%d", s.Rows, s.Columns), Allowed: "both non-zero with SIGWINCH", Err: ErrPayload}
	}
	if s.SignalNumber != SIGWINCH && hasSize {
		return &PayloadError{Field: "rows/columns", Seen: fmt.Sprintf("%d/%d", s.Rows, s.Columns), Allowed: "0/0 unless signalNumber is 28 (SIGWINCH)", Err: ErrPayload}
	}
	return nil
}

// UnmarshalPayload decodes a JSON payload strictly: unknown fields are
// tolerated (future versions add some) but trailing data is not.
func UnmarshalPayload(payload []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(payload))
	if err := dec.Decode(v); err != nil {
		return &PayloadError{Field: fmt.Sprintf("%T", v), Seen: fmt.Sprintf("%q (%v)", truncate(payload), err), Allowed: "a JSON object", Err: ErrPayload}
	}
	if dec.More() {
		return &PayloadError{Field: fmt.Sprintf("%T", v), Seen: fmt.Sprintf("%q", truncate(payload)), Allowed: "one JSON value", Err: ErrPayload}
	}
	return nil
}

func truncate(b []byte) []byte {
	if len(b) > 64 {
		return b[:64]
	}
	return b
}
