package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/wirecert/wirecert/conformance/ccproxy"
	"github.com/wirecert/wirecert/conformance/spacer"
)

// suite is one conformance suite the CLI runs: how to build its target from
// the flags, and its target for the reference run. Adding a suite is one
// entry in suites.
type suite struct {
	name string
	// prefix is the prefix of the requirement IDs the suite checks.
	prefix string
	// targetHelp says which target flags the suite takes.
	targetHelp string
	// target registers the suite's specs against the target of f.
	target func(f targetFlags) (registration, error)
	// reference registers the suite's specs against the built-in
	// reference implementation.
	reference func(t timeouts) registration
	// preflight, when set, checks a --command target (whose program was
	// found) before the first spec, and says what it saw.
	preflight func(f targetFlags) (string, error)
}

// registration is a suite ready to register: the target's name for the
// report, and the call registering the specs.
type registration struct {
	suite    string
	target   string
	register func()
}

// targetFlags are what a run says about its target.
type targetFlags struct {
	flag    string // the flag the command came from, for messages
	socket  string
	command []string
	perPod  bool // the proxy is per-pod: one VM, gone after UnregisterVM
	timeouts
}

// timeouts are the per-spec, per-step and per-start bounds of a run.
type timeouts struct {
	spec, step, start time.Duration
	// fixedSteps makes a ccproxy-server wait for a response last the
	// step timeout, overdue or not.
	fixedSteps bool
}

var suites = []suite{
	{
		name:       "ccproxy-server",
		prefix:     "CCP-S-",
		targetHelp: "--socket PATH of a running proxy, or --command starting one on {socket}",
		target: func(f targetFlags) (registration, error) {
			var t ccproxy.ServerTarget
			switch {
			case f.socket != "" && len(f.command) > 0:
				return registration{}, usageErrorf("--socket %q and %s %q both given: allowed one of them", f.socket, f.flag, strings.Join(f.command, " "))
			case f.socket != "":
				t = ccproxy.SocketServer(f.socket)
			case len(f.command) > 0:
				if err := needPlaceholders(f, ccproxy.SocketPlaceholder); err != nil {
					return registration{}, err
				}
				t = ccproxy.CommandServer(f.command)
			default:
				return registration{}, usageErrorf("suite ccproxy-server needs a target: %s", "--socket PATH or --command 'CMD {socket}'")
			}
			if f.perPod && f.socket != "" {
				return registration{}, usageErrorf("--per-pod with --socket %q: a per-pod proxy exits with its VM, so every spec needs a fresh one: allowed --per-pod with --command", f.socket)
			}
			t.PerPod, t.FixedSteps = f.perPod, f.fixedSteps
			t.SpecTimeout, t.StepTimeout, t.StartTimeout = f.spec, f.step, f.start
			return registration{"ccproxy-server", t.Name, func() { ccproxy.ServerSpecs(t) }}, nil
		},
		reference: func(to timeouts) registration {
			t := ccproxy.ReferenceServer()
			t.SpecTimeout, t.StepTimeout, t.StartTimeout, t.FixedSteps = to.spec, to.step, to.start, to.fixedSteps
			return registration{"ccproxy-server", t.Name, func() { ccproxy.ServerSpecs(t) }}
		},
		preflight: preflightProxy,
	},
	{
		name:       "ccproxy-client",
		prefix:     "CCP-C-",
		targetHelp: "--command running a shim with {socket} and {token}",
		target: func(f targetFlags) (registration, error) {
			if err := commandOnly(f, "ccproxy-client"); err != nil {
				return registration{}, err
			}
			if err := needPlaceholders(f, ccproxy.SocketPlaceholder, ccproxy.TokenPlaceholder); err != nil {
				return registration{}, err
			}
			t := ccproxy.CommandShim(f.command)
			t.SpecTimeout, t.StepTimeout = f.spec, f.step
			return registration{"ccproxy-client", t.Name, func() { ccproxy.ClientSpecs(t) }}, nil
		},
		reference: func(to timeouts) registration {
			t := ccproxy.ReferenceShim()
			t.SpecTimeout, t.StepTimeout = to.spec, to.step
			return registration{"ccproxy-client", t.Name, func() { ccproxy.ClientSpecs(t) }}
		},
	},
	{
		name:       "spacer-service",
		prefix:     "SPC-S-",
		targetHelp: "--command running a spacer service that serves its connected socket on fd 3",
		target: func(f targetFlags) (registration, error) {
			if err := commandOnly(f, "spacer-service"); err != nil {
				return registration{}, err
			}
			t := spacer.CommandService(f.command)
			t.SpecTimeout, t.StepTimeout = f.spec, f.step
			return registration{"spacer-service", t.Name, func() { spacer.ServiceSpecs(t) }}, nil
		},
		reference: func(to timeouts) registration {
			t := spacer.ReferenceService()
			if bin, ok := siblingSpacer(); ok {
				t = spacer.ReferenceServiceAt(bin)
			}
			t.SpecTimeout, t.StepTimeout = to.spec, to.step
			return registration{"spacer-service", t.Name, func() { spacer.ServiceSpecs(t) }}
		},
		preflight: preflightSpacer,
	},
	{
		name:       "spacer-client",
		prefix:     "SPC-C-",
		targetHelp: "none on the command line: vendor conformance/spacer.ClientSpecs with a Go ClientTarget (only the reference runs here)",
		target: func(f targetFlags) (registration, error) {
			return registration{}, usageErrorf("suite spacer-client has no command form: allowed `wirecert reference --suite spacer-client`, or vendor conformance/spacer.ClientSpecs with a Go ClientTarget")
		},
		reference: func(to timeouts) registration {
			t := spacer.ReferenceClient()
			t.SpecTimeout, t.StepTimeout = to.spec, to.step
			return registration{"spacer-client", t.Name, func() { spacer.ClientSpecs(t) }}
		},
	},
}

// needPlaceholders checks that a command carries every placeholder the
// suite fills in: without {socket} the target listens (or dials) where the
// suite does not look.
func needPlaceholders(f targetFlags, placeholders ...string) error {
	joined := strings.Join(f.command, " ")
	for _, p := range placeholders {
		if !strings.Contains(joined, p) {
			return usageErrorf("%s %q lacks %s: allowed a command using %s", f.flag, joined, p, strings.Join(placeholders, " and "))
		}
	}
	return nil
}

// commandOnly rejects --socket for suites that run a command.
func commandOnly(f targetFlags, suiteName string) error {
	if f.perPod {
		return usageErrorf("--per-pod: suite %s has no proxy under test, allowed only with --suite ccproxy-server", suiteName)
	}
	if f.socket != "" {
		return usageErrorf("--socket %q: suite %s runs a command, allowed --command only", f.socket, suiteName)
	}
	if len(f.command) == 0 {
		return usageErrorf("suite %s needs --command", suiteName)
	}
	return nil
}

// suiteNames lists the suite names, for messages.
func suiteNames() string {
	names := make([]string, len(suites))
	for i, s := range suites {
		names[i] = s.name
	}
	return strings.Join(names, ", ")
}

// findSuites returns the suites named in a comma-separated list; empty
// selects them all.
func findSuites(list string) ([]suite, error) {
	if strings.TrimSpace(list) == "" {
		return slices.Clone(suites), nil
	}
	var out []suite
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		i := slices.IndexFunc(suites, func(s suite) bool { return s.name == name })
		if i < 0 {
			return nil, usageErrorf("--suite %q: allowed %s", name, suiteNames())
		}
		out = append(out, suites[i])
	}
	return out, nil
}

// checkRequire checks that every --require ID belongs to one of ss.
func checkRequire(ids []string, ss []suite) error {
	for _, id := range ids {
		if !slices.ContainsFunc(ss, func(s suite) bool { return strings.HasPrefix(id, s.prefix) }) {
			prefixes := make([]string, len(ss))
			for i, s := range ss {
				prefixes[i] = fmt.Sprintf("%s* (%s)", s.prefix, s.name)
			}
			return usageErrorf("--require %q is not checked by the selected suites: allowed %s", id, strings.Join(prefixes, ", "))
		}
	}
	return nil
}

// SpacerBinary is the reference spacer service's own binary (a build of
// reference/spacer/cmd/spacer) that `wirecert reference` runs for the
// service's process form when it lies beside the wirecert binary, as
// `make conformance` builds them: it starts in a fraction of the time the
// wirecert binary, re-executed otherwise, takes.
const SpacerBinary = "wirecert-spacer"

// siblingSpacer finds SpacerBinary beside the running binary.
func siblingSpacer() (string, bool) {
	exe, err := os.Executable()
	if err != nil {
		return "", false
	}
	bin := filepath.Join(filepath.Dir(exe), SpacerBinary)
	if st, err := os.Stat(bin); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		return "", false
	}
	return bin, true
}
