package spacer_test

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/reference/spacer"
	"github.com/wirecert/wirecert/reference/spacer/api"
)

// transientFor starts a service process for a benchmark, skipping without
// root: namespaces need it.
func transientFor(b *testing.B) *spacer.Transient {
	b.Helper()
	if os.Geteuid() != 0 {
		b.Skip("spacer benchmarks create namespaces: run as root")
	}
	t, err := spacer.NewTransient()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = t.Stop() })
	return t
}

// BenchmarkRoomsAllTypes measures one RoomsRequest for all six namespace
// types, round trip: request, six new namespaces, six fds received and
// closed.
func BenchmarkRoomsAllTypes(b *testing.B) {
	t := transientFor(b)
	b.ReportAllocs()
	for b.Loop() {
		resp, err := t.Rooms(api.RoomsSpaces)
		if err != nil {
			b.Fatal(err)
		}
		_ = resp.Close()
	}
}

// BenchmarkSubspace measures one SubspaceRequest for a new user and PID
// namespace, round trip, including starting the sub-service and ending it
// by closing its connection.
func BenchmarkSubspace(b *testing.B) {
	t := transientFor(b)
	b.ReportAllocs()
	for b.Loop() {
		resp, err := t.Subspace(unix.CLONE_NEWUSER | unix.CLONE_NEWPID)
		if err != nil {
			b.Fatal(err)
		}
		_ = resp.Close()
	}
}
