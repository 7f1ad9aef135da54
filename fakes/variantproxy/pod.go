package variantproxy

import (
	"fmt"
	"sync"

	"github.com/wirecert/wirecert/fakes/faultyproxy"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// podPhase is where a per-pod proxy's one VM slot is.
type podPhase int

const (
	slotFree    podPhase = iota
	registering          // a RegisterVM went to the reference, unanswered yet
	registered
)

// podSlot is a per-pod proxy's one VM.
type podSlot struct {
	mu    sync.Mutex
	phase podPhase
	id    string
	vm    *faultyproxy.VMLink // its relayed agent channels, once dialled
	// agentGone: its agent closed a channel before the RegisterVM answer.
	agentGone bool
}

func slotOf(p *faultyproxy.Proxy) *podSlot {
	return p.State("variantproxy/pod", func() any { return &podSlot{} }).(*podSlot)
}

// podRegister lets a RegisterVM through while the slot is free and refuses
// it with an error response otherwise. It judges after this link's earlier
// commands were answered, so a RegisterVM that failed before it leaves the
// slot free for it, as a proxy serving the connection in order would.
func (b *behaviour) podRegister(l *faultyproxy.Link, f api.Frame) []api.Frame {
	l.AwaitResponses(awaitLimit)
	s := slotOf(l.Proxy())
	s.mu.Lock()
	if s.phase != slotFree {
		id := s.id
		s.mu.Unlock()
		msg := fmt.Sprintf("RegisterVM refused: this per-pod proxy serves one VM and %q has the slot; start another proxy for another VM", id)
		if !b.deliver(l, b.errorFrame(api.CmdRegisterVM, msg)) {
			l.Close()
		}
		return nil
	}
	s.phase, s.id, s.vm, s.agentGone = registering, containerID(f.Payload), nil, false
	s.mu.Unlock()
	return []api.Frame{f}
}

// podResponse follows the slot through the reference's answers and says
// whether the proxy ends once f is delivered: after a successful
// UnregisterVM (only the slot's VM can be registered), or a successful
// RegisterVM whose agent already went.
func podResponse(l *faultyproxy.Link, f api.Frame) bool {
	s := slotOf(l.Proxy())
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case isResponse(f, api.CmdRegisterVM) && s.phase == registering:
		if f.Header.Error {
			s.phase, s.vm = slotFree, nil
			return false
		}
		s.phase = registered
		return s.agentGone
	case isResponse(f, api.CmdUnregisterVM) && !f.Header.Error:
		return true
	}
	return false
}

// podDialled notes the relayed channels of the VM being registered.
func podDialled(v *faultyproxy.VMLink) {
	s := slotOf(v.Proxy())
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.phase == registering && v.ID == s.id {
		s.vm = v
	}
}

// podAgentGone ends the proxy when the registered VM's agent closed a
// channel; during its RegisterVM, once the answer is delivered.
func podAgentGone(v *faultyproxy.VMLink) {
	s := slotOf(v.Proxy())
	s.mu.Lock()
	if s.vm != v {
		s.mu.Unlock()
		return
	}
	switch s.phase {
	case registering:
		s.agentGone = true
	case registered:
		s.mu.Unlock()
		v.Proxy().End()
		return
	}
	s.mu.Unlock()
}
