package sockdir_test

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wirecert/wirecert/fakes/sockdir"
)

// A TMPDIR too long for a socket path under it falls back to /tmp, where a
// socket Depth bytes deep still binds.
func TestMkdirTempWithLongTMPDIR(t *testing.T) {
	long := filepath.Join(t.TempDir(), strings.Repeat("d", 120))
	if err := os.MkdirAll(long, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", long)
	dir, err := sockdir.MkdirTemp("sockdir-test-")
	if err != nil {
		t.Fatalf("MkdirTemp: %v", err)
	}
	defer os.RemoveAll(dir)
	if strings.HasPrefix(dir, long) {
		t.Fatalf("MkdirTemp(%q) = %q: under the long TMPDIR", "sockdir-test-", dir)
	}
	deep := filepath.Join(dir, strings.Repeat("s", sockdir.Depth-len(filepath.Base(dir))-1))
	if len(deep) > sockdir.PathMax {
		t.Fatalf("a path Depth deep is %d bytes, allowed %d", len(deep), sockdir.PathMax)
	}
	ln, err := net.Listen("unix", deep)
	if err != nil {
		t.Fatalf("binding %s (%d bytes): %v", deep, len(deep), err)
	}
	ln.Close()
}

// A short TMPDIR is used as it is.
func TestMkdirTempWithShortTMPDIR(t *testing.T) {
	short := t.TempDir()
	if len(short)+1+sockdir.Depth > sockdir.PathMax {
		t.Skipf("the test's own temp dir %q is too long to stand for a short TMPDIR", short)
	}
	t.Setenv("TMPDIR", short)
	dir, err := sockdir.MkdirTemp("sockdir-test-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if filepath.Dir(dir) != short {
		t.Fatalf("MkdirTemp = %q, want it in %q", dir, short)
	}
}
