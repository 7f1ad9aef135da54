package ccproxy

import (
	"encoding/json"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
	"github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
)

// hyper relays a hyperstart command to the attached VM's agent (CCP-S-18..24).
func (ss *session) hyper(payload []byte) (any, error) {
	var p api.Hyper
	if err := decode(payload, &p); err != nil {
		return nil, err
	}
	v := ss.vm
	if v == nil {
		return nil, commandError("Hyper %q: the connection is not attached to a VM (RegisterVM or AttachVM first)", p.HyperName)
	}
	code, ok := hyperstart.CodeByName(p.HyperName)
	if !ok {
		return nil, commandError("Hyper: hyperName %q is unknown, allowed one of %v", p.HyperName, hyperstart.CodeNames())
	}
	data := []byte(p.Data)
	isStart := code == hyperstart.NewContainer || code == hyperstart.ExecCmd
	switch {
	case len(p.Tokens) > 0 && !isStart:
		return nil, commandError("Hyper %q: tokens %q given, allowed none (only newcontainer and execcmd take a token)", p.HyperName, p.Tokens)
	case len(p.Tokens) > 1:
		return nil, commandError("Hyper %q: %d tokens given, allowed at most 1", p.HyperName, len(p.Tokens))
	}
	var t *token
	if isStart {
		proc, err := hyperstart.ProcessOf(p.HyperName, data)
		if err != nil {
			return nil, commandError("Hyper %q: %v", p.HyperName, err)
		}
		// The proxy assigns the sequence numbers: a client never prefills
		// them, with or without a token (CCP-S-21).
		if proc.Stdio != 0 || proc.Stderr != 0 {
			return nil, commandError("Hyper %q: process stdio/stderr are %d/%d, allowed 0/0 (the proxy assigns them)", p.HyperName, proc.Stdio, proc.Stderr)
		}
		if len(p.Tokens) == 1 {
			if t, data, err = ss.relocate(v, p, proc, data); err != nil {
				return nil, err
			}
		} else if data, err = relocateNull(p.HyperName, proc, data); err != nil {
			return nil, err
		}
	}
	reply, err := v.command(code, data)
	if t != nil {
		t.mu.Lock()
		t.started = err == nil
		if err != nil {
			t.container = "" // the token may start a process again
		}
		t.mu.Unlock()
	}
	if err != nil {
		return nil, commandError("Hyper %q: %v", p.HyperName, err)
	}
	return json.RawMessage(reply), nil
}

// relocate claims the token for this start, waits for its shim (CCP-S-23)
// and rewrites the process's stdio and stderr sequence numbers (CCP-S-22).
func (ss *session) relocate(v *vm, p api.Hyper, proc *hyperstart.Process, data []byte) (*token, []byte, error) {
	ss.srv.mu.Lock()
	t := ss.srv.tokens[p.Tokens[0]]
	ss.srv.mu.Unlock()
	if t == nil || t.vm != v {
		return nil, nil, commandError("Hyper %q: token %q is unknown to VM %q", p.HyperName, p.Tokens[0], v.id)
	}
	var ids struct {
		ID        string `json:"id"`
		Container string `json:"container"`
	}
	_ = json.Unmarshal(data, &ids)
	container := ids.Container
	if container == "" {
		container = ids.ID
	}
	t.mu.Lock()
	if t.started || t.container != "" {
		t.mu.Unlock()
		return nil, nil, commandError("Hyper %q: token %q already started a process", p.HyperName, t.value)
	}
	stdio, stderr := t.ioBase, t.ioBase+1
	if proc.Terminal {
		stderr = 0
	}
	t.container, t.stdio, t.startedBy = container, stdio, p.HyperName
	t.mu.Unlock()
	if !t.waitShim(ss.srv.cfg.ShimTimeout) {
		t.mu.Lock()
		t.container = ""
		t.mu.Unlock()
		return nil, nil, commandError("Hyper %q: no shim connected with token %q within %s", p.HyperName, t.value, ss.srv.cfg.ShimTimeout)
	}
	relocated, err := hyperstart.RelocateProcess(p.HyperName, data, stdio, stderr)
	if err != nil {
		return nil, nil, commandError("Hyper %q: %v", p.HyperName, err)
	}
	return t, relocated, nil
}

// The null session: a tokenless start's stdio and stderr sequence numbers,
// whose output nobody reads (CCP-S-22).
const (
	nullStdio  = 1
	nullStderr = 2
)

// relocateNull points a tokenless start's stdio and stderr at the null
// session (stderr 0 with a terminal), as the real proxy does.
func relocateNull(name string, proc *hyperstart.Process, data []byte) ([]byte, error) {
	stderr := uint64(nullStderr)
	if proc.Terminal {
		stderr = 0
	}
	relocated, err := hyperstart.RelocateProcess(name, data, nullStdio, stderr)
	if err != nil {
		return nil, commandError("Hyper %q: %v", name, err)
	}
	return relocated, nil
}
