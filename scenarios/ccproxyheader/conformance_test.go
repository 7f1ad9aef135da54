package ccproxyheader_test

import (
	"context"

	"github.com/wirecert/wirecert/conformance/ccproxy"
)

// The header-area conformance specs against a fresh proxy process per spec.
// The binary is only known once BeforeSuite ran, so Start builds the
// command target then.
var _ = ccproxy.ServerSpecs(ccproxy.ServerTarget{
	Name: "reference ccproxy binary",
	Start: func(ctx context.Context, dir string) (*ccproxy.ServerInstance, error) {
		return ccproxy.CommandServer([]string{proxyBinary, "--socket", ccproxy.SocketPlaceholder}).Start(ctx, dir)
	},
})
