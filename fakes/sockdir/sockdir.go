package sockdir

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// PathMax is the longest socket path the kernel takes: sun_path less its
// terminating NUL.
const PathMax = 107

// Depth is how long the paths the harness puts under a socket dir may get:
// the dir's random name and a few levels of files and dirs below it (a
// spec's proxy dir, an agent's dir, a fake's relay dir, a socket name).
const Depth = 64

// fallback is the base used when TMPDIR is too long to hold Depth more.
const fallback = "/tmp"

// ErrTooLong says no base directory is short enough.
var ErrTooLong = errors.New("no temp dir short enough for unix socket paths")

// Base is the directory socket dirs are made in: the system's temp dir
// (TMPDIR) when Depth more bytes fit under it, else /tmp.
func Base() (string, error) {
	if t := os.TempDir(); len(t)+1+Depth <= PathMax {
		return t, nil
	}
	if st, err := os.Stat(fallback); err == nil && st.IsDir() && unix.Access(fallback, unix.W_OK|unix.X_OK) == nil {
		return fallback, nil
	}
	return "", fmt.Errorf("sockdir: %w: TMPDIR %q is %d bytes, allowed at most %d (a socket path holds %d bytes), and %s is not writable",
		ErrTooLong, os.TempDir(), len(os.TempDir()), PathMax-1-Depth, PathMax, fallback)
}

// MkdirTemp is os.MkdirTemp in Base.
func MkdirTemp(pattern string) (string, error) {
	base, err := Base()
	if err != nil {
		return "", err
	}
	return os.MkdirTemp(base, pattern)
}
