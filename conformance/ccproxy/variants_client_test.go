package ccproxy_test

import (
	"github.com/wirecert/wirecert/fakes/variantshim"
)

// Variants: the whole client suite passes, through the CLI with --strict,
// every shim that does what the protocol allows but the reference shim
// does not (its window size read from stdin only or stderr only, log
// entries, small stdin frames, the size reported at start, split writes,
// all at once), each run as an implementer would: one process per session,
// a terminal as its stdin, stdout and stderr in the sessions that have one.
var _ = describeVariants(variantSuite{
	suite:    "ccproxy-client",
	prefix:   "CCP-C-",
	binary:   "github.com/wirecert/wirecert/fakes/variantshim/cmd/variantshim",
	variants: variantshim.Names(),
	args: func(binary, variant string) []string {
		return []string{"--command", binary + " --variant " + variant + " --proxy {socket} --token {token}"}
	},
})
