// Package ccproxy is the exported cc-proxy conformance suite: server specs
// that drive a proxy under test (with a fake VM agent behind it) and client
// specs that run a shim under test against a scriptable fake proxy.
//
// Every spec is labelled with the requirement ID it checks (CCP-S-nn,
// CCP-C-nn) and its level (must, should), and its description carries the
// requirement's text, so runs select by `--label-filter` and reports group
// by requirement. Vendor it from a test file:
//
//	var _ = ccproxy.ServerSpecs(ccproxy.ServerTarget{
//		Dial: func() (net.Conn, error) { return net.Dial("unix", mySocket) },
//	})
//
// or run it with the wirecert CLI.
//
// Server targets come in two shapes: a system proxy serves many VMs for its
// whole life; a per-pod proxy (ServerTarget.PerPod, which needs Start)
// serves one VM and exits after UnregisterVM or when that VM's agent goes.
// For a per-pod proxy, specs that need a second VM start a second proxy,
// specs that need the proxy after UnregisterVM check that it went away, and
// a spec that cannot apply says so (requirement.NotApplicable) instead of
// failing.
//
// Client sessions give the shim what a runtime does: a session that needs a
// terminal (ShimRun.Terminal) gives it one pseudo-terminal as stdin, stdout
// and stderr, so a shim may read its window size from any of them; the
// others give it pipes.
package ccproxy
