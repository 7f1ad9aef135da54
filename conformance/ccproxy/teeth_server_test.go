package ccproxy_test

import (
	"github.com/wirecert/wirecert/fakes/faultyproxy"
)

// Teeth: every server requirement fails against a proxy that breaks exactly
// it, run through the CLI as an implementer would (one proxy process per
// spec), and the transparent relay passes them all.
var _ = describeTeeth(teethSuite{
	suite:  "ccproxy-server",
	prefix: "CCP-S-",
	faulty: "github.com/wirecert/wirecert/fakes/faultyproxy/cmd/faultyproxy",
	faults: faultyproxy.Names(),
	command: func(faulty, fault string) string {
		return faulty + " --fault " + fault + " --socket {socket}"
	},
})
