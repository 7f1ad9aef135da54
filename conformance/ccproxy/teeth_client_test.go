package ccproxy_test

import (
	"github.com/wirecert/wirecert/fakes/faultyshim"
)

// Teeth: every client requirement fails against a shim that breaks exactly
// it, run through the CLI as an implementer would (one shim process per
// session, a terminal as its stdin, stdout and stderr in the sessions that
// have one), and the transparent relay passes them all.
var _ = describeTeeth(teethSuite{
	suite:  "ccproxy-client",
	prefix: "CCP-C-",
	faulty: "github.com/wirecert/wirecert/fakes/faultyshim/cmd/faultyshim",
	faults: faultyshim.Names(),
	command: func(faulty, fault string) string {
		return faulty + " --fault " + fault + " --proxy {socket} --token {token}"
	},
})
