package spacer

import (
	"context"
	"net"
	"os"
	"strings"

	"github.com/wirecert/wirecert/fakes/fakespacer"
	refspacer "github.com/wirecert/wirecert/reference/spacer"
	"github.com/wirecert/wirecert/reference/spacer/api"
)

// ReferenceIdleTimeout bounds the in-process reference service's wait for a
// request: long enough for any spec, short enough not to outlive a run.
const ReferenceIdleTimeout = DefaultSpecTimeout

// CommandService targets a service process started per spec by running
// argv with its socket on fd 3 (for instance reference/spacer/cmd/spacer).
func CommandService(argv []string) ServiceTarget {
	return ServiceTarget{
		Name:    "command " + strings.Join(argv, " "),
		Command: append([]string(nil), argv...),
	}
}

// ReferenceService targets the reference service both ways: as a process
// (the running binary re-executed under spacer.ServiceArg0, which any
// binary importing this package understands) and in-process (Serve).
func ReferenceService() ServiceTarget {
	t := ServiceTarget{
		Name:    "reference spacer",
		Command: []string{refspacer.ServiceArg0},
		Serve: func(conn *net.UnixConn) error {
			return refspacer.Serve(conn, refspacer.WithIdleTimeout(ReferenceIdleTimeout))
		},
	}
	if exe, err := os.Executable(); err == nil {
		t.Path = exe
	} else {
		t.Command = nil // cannot re-execute: in-process only
	}
	return t
}

// ReferenceServiceAt is ReferenceService with the process form run from
// the reference service's own small binary at path (a build of
// reference/spacer/cmd/spacer) instead of the running binary: each start
// then costs a fraction of re-executing a large test binary or CLI (about
// 8 ms against 31 ms for the wirecert CLI, measured here).
func ReferenceServiceAt(path string) ServiceTarget {
	t := ReferenceService()
	t.Path, t.Command = path, []string{"spacer"}
	return t
}

// FakeService targets a fake service process that breaks b (see
// fakespacer.Breaks): the running binary re-executed under
// fakespacer.ServiceArg0. Against it, the specs of b's requirement fail.
func FakeService(b fakespacer.Break) ServiceTarget {
	path, argv, err := fakespacer.ServiceCommand(b)
	t := ServiceTarget{Name: "fakespacer --break " + string(b), Path: path, Command: argv}
	if err != nil {
		t.Command = []string{"/nonexistent/fakespacer: " + err.Error()}
	}
	return t
}

// VariantService targets a fake service process serving as variant v
// (see fakespacer.Variants): the running binary re-executed under
// fakespacer.ServiceArg0. A variant does only what the protocol allows, so
// against it every spec passes, should-level ones too.
func VariantService(v fakespacer.Variant) ServiceTarget {
	path, argv, err := fakespacer.VariantCommand(v)
	t := ServiceTarget{Name: "fakespacer --variant " + string(v), Path: path, Command: argv}
	if err != nil {
		t.Command = []string{"/nonexistent/fakespacer: " + err.Error()}
	}
	return t
}

// ReferenceClient targets the reference client (spacer.Client), in-process.
func ReferenceClient() ClientTarget {
	return ClientTarget{
		Name: "reference spacer client (in-process)",
		Connect: func(conn *net.UnixConn) (ClientConn, error) {
			return referenceClientConn{refspacer.NewClient(conn, refspacer.WithTimeout(DefaultStepTimeout))}, nil
		},
	}
}

type referenceClientConn struct{ c *refspacer.Client }

func (r referenceClientConn) Do(_ context.Context, req api.Request) (api.Response, error) {
	return r.c.Do(req) // the client bounds each send and receive itself
}

func (r referenceClientConn) Close() error { return r.c.Close() }

// FakeClient targets a fake client that breaks b (see
// fakespacer.ClientBreakRequirement), in-process.
func FakeClient(b fakespacer.ClientBreak) ClientTarget {
	return ClientTarget{
		Name: "fakespacer client, break " + string(b),
		Connect: func(conn *net.UnixConn) (ClientConn, error) {
			return fakespacer.NewClient(conn, b, DefaultStepTimeout)
		},
	}
}
