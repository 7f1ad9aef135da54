package faultyproxy

import (
	"encoding/json"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// isResponse says whether f answers the command op, with E as isError.
func isResponse(f api.Frame, op uint8, isError bool) bool {
	return f.Header.Type == api.TypeResponse && f.Header.Opcode == op && f.Header.Error == isError
}

// isCommand says whether f is the command op.
func isCommand(f api.Frame, op uint8) bool {
	return f.Header.Type == api.TypeCommand && f.Header.Opcode == op
}

// success is the raw bytes of an empty or JSON success response.
func success(op uint8, v any) []byte {
	payload, _ := api.MarshalPayload(v)
	return api.AppendFrame(nil, api.NewFrame(api.TypeResponse, op, false, payload))
}

// failure is the raw bytes of an error response with msg.
func failure(op uint8, msg string) []byte {
	payload, _ := json.Marshal(api.ErrorResponse{Message: msg})
	return api.AppendFrame(nil, api.NewFrame(api.TypeResponse, op, true, payload))
}

// raw is the bytes of f exactly as its header says.
func raw(f api.Frame) []byte { return api.AppendFrame(nil, f) }

// hyperOf decodes a Hyper payload, or gives false.
func hyperOf(payload []byte) (api.Hyper, bool) {
	var h api.Hyper
	return h, json.Unmarshal(payload, &h) == nil
}

// isStart says whether a hyperName starts a process.
func isStart(name string) bool { return name == "execcmd" || name == "newcontainer" }

// counter is per-link or per-proxy fault state.
type counter struct{ n int }

// set is per-link or per-proxy fault state: a set of strings.
type set map[string]bool
