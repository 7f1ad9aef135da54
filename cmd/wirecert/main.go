package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/wirecert/wirecert/conformance/report"
)

// Exit statuses, those of report.Summary.ExitCode and 2 for the command
// line: 0 certified (or a dry run), 1 a requirement (or the run) failed, 2
// the command line was wrong, 3 incomplete (a selected must-level
// requirement left unchecked), 4 interrupted (Ctrl-C, --timeout).
const (
	exitPass        = report.ExitPass
	exitFail        = report.ExitFail
	exitUsage       = report.ExitUsage
	exitIncomplete  = report.ExitIncomplete
	exitInterrupted = report.ExitInterrupted
)

// errUsage marks a command-line error: exit 2, with usage.
var errUsage = errors.New("usage")

// usageError is a command-line error naming the flag, the value seen and
// the values allowed.
type usageError struct{ msg string }

func (e usageError) Error() string        { return e.msg }
func (e usageError) Is(target error) bool { return target == errUsage }

func usageErrorf(format string, args ...any) error {
	return usageError{fmt.Sprintf(format, args...)}
}

const mainUsage = `wirecert: conformance suites for the cc-proxy and spacer protocols

usage:
  wirecert run --suite SUITE TARGET [options]   run a suite against a target
  wirecert reference [options]                  run every suite against the reference implementations
  wirecert list [--suite SUITE] [--markdown]    list requirement IDs, levels, spec counts and texts

'wirecert COMMAND -h' shows the command's flags.

exit status of run and reference:
  0  PASS: every selected must-level requirement passed (with --strict, every
     should-level one too); also a --dry-run, which certifies nothing
  1  FAIL: a requirement failed, or the run itself did
  2  usage error
  3  INCOMPLETE: a selected must-level requirement was left unchecked (blocked
     by another requirement, skipped, not applicable); never a pass
  4  INTERRUPTED: the run was cut short (Ctrl-C, --timeout) before anything
     failed; not a verdict on the target
`

func main() {
	os.Exit(wirecert(os.Args[1:], os.Stdout, os.Stderr))
}

// wirecert runs one command line and returns the exit status.
func wirecert(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, mainUsage)
		fmt.Fprintln(stderr, "\nwirecert: no command given: allowed run, reference, list")
		return exitUsage
	}
	var err error
	status := exitPass
	switch cmd, rest := args[0], args[1:]; cmd {
	case "run":
		status, err = runCommand(rest, stdout, stderr)
	case "reference":
		status, err = referenceCommand(rest, stdout, stderr)
	case "list":
		err = listCommand(rest, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, mainUsage)
		return exitPass
	default:
		fmt.Fprint(stderr, mainUsage)
		err = usageErrorf("command %q: allowed run, reference, list", cmd)
	}
	switch {
	case errors.Is(err, errHelp):
		return exitPass
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "wirecert: %v\n", err)
		return exitUsage
	case err != nil:
		fmt.Fprintf(stderr, "wirecert: %v\n", err)
		return exitFail
	}
	return status
}
