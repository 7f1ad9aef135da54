package matchers

import (
	"fmt"
	"os"

	"github.com/wirecert/wirecert/reference/spacer/api"
	"golang.org/x/sys/unix"
)

// namespaceRef is a namespace given as an open fd (int, uintptr, *os.File)
// or as a path such as /proc/self/ns/net.
type namespaceRef struct {
	fd   int
	desc string
	// close releases an fd the ref opened itself
	close func()
}

func newNamespaceRef(v any) (namespaceRef, error) {
	switch v := v.(type) {
	case int:
		return namespaceRef{fd: v, desc: fmt.Sprintf("fd %d", v), close: func() {}}, nil
	case uintptr:
		return namespaceRef{fd: int(v), desc: fmt.Sprintf("fd %d", v), close: func() {}}, nil
	case *os.File:
		return namespaceRef{fd: int(v.Fd()), desc: fmt.Sprintf("%s (fd %d)", v.Name(), v.Fd()), close: func() {}}, nil
	case string:
		fd, err := unix.Open(v, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return namespaceRef{}, fmt.Errorf("open %s: %w", v, err)
		}
		return namespaceRef{fd: fd, desc: v, close: func() { _ = unix.Close(fd) }}, nil
	}
	return namespaceRef{}, fmt.Errorf("namespace reference is %T, allowed an fd (int, uintptr, *os.File) or a path (string)", v)
}

// identity returns the namespace's type and inode; nsfs has one device.
func (r namespaceRef) identity() (nstype uint64, ino uint64, err error) {
	if nstype, err = api.NamespaceType(r.fd); err != nil {
		return 0, 0, fmt.Errorf("%s: not a namespace: %w", r.desc, err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(r.fd, &st); err != nil {
		return 0, 0, fmt.Errorf("%s: fstat: %w", r.desc, err)
	}
	return nstype, st.Ino, nil
}

func (r namespaceRef) String() string { return r.desc }

// nsString renders a namespace like the /proc/PID/ns links do: net:[4026531840].
func nsString(nstype, ino uint64) string {
	return fmt.Sprintf("%s:[%d]", api.NamespaceTypeName(nstype), ino)
}
