package hyperstart

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// EnvironmentVar is one entry of Process.Envs.
type EnvironmentVar struct {
	// Env is the variable's name.
	Env string `json:"env"`
	// Value is its value.
	Value string `json:"value"`
}

// Process is the process of an execcmd or newcontainer payload. Stdio and
// Stderr are the io channel sequence numbers of its streams (Stderr 0 when
// Terminal). Fields this type does not know are kept in Unknown and written
// back by MarshalJSON, so a decode/encode round trip loses nothing.
type Process struct {
	ID       string           `json:"id,omitempty"`    // the process's id within its container
	User     string           `json:"user,omitempty"`  // the user it runs as
	Group    string           `json:"group,omitempty"` // the group it runs as
	Terminal bool             `json:"terminal"`        // it runs on a terminal
	Stdio    uint64           `json:"stdio"`           // stdin and stdout's sequence number
	Stderr   uint64           `json:"stderr"`          // stderr's sequence number
	Args     []string         `json:"args"`            // its argv
	Envs     []EnvironmentVar `json:"envs,omitempty"`  // its environment
	Workdir  string           `json:"workdir"`         // its working directory

	// Unknown holds the fields this type does not know, as sent.
	Unknown map[string]json.RawMessage `json:"-"`
}

// processFields has Process's JSON fields without its methods, so the methods
// can use the standard encoding for the known part.
type processFields Process

// UnmarshalJSON decodes the known fields and keeps the others in Unknown.
func (p *Process) UnmarshalJSON(b []byte) error {
	var known processFields
	if err := json.Unmarshal(b, &known); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return err
	}
	for _, name := range processFieldNames {
		delete(all, name)
	}
	if len(all) == 0 {
		all = nil
	}
	*p = Process(known)
	p.Unknown = all
	return nil
}

// MarshalJSON encodes the known fields plus Unknown; a known field wins over
// an Unknown entry of the same name.
func (p Process) MarshalJSON() ([]byte, error) {
	known, err := json.Marshal(processFields(p))
	if err != nil || len(p.Unknown) == 0 {
		return known, err
	}
	all := make(map[string]json.RawMessage, len(p.Unknown)+len(processFieldNames))
	for name, raw := range p.Unknown {
		all[name] = raw
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(known, &fields); err != nil {
		return nil, err
	}
	for name, raw := range fields {
		all[name] = raw
	}
	return json.Marshal(all)
}

var processFieldNames = []string{"id", "user", "group", "terminal", "stdio", "stderr", "args", "envs", "workdir"}

// ProcessOf returns the process of an execcmd or newcontainer payload. Other
// command names give ErrNotProcessCommand; a payload without a process (or
// with "process": null) gives ErrNoProcess.
func ProcessOf(cmdName string, data []byte) (*Process, error) {
	_, raw, err := processPart(cmdName, data)
	if err != nil {
		return nil, err
	}
	var p Process
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("hyperstart %s payload: process is not a process object: %w: %w", cmdName, ErrPayload, err)
	}
	return &p, nil
}

// RelocateProcess returns the execcmd or newcontainer payload data with
// process.stdio and process.stderr set to stdio and stderr; every other field,
// at either level, is kept as the raw JSON it was (key order may change).
// Errors as for ProcessOf.
func RelocateProcess(cmdName string, data []byte, stdio, stderr uint64) ([]byte, error) {
	top, raw, err := processPart(cmdName, data)
	if err != nil {
		return nil, err
	}
	var proc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &proc); err != nil {
		return nil, fmt.Errorf("hyperstart %s payload: process is %s, allowed a JSON object: %w: %w",
			cmdName, abbreviate(raw), ErrPayload, err)
	}
	proc["stdio"] = json.RawMessage(strconv.FormatUint(stdio, 10))
	proc["stderr"] = json.RawMessage(strconv.FormatUint(stderr, 10))
	if top["process"], err = json.Marshal(proc); err != nil {
		return nil, err
	}
	return json.Marshal(top)
}

// processPart splits a payload into its top-level fields and the raw process.
func processPart(cmdName string, data []byte) (map[string]json.RawMessage, json.RawMessage, error) {
	if cmdName != "execcmd" && cmdName != "newcontainer" {
		return nil, nil, fmt.Errorf("hyperstart command %q: allowed execcmd or newcontainer: %w",
			cmdName, ErrNotProcessCommand)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, nil, fmt.Errorf("hyperstart %s payload is %s, allowed a JSON object: %w: %w",
			cmdName, abbreviate(data), ErrPayload, err)
	}
	raw, ok := top["process"]
	if !ok || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, nil, fmt.Errorf("hyperstart %s payload: process is missing, allowed a process object: %w",
			cmdName, ErrNoProcess)
	}
	return top, raw, nil
}

// abbreviate quotes at most 64 bytes of b for an error message.
func abbreviate(b []byte) string {
	if len(b) > 64 {
		return strconv.Quote(string(b[:64])) + "..."
	}
	return strconv.Quote(string(b))
}
