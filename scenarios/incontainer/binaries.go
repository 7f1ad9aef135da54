package incontainer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/wirecert/wirecert/scenarios/container"
)

// Binary is a static binary to build: a package's test binary (Test) or
// its command.
type Binary struct {
	Name    string // file name, in the image under /bin
	Package string // the import path built
	Test    bool   // build the package's test binary, not its command
}

// Binaries are what the image holds.
var Binaries = []Binary{
	{Name: "ccproxyheader.test", Package: "github.com/wirecert/wirecert/scenarios/ccproxyheader", Test: true},
	{Name: "spacerfds.test", Package: "github.com/wirecert/wirecert/scenarios/spacerfds", Test: true},
	{Name: "ccproxy", Package: "github.com/wirecert/wirecert/reference/ccproxy/cmd/ccproxy"},
	{Name: "spacer", Package: "github.com/wirecert/wirecert/reference/spacer/cmd/spacer"},
}

// Build compiles every binary into dir, CGO_ENABLED=0, concurrently, and
// checks each is static. The go command runs in the current directory,
// which must be inside the module.
func Build(ctx context.Context, dir string, bins []Binary) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, b := range bins {
		wg.Go(func() {
			err := build(ctx, dir, b)
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

func build(ctx context.Context, dir string, b Binary) error {
	out := filepath.Join(dir, b.Name)
	args := []string{"build", "-o", out, b.Package}
	if b.Test {
		args = []string{"test", "-c", "-o", out, b.Package}
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, msg)
	}
	return container.CheckStatic(out)
}
