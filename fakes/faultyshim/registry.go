package faultyshim

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// ErrUnknownFault: Lookup got a name no fault has.
var ErrUnknownFault = errors.New("unknown fault")

// faults holds every fault by name; a name is the requirement ID it breaks
// (with a -must or -should suffix only when a requirement has both levels).
var faults = map[string]Fault{
	// None breaks nothing: the reference shim behind the relay must pass
	// the whole client suite.
	"none": {Requirement: "", What: "a transparent relay in front of the reference shim"},
}

// register adds faults at init time; a duplicate name is a programming error.
func register(name string, f Fault) {
	if _, dup := faults[name]; dup {
		panic(fmt.Sprintf("fault %q registered twice", name))
	}
	faults[name] = f
}

// Lookup returns the fault called name.
func Lookup(name string) (Fault, error) {
	f, ok := faults[name]
	if !ok {
		return Fault{}, fmt.Errorf("%w: fault %q, allowed one of: %s", ErrUnknownFault, name, strings.Join(Names(), ", "))
	}
	return f, nil
}

// Names lists every fault name, sorted.
func Names() []string { return slices.Sorted(maps.Keys(faults)) }
