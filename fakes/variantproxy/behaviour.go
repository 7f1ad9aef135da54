package variantproxy

import (
	"encoding/json"

	"github.com/wirecert/wirecert/fakes/faultyproxy"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// behaviour is one built variant: its shape and allowances, and the relay
// hooks that carry them out. Its state lives in the proxy's and the
// links' State, so one Fault may serve several proxies.
type behaviour struct {
	shape   shape
	allowed allowanceSet
}

// onClientFrame closes on a frame never accepted, refuses a per-pod
// proxy's second VM, and notes each UnregisterVM for the agent channels.
func (b *behaviour) onClientFrame(l *faultyproxy.Link, f api.Frame) []api.Frame {
	if b.allowed[CloseUnaccepted] && closesOn(l, f) {
		// In order: the commands before this frame are answered first.
		l.AwaitResponses(awaitLimit)
		l.Close()
		return nil
	}
	switch {
	case isCommand(f, api.CmdRegisterVM) && b.shape == pod:
		return b.podRegister(l, f)
	case isCommand(f, api.CmdUnregisterVM) && b.shape == system:
		systemUnregister(l, f)
	case isCommand(f, api.CmdHyper) && b.allowed[JSONLayout]:
		noteHyper(l.Proxy(), f)
	}
	return []api.Frame{f}
}

// onServerFrame follows each response (the pod's slot, the system's
// unregistered VMs), rewrites what the allowances rewrite and delivers the
// frame itself; a per-pod proxy whose VM was unregistered then ends.
func (b *behaviour) onServerFrame(l *faultyproxy.Link, f api.Frame) []byte {
	end := false
	if f.Header.Type == api.TypeResponse {
		switch b.shape {
		case pod:
			end = podResponse(l, f)
		case system:
			systemResponse(l, f)
		}
		f = b.response(f)
	}
	if !b.deliver(l, b.rechunkOutput(f)...) {
		l.Close()
	}
	if end {
		l.Proxy().End()
	}
	return nil
}

// onAgentDial notes the per-pod proxy's VM once its channels are relayed.
func (b *behaviour) onAgentDial(v *faultyproxy.VMLink) {
	if b.shape == pod {
		podDialled(v)
	}
}

// onAgentClose ends a per-pod proxy whose VM's agent went.
func (b *behaviour) onAgentClose(v *faultyproxy.VMLink, _ faultyproxy.Channel) {
	if b.shape == pod {
		podAgentGone(v)
	}
}

// keepAgent keeps a system proxy's agent channels of an unregistered VM.
func (b *behaviour) keepAgent(v *faultyproxy.VMLink, _ faultyproxy.Channel) bool {
	return b.shape == system && unregistered(v)
}

// isCommand says whether f is the command op.
func isCommand(f api.Frame, op uint8) bool {
	return f.Header.Type == api.TypeCommand && f.Header.Opcode == op
}

// isResponse says whether f answers the command op.
func isResponse(f api.Frame, op uint8) bool {
	return f.Header.Type == api.TypeResponse && f.Header.Opcode == op
}

// containerID is the containerId of a RegisterVM or UnregisterVM payload,
// or "" when it has none.
func containerID(payload []byte) string {
	var p struct {
		ContainerID string `json:"containerId"`
	}
	_ = json.Unmarshal(payload, &p)
	return p.ContainerID
}
