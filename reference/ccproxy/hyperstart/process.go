package hyperstart

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode"
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
// back by MarshalJSON, so a decode/encode round trip loses nothing. A key
// that matches a known field only case-insensitively ("STDIO", "ſtdio")
// is that field to encoding/json, not an unknown one.
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
	for name := range all {
		if knownProcessField(name) {
			delete(all, name)
		}
	}
	if len(all) == 0 {
		all = nil
	}
	*p = Process(known)
	p.Unknown = all
	return nil
}

// MarshalJSON encodes the known fields plus Unknown; a known field wins over
// an Unknown entry of the same name, whatever its case: a decoder would
// otherwise take either.
func (p Process) MarshalJSON() ([]byte, error) {
	known, err := json.Marshal(processFields(p))
	if err != nil || len(p.Unknown) == 0 {
		return known, err
	}
	all := make(map[string]json.RawMessage, len(p.Unknown)+len(processFieldNames))
	for name, raw := range p.Unknown {
		if !knownProcessField(name) {
			all[name] = raw
		}
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(known, &fields); err != nil {
		return nil, err
	}
	for name, raw := range fields {
		all[name] = raw
	}
	return marshalRaw(all)
}

var processFieldNames = []string{"id", "user", "group", "terminal", "stdio", "stderr", "args", "envs", "workdir"}

// knownProcessField says whether encoding/json decodes the key name into a
// field of Process: it matches field names case-insensitively, with
// Unicode's simple folding (strings.EqualFold).
func knownProcessField(name string) bool {
	for _, known := range processFieldNames {
		if strings.EqualFold(name, known) {
			return true
		}
	}
	return false
}

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
// Keys that spell "stdio" or "stderr" otherwise ("STDIO", "ſtdio") are
// dropped, and two keys at either level that differ only in case are an
// ErrPayload: a case-insensitive decoder such as encoding/json takes one
// or the other by their order, which re-encoding changes, so the agent
// could run another process than the one the proxy judged. Errors
// otherwise as for ProcessOf.
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
	for name := range proc {
		if strings.EqualFold(name, "stdio") || strings.EqualFold(name, "stderr") {
			delete(proc, name)
		}
	}
	for _, level := range []struct {
		where  string
		fields map[string]json.RawMessage
	}{{"payload", top}, {"process", proc}} {
		if a, b, ok := caseTwins(level.fields); ok {
			return nil, fmt.Errorf("hyperstart %s %s: keys %q and %q differ only in case, allowed one of them (a case-insensitive decoder takes either): %w",
				cmdName, level.where, a, b, ErrPayload)
		}
	}
	proc["stdio"] = json.RawMessage(strconv.FormatUint(stdio, 10))
	proc["stderr"] = json.RawMessage(strconv.FormatUint(stderr, 10))
	if top["process"], err = marshalRaw(proc); err != nil {
		return nil, err
	}
	return marshalRaw(top)
}

// marshalRaw encodes fields as one JSON object, each raw value as it was
// but for whitespace: json.Marshal would also escape <, > and & in them
// ("&" becoming "\u0026").
func marshalRaw(fields map[string]json.RawMessage) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(fields); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
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

// caseTwins returns two keys of fields that strings.EqualFold takes for the
// same, the smaller first, if there are any.
func caseTwins(fields map[string]json.RawMessage) (string, string, bool) {
	seen := make(map[string]string, len(fields))
	for name := range fields {
		folded := foldKey(name)
		if other, dup := seen[folded]; dup {
			return min(name, other), max(name, other), true
		}
		seen[folded] = name
	}
	return "", "", false
}

// foldKey maps every rune of s to the smallest of its case-folding orbit,
// so that foldKey(a) == foldKey(b) exactly when strings.EqualFold(a, b).
func foldKey(s string) string {
	var b strings.Builder
	for _, r := range s {
		for {
			next := unicode.SimpleFold(r)
			if next <= r {
				r = next
				break
			}
			r = next
		}
		b.WriteRune(r)
	}
	return b.String()
}

// abbreviate quotes at most 64 bytes of b for an error message.
func abbreviate(b []byte) string {
	if len(b) > 64 {
		return strconv.Quote(string(b[:64])) + "..."
	}
	return strconv.Quote(string(b))
}
