package variantproxy

import (
	"sync"

	"github.com/wirecert/wirecert/fakes/faultyproxy"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// unregisteredVMs are the relayed VMs an UnregisterVM named: once the
// reference closes their agent channels, a system variant keeps the
// agent's side connected. A VM counts from the moment its UnregisterVM is
// forwarded, because the reference closes the channels before it answers;
// an UnregisterVM that failed takes its count back.
type unregisteredVMs struct {
	mu    sync.Mutex
	count map[*faultyproxy.VMLink]int
}

func unregisteredOf(p *faultyproxy.Proxy) *unregisteredVMs {
	return p.State("variantproxy/unregistered", func() any {
		return &unregisteredVMs{count: map[*faultyproxy.VMLink]int{}}
	}).(*unregisteredVMs)
}

func (u *unregisteredVMs) add(vms []*faultyproxy.VMLink, n int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, v := range vms {
		if u.count[v] += n; u.count[v] <= 0 {
			delete(u.count, v)
		}
	}
}

// unregisterQueue is one link's UnregisterVM commands awaiting their
// answers, in order (a connection is answered in order), each with the
// VMs it named.
type unregisterQueue struct {
	mu      sync.Mutex
	pending [][]*faultyproxy.VMLink
}

func queueOf(l *faultyproxy.Link) *unregisterQueue {
	return l.State("variantproxy/unregisters", func() any { return &unregisterQueue{} }).(*unregisterQueue)
}

// systemUnregister notes the VMs an UnregisterVM names.
func systemUnregister(l *faultyproxy.Link, f api.Frame) {
	id := containerID(f.Payload)
	var named []*faultyproxy.VMLink
	for _, v := range l.Proxy().VMs() {
		if v.ID == id {
			named = append(named, v)
		}
	}
	unregisteredOf(l.Proxy()).add(named, 1)
	q := queueOf(l)
	q.mu.Lock()
	q.pending = append(q.pending, named)
	q.mu.Unlock()
}

// systemResponse takes back what a failed UnregisterVM noted.
func systemResponse(l *faultyproxy.Link, f api.Frame) {
	if !isResponse(f, api.CmdUnregisterVM) {
		return
	}
	q := queueOf(l)
	q.mu.Lock()
	if len(q.pending) == 0 {
		q.mu.Unlock()
		return
	}
	named := q.pending[0]
	q.pending = q.pending[1:]
	q.mu.Unlock()
	if f.Header.Error {
		unregisteredOf(l.Proxy()).add(named, -1)
	}
}

// unregistered says whether an UnregisterVM named v.
func unregistered(v *faultyproxy.VMLink) bool {
	u := unregisteredOf(v.Proxy())
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.count[v] > 0
}
