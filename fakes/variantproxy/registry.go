package variantproxy

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Errors of Lookup and of building a variant.
var (
	ErrUnknownVariant   = errors.New("unknown variant")
	ErrUnknownAllowance = errors.New("unknown allowance")
)

// variants holds every variant by name.
var variants = map[string]Variant{
	"pod": {Name: "pod", shape: pod,
		What:     "a per-pod proxy: one VM; a second RegisterVM is refused; after UnregisterVM, or when the VM's agent closes a channel, it closes its listener, removes its socket, closes every connection and exits 0",
		Sentence: "a per-pod proxy (virtcontainers starts one with `-uri unix://PATH` per pod) that serves one VM and, after UnregisterVM or when that VM's agent goes, closes its listener, removes its socket and exits."},
	"system": {Name: "system", shape: system,
		What:     "a system proxy serving many VMs for its whole life that keeps a VM's agent channels connected after UnregisterVM, until the agent closes them or the proxy stops",
		Sentence: "UnregisterVM removes the VM from the client-visible API; the agent channels may stay connected until the VM itself goes."},
}

// Lookup returns the variant called name.
func Lookup(name string) (Variant, error) {
	v, ok := variants[name]
	if !ok {
		return Variant{}, fmt.Errorf("%w: %q, allowed one of: %s", ErrUnknownVariant, name, strings.Join(Names(), ", "))
	}
	return v, nil
}

// Names lists every variant name, sorted.
func Names() []string { return slices.Sorted(maps.Keys(variants)) }
