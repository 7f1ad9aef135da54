package faultyproxy

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// faults holds every fault by name; a name is the requirement ID it breaks,
// with a suffix when a requirement has several (CCP-S-07-must).
var faults = map[string]Fault{
	// None breaks nothing: the relay alone must pass the whole suite.
	"none": {Requirement: "", What: "a transparent relay in front of the reference Server"},
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
		return Fault{}, fmt.Errorf("fault %q is unknown, allowed one of: %s", name, strings.Join(Names(), ", "))
	}
	return f, nil
}

// Names lists every fault name, sorted.
func Names() []string { return slices.Sorted(maps.Keys(faults)) }
