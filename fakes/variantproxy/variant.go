package variantproxy

import (
	"time"

	"github.com/wirecert/wirecert/fakes/faultyproxy"
	"github.com/wirecert/wirecert/reference/ccproxy"
)

// Bounds of a variant: readyTimeout is its READY wait (ReadyBound);
// awaitLimit bounds a hook's wait for the answers to the commands before
// the frame it judges (a token-bearing start may wait for its shim, then
// for the agent).
const (
	readyTimeout = 5 * time.Second
	awaitLimit   = 2 * time.Minute
)

// shape is a deployment shape of a cc-proxy.
type shape int

const (
	system shape = iota // many VMs for the proxy's whole life
	pod                 // one VM, then the proxy exits
)

// Variant is a legitimate cc-proxy: the reference proxy behind the
// faultyproxy relay, doing what the protocol allows where it differs from
// the reference, and nothing it forbids.
type Variant struct {
	// Name is the variant's name, as Lookup and --variant take it.
	Name string
	// What says what the variant is.
	What string
	// Sentence is the protocol description's sentence that allows its shape.
	Sentence string

	shape shape
}

// Fault returns the relay hooks of v with every allowance but those in
// without. The relay calls its hooks a Fault for historical reasons:
// these break nothing, so Requirement is empty.
func (v Variant) Fault(without ...string) (faultyproxy.Fault, error) {
	allowed, err := allowedWithout(without)
	if err != nil {
		return faultyproxy.Fault{}, err
	}
	b := &behaviour{shape: v.shape, allowed: allowed}
	return faultyproxy.Fault{
		Requirement:   "",
		What:          v.What,
		OnClientFrame: b.onClientFrame,
		OnServerFrame: b.onServerFrame,
		OnAgentCtl:    b.onAgentCtl,
		OnAgentIO:     b.onAgentIO,
		OnAgentDial:   b.onAgentDial,
		OnAgentClose:  b.onAgentClose,
		KeepAgent:     b.keepAgent,
	}, nil
}

// Config is the reference Server's configuration for v.
func (v Variant) Config(without ...string) (ccproxy.Config, error) {
	allowed, err := allowedWithout(without)
	if err != nil {
		return ccproxy.Config{}, err
	}
	cfg := ccproxy.Config{ReadyTimeout: 2 * time.Second}
	if allowed[ReadyBound] {
		cfg.ReadyTimeout = readyTimeout
	}
	return cfg, nil
}

// Start runs v on the unix socket path, with every allowance but those in
// without; opts go to faultyproxy.Start. Done is closed when a per-pod
// variant ended itself (its VM went); Close releases everything.
func Start(path string, v Variant, without []string, opts ...faultyproxy.Option) (*faultyproxy.Proxy, error) {
	f, err := v.Fault(without...)
	if err != nil {
		return nil, err
	}
	cfg, err := v.Config(without...)
	if err != nil {
		return nil, err
	}
	return faultyproxy.Start(path, f, cfg, opts...)
}
