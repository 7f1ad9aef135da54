// Package spacer is the exported spacer conformance suite: service specs
// that drive a spacer service under test over a connected socket, judging
// the fds it hands out, and client specs that run a client under test
// against a fake service that misbehaves on purpose.
//
// Every spec is labelled with the requirement it checks (SPC-S-nn,
// SPC-C-nn) and its level (must, should), and named after the
// requirement's text, so runs select by `--label-filter` and reports group
// by requirement. Specs that create namespaces need root and skip without
// it. Vendor it from a test file:
//
//	var _ = spacer.ServiceSpecs(spacer.CommandService([]string{"/usr/bin/my-spacer"}))
//	var _ = spacer.ClientSpecs(spacer.ClientTarget{Connect: myClientAdapter})
//
// or run it with the wirecert CLI (suites spacer-service, spacer-client).
package spacer
