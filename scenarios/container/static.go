package container

import (
	"debug/elf"
	"errors"
	"fmt"
)

// ErrNotStatic is returned for a binary that cannot run in a FROM scratch
// image: it needs a dynamic loader and libraries scratch does not have.
var ErrNotStatic = errors.New("binary is not statically linked")

// CheckStatic returns nil if the ELF binary at path has no program
// interpreter, i.e. runs without ld.so and libc (CGO_ENABLED=0 Go binaries).
func CheckStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("%s: %w: not an ELF binary: %v", path, ErrNotStatic, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			b := make([]byte, p.Filesz)
			_, _ = p.ReadAt(b, 0)
			return fmt.Errorf("%s: %w: interpreter %q, allowed none (build it with CGO_ENABLED=0)", path, ErrNotStatic, trimNUL(b))
		}
	}
	return nil
}

func trimNUL(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}
