package variantproxy

import (
	"strconv"
	"sync"

	"github.com/wirecert/wirecert/fakes/faultyproxy"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
	"github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
)

// onAgentCtl re-encodes the JSON of ctl commands on their way to the
// agent: starts re-marshalled (RemarshalStarts), the killcontainer and
// winsize the proxy makes of a Signal with their keys in another order
// (JSONLayout); a client's own Hyper killcontainer or winsize goes
// verbatim. A payload that is no JSON, or would no longer fit a ctl frame,
// passes untouched.
func (b *behaviour) onAgentCtl(v *faultyproxy.VMLink, f hyperstart.CtlFrame) []hyperstart.CtlFrame {
	var out []byte
	var err error
	switch {
	case (f.Code == hyperstart.NewContainer || f.Code == hyperstart.ExecCmd) && b.allowed[RemarshalStarts]:
		out, err = remarshalStart(f.Payload)
	case (f.Code == hyperstart.KillContainer || f.Code == hyperstart.WinSize) && b.allowed[JSONLayout]:
		if verbatimOf(v.Proxy()).take(f.Code, f.Payload) {
			return []hyperstart.CtlFrame{f}
		}
		out, err = reencode(f.Payload, jsonStyle{reverseKeys: true})
	default:
		return []hyperstart.CtlFrame{f}
	}
	if err == nil && len(out) <= hyperstart.CtlMaxPayload {
		f.Payload = out
	}
	return []hyperstart.CtlFrame{f}
}

// addedToProcess are the zero-valued members a re-marshalled start gains
// in its process where the payload had none of that name.
var addedToProcess = map[string]any{"user": "", "group": "", "envs": []any{}}

// remarshalStart re-marshals a newcontainer or execcmd payload: zero-valued
// members dropped at every level, zero-valued process members it lacked
// added, keys reverse-sorted; every non-zero value stays as it was.
func remarshalStart(payload []byte) ([]byte, error) {
	v, err := decodeOne(payload)
	if err != nil {
		return nil, err
	}
	out := withoutZeroMembers(v)
	if top, ok := v.(map[string]any); ok {
		proc, isObject := top["process"].(map[string]any)
		relocated, _ := out.(map[string]any)["process"].(map[string]any)
		if isObject && relocated != nil {
			for k, zero := range addedToProcess {
				if _, had := proc[k]; !had {
					relocated[k] = zero
				}
			}
		}
	}
	return jsonStyle{reverseKeys: true}.encode(out)
}

// onAgentIO splits a stdin packet of two bytes or more in two
// (RechunkStreams); an empty one, EOF, passes as it is.
func (b *behaviour) onAgentIO(_ *faultyproxy.VMLink, f hyperstart.IOFrame) []hyperstart.IOFrame {
	if !b.allowed[RechunkStreams] || len(f.Data) < 2 {
		return []hyperstart.IOFrame{f}
	}
	half := len(f.Data) / 2
	return []hyperstart.IOFrame{{Seq: f.Seq, Data: f.Data[:half]}, {Seq: f.Seq, Data: f.Data[half:]}}
}

// verbatimCtl counts the ctl commands clients sent through Hyper whose
// data must reach the agent verbatim (CCP-S-19), by code and bytes, so the
// proxy's own commands of the same code can be told from them. One the
// reference refused stays counted: at worst a proxy command with the very
// same bytes then goes verbatim too.
type verbatimCtl struct {
	mu    sync.Mutex
	count map[string]int
}

func verbatimOf(p *faultyproxy.Proxy) *verbatimCtl {
	return p.State("variantproxy/verbatim", func() any { return &verbatimCtl{count: map[string]int{}} }).(*verbatimCtl)
}

func verbatimKey(code hyperstart.Code, data []byte) string {
	return strconv.FormatUint(uint64(code), 10) + ":" + string(data)
}

// note counts a Hyper command that may reach the agent with code and data.
func (c *verbatimCtl) note(code hyperstart.Code, data []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.count[verbatimKey(code, data)]++
}

// take says whether a ctl command is a noted one, and uncounts it.
func (c *verbatimCtl) take(code hyperstart.Code, data []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := verbatimKey(code, data)
	if c.count[k] == 0 {
		return false
	}
	if c.count[k]--; c.count[k] == 0 {
		delete(c.count, k)
	}
	return true
}

// noteHyper notes a client's Hyper killcontainer or winsize.
func noteHyper(p *faultyproxy.Proxy, f api.Frame) {
	var h api.Hyper
	if api.UnmarshalPayload(f.Payload, &h) != nil {
		return
	}
	if code, ok := hyperstart.CodeByName(h.HyperName); ok && (code == hyperstart.KillContainer || code == hyperstart.WinSize) {
		verbatimOf(p).note(code, h.Data)
	}
}
