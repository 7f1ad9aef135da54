package ccproxy_test

import (
	"github.com/wirecert/wirecert/fakes/variantproxy"
)

// No false failure: the whole server suite passes, --strict, against every
// legitimate variant proxy, each run through the CLI as an implementer
// would (a per-pod variant with --per-pod).
var _ = describeVariants(variantSuite{
	suite:    "ccproxy-server",
	prefix:   "CCP-S-",
	binary:   "github.com/wirecert/wirecert/fakes/variantproxy/cmd/variantproxy",
	variants: variantproxy.Names(),
	args: func(bin, v string) []string {
		args := []string{"--command", bin + " --variant " + v + " --socket {socket}"}
		if v == "pod" {
			args = append(args, "--per-pod")
		}
		return args
	},
})
