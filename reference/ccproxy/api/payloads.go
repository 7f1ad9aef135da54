package api

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// RegisterVM is the payload of CmdRegisterVM.
type RegisterVM struct {
	ContainerID  string `json:"containerId"`
	CtlSerial    string `json:"ctlSerial"`
	IoSerial     string `json:"ioSerial"`
	Console      string `json:"console,omitempty"`
	NumIOStreams int    `json:"numIOStreams,omitempty"`
}

// IOResponse carries the proxy URL and the tokens of RegisterVM and AttachVM
// responses. URL has no JSON tag upstream, so the key is "URL".
type IOResponse struct {
	URL    string   `json:"URL"`
	Tokens []string `json:"tokens"`
}

// RegisterVMResponse is the payload of a RegisterVM response.
type RegisterVMResponse struct {
	IO IOResponse `json:"io"`
}

// AttachVM is the payload of CmdAttachVM.
type AttachVM struct {
	ContainerID  string `json:"containerId"`
	NumIOStreams int    `json:"numIOStreams,omitempty"`
}

// AttachVMResponse is the payload of an AttachVM response.
type AttachVMResponse struct {
	IO IOResponse `json:"io"`
}

// UnregisterVM is the payload of CmdUnregisterVM.
type UnregisterVM struct {
	ContainerID string `json:"containerId"`
}

// Hyper is the payload of CmdHyper: a hyperstart command by name, with at
// most one token for process-starting commands.
type Hyper struct {
	HyperName string          `json:"hyperName"`
	Tokens    []string        `json:"tokens"`
	Data      json.RawMessage `json:"data,omitempty"`
}

// ConnectShim is the payload of CmdConnectShim.
type ConnectShim struct {
	Token string `json:"token"`
}

// DisconnectShim is the (empty object) payload of CmdDisconnectShim.
type DisconnectShim struct{}

// Signal is the payload of CmdSignal. Rows and Columns are only for
// SIGWINCH.
type Signal struct {
	SignalNumber int `json:"signalNumber"`
	Columns      int `json:"columns,omitempty"`
	Rows         int `json:"rows,omitempty"`
}

// ErrorResponse is the payload of a response with E set.
type ErrorResponse struct {
	Message string `json:"msg"`
}

// LogEntry is the payload of a StreamLog frame.
type LogEntry struct {
	Source      string `json:"source"`
	ContainerID string `json:"containerId,omitempty"`
	Level       string `json:"level"`
	Message     string `json:"msg"`
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
