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
package ccproxy
