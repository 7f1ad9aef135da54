// Package conformance_test certifies the foreign spacer (packages service
// and client) with wirecert's spacer suites, vendored as an
// implementation's own repository would: `go test`, `ginkgo`, `ginkgo -p`
// and `ginkgo --label-filter` all run it.
package conformance_test

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"
	"net"
	"os"
	"testing"

	// Importing Ginkgo is also what makes the ginkgo CLI run this package
	// as a Ginkgo suite (with its --label-filter, -p, reports).
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/conformance/report"
	"github.com/wirecert/wirecert/conformance/spacer"
	wc "github.com/wirecert/wirecert/reference/spacer/api"

	"example.com/foreign-spacer/api"
	"example.com/foreign-spacer/client"
	"example.com/foreign-spacer/service"
)

// The service both ways: as a process per spec (this test binary
// re-executed under service.Arg0, which package service's init turns into
// serving fd 3, as for its own sub-services), and in-process.
var _ = spacer.ServiceSpecs(spacer.ServiceTarget{
	Name:    "foreign spacer",
	Path:    testBinary(),
	Command: []string{service.Arg0},
	Serve:   service.Serve,
})

// The client, through an adapter from wirecert's api values to ours.
var _ = spacer.ClientSpecs(spacer.ClientTarget{
	Name: "foreign spacer client",
	Connect: func(conn *net.UnixConn) (spacer.ClientConn, error) {
		return adapter{client.New(conn)}, nil
	},
})

// Our api and wirecert's are both linked in. Ours owns the protocol's gob
// names; wirecert's registers private ones, or init would have panicked.
var _ = BeforeSuite(func() {
	var b bytes.Buffer
	var req api.Request = &api.RoomsRequest{}
	Expect(gob.NewEncoder(&b).Encode(&req)).To(Succeed())
	Expect(b.String()).To(ContainSubstring("*api.RoomsRequest"))
})

func TestConformance(t *testing.T) {
	// wirecert's per-requirement summary and report files; under
	// ginkgo -p merged from every process. Strict: should-level specs
	// count too.
	report.RunSpecs(t, "foreign spacer", report.Options{
		Suite:     "spacer-service,spacer-client",
		Target:    "foreign spacer",
		Strict:    true,
		JSONFile:  "reports/spacer.json",
		JUnitFile: "reports/spacer.junit.xml",
	})
}

// adapter is our client as the suite drives it: wirecert's api values in
// and out, converted field by field. Fd fields move as they are: whoever
// gets the response owns its fds.
type adapter struct{ c *client.Client }

func (a adapter) Do(ctx context.Context, req wc.Request) (wc.Response, error) {
	var ours api.Request
	switch r := req.(type) {
	case *wc.RoomsRequest:
		ours = &api.RoomsRequest{Spaces: r.Spaces}
	case *wc.SubspaceRequest:
		ours = &api.SubspaceRequest{Spaces: r.Spaces}
	default:
		return nil, fmt.Errorf("adapter: no request of ours for %T", req)
	}
	resp, err := a.c.DoContext(ctx, ours)
	switch r := resp.(type) {
	case *api.ErrorResponse:
		return &wc.ErrorResponse{Reason: r.Reason}, err
	case *api.RoomsResponse:
		return &wc.RoomsResponse{Cgroup: r.Cgroup, IPC: r.IPC, Mnt: r.Mnt, Net: r.Net, Time: r.Time, UTS: r.UTS}, err
	case *api.SubspaceResponse:
		return &wc.SubspaceResponse{Conn: r.Conn, PIDFd: r.PIDFd, Subspaces: wc.Subspaces{User: r.User, PID: r.PID}}, err
	}
	return nil, err
}

func (a adapter) Close() error { return a.c.Close() }

func testBinary() string {
	exe, err := os.Executable()
	if err != nil {
		panic(err)
	}
	return exe
}
