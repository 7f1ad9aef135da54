package variantproxy

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"

	"github.com/wirecert/wirecert/fakes/faultyproxy"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// closesOn says whether f is a frame the proxy never accepts from a
// client: a response, a notification, stdout or stderr, stdin on a
// connection that is no shim, or an invalid log entry.
func closesOn(l *faultyproxy.Link, f api.Frame) bool {
	switch f.Header.Type {
	case api.TypeResponse, api.TypeNotification:
		return true
	case api.TypeStream:
		switch f.Header.Opcode {
		case api.StreamStdout, api.StreamStderr:
			return true
		case api.StreamStdin:
			if l.IsShim() {
				return false
			}
			// A ConnectShim just before it may be unanswered yet.
			l.AwaitResponses(awaitLimit)
			return !l.IsShim()
		case api.StreamLog:
			return !validLogEntry(f.Payload)
		}
	}
	return false
}

// Log entry fields the protocol allows.
var (
	logSources = map[string]bool{"shim": true, "runtime": true}
	logLevels  = map[string]bool{"debug": true, "info": true, "warn": true, "error": true}
)

// validLogEntry says whether payload is one JSON object {source:
// shim|runtime, containerId?: string, level: debug|info|warn|error, msg:
// string}. It is lenient where the protocol says nothing (other members,
// an empty msg), so the variant never closes on a valid entry.
func validLogEntry(payload []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(payload))
	var e map[string]json.RawMessage
	if dec.Decode(&e) != nil || e == nil {
		return false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return false
	}
	source, ok := stringMember(e, "source")
	if !ok || !logSources[source] {
		return false
	}
	level, ok := stringMember(e, "level")
	if !ok || !logLevels[level] {
		return false
	}
	if _, ok := stringMember(e, "msg"); !ok {
		return false
	}
	if raw, has := e["containerId"]; has && !bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		if _, ok := stringMember(e, "containerId"); !ok {
			return false
		}
	}
	return true
}

// stringMember is the string value of member name of e, if it is one.
func stringMember(e map[string]json.RawMessage, name string) (string, bool) {
	raw, ok := e[name]
	if !ok {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return "", false
	}
	return s, true
}
