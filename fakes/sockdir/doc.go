// Package sockdir makes the temp directories that hold unix sockets, so
// every socket path fits the kernel's sun_path (108 bytes, the last for
// the terminating NUL) whatever TMPDIR is: with a long TMPDIR a peer could
// not bind or dial a socket under it.
package sockdir
