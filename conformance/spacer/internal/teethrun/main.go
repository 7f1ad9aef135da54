// Command teethrun runs one spacer conformance suite against one target
// and writes Ginkgo's JSON report, so the teeth tests can run the suite
// once per fake (Ginkgo runs specs once per process):
//
//	teethrun --suite service --break old-time --json report.json
//	teethrun --suite service --target variant --variant allowances --json report.json
//
// --break none (or --target reference) runs against the reference.
// --own-init (implied by --break init-namespaces) runs the suite in a new
// PID namespace under an init of its own, in namespaces other than the
// init's: PID 1's namespaces are then there to compare with (and to hand
// out), which a sandbox's real PID 1 may not let us open.
// --target variant runs the service suite against a legitimate variant of
// the fake service (fakespacer.Variants).
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"

	"github.com/wirecert/wirecert/conformance/spacer"
	"github.com/wirecert/wirecert/fakes/fakespacer"
)

// verdict is the GinkgoTestingT of a run outside `go test`.
type verdict struct{ failed bool }

func (v *verdict) Fail() { v.failed = true }

func main() {
	fs := flag.NewFlagSet("teethrun", flag.ExitOnError)
	suite := fs.String("suite", "service", "service or client")
	target := fs.String("target", "fake", "fake, reference or variant (service suite only)")
	brk := fs.String("break", "none", "the fake's break (fakespacer.Breaks or a client break)")
	variant := fs.String("variant", string(fakespacer.Allowances), "the variant of --target variant (fakespacer.Variants)")
	jsonReport := fs.String("json", "", "where to write Ginkgo's JSON report (required)")
	step := fs.Duration("step", 2*time.Second, "the step timeout against a fake: how long a lingering fake holds a spec up")
	ownInit := fs.Bool("own-init", false, "run under an init of its own in a new PID namespace (implied by --break init-namespaces)")
	_ = fs.Parse(os.Args[1:])
	if *ownInit || (*suite == "service" && *target == "fake" && *brk == string(fakespacer.InitNamespaces)) {
		if code, done := underOwnInit(); done {
			os.Exit(code)
		}
	}
	if *jsonReport == "" {
		fmt.Fprintln(os.Stderr, "teethrun: --json is required")
		os.Exit(2)
	}

	switch {
	case *suite == "service" && *target == "reference":
		spacer.ServiceSpecs(spacer.ReferenceService())
	case *suite == "service" && *target == "variant":
		if _, err := fakespacer.LookupVariant(*variant); err != nil {
			fmt.Fprintln(os.Stderr, "teethrun:", err)
			os.Exit(2)
		}
		t := spacer.VariantService(fakespacer.Variant(*variant))
		t.StepTimeout = *step
		spacer.ServiceSpecs(t)
	case *target == "variant":
		fmt.Fprintf(os.Stderr, "teethrun: --target variant with --suite %q, allowed only with --suite service\n", *suite)
		os.Exit(2)
	case *suite == "service":
		if _, err := fakespacer.LookupBreak(*brk); err != nil {
			fmt.Fprintln(os.Stderr, "teethrun:", err)
			os.Exit(2)
		}
		t := spacer.FakeService(fakespacer.Break(*brk))
		t.StepTimeout = *step
		spacer.ServiceSpecs(t)
	case *suite == "client" && *target == "reference":
		spacer.ClientSpecs(spacer.ReferenceClient())
	case *suite == "client":
		t := spacer.FakeClient(fakespacer.ClientBreak(*brk))
		t.StepTimeout = *step
		spacer.ClientSpecs(t)
	default:
		fmt.Fprintf(os.Stderr, "teethrun: --suite is %q, allowed service or client\n", *suite)
		os.Exit(2)
	}

	suiteConfig, reporterConfig := ginkgo.GinkgoConfiguration()
	reporterConfig.JSONReport = *jsonReport
	reporterConfig.Succinct = true
	reporterConfig.NoColor = true
	gomega.RegisterFailHandler(ginkgo.Fail)
	v := &verdict{}
	name := *brk
	if *target == "variant" {
		name = *variant
	}
	ginkgo.RunSpecs(v, "spacer teeth: "+*suite+" "+*target+" "+name, suiteConfig, reporterConfig)
	if v.failed {
		os.Exit(1)
	}
}

// stageEnv tells a re-executed teethrun which stage of --own-init it is.
const stageEnv = "WIRECERT_TEETHRUN_STAGE"

// underOwnInit runs this teethrun again as PID 1 of a new PID namespace,
// in new mount, net, UTS, IPC and cgroup namespaces, which mounts a /proc
// of its own and runs it once more, in namespaces other than its own, as
// the suite. It returns the exit code and true in the first two stages,
// false in the suite's. When PID 1 exits, the kernel kills whatever is
// left in its PID namespace: nothing outlives the run.
func underOwnInit() (int, bool) {
	const isolated = unix.CLONE_NEWNS | unix.CLONE_NEWNET | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC | unix.CLONE_NEWCGROUP
	switch os.Getenv(stageEnv) {
	case "":
		return runStage("init", &syscall.SysProcAttr{Cloneflags: unix.CLONE_NEWPID | isolated, Pdeathsig: syscall.SIGKILL}), true
	case "init":
		if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
			fmt.Fprintln(os.Stderr, "teethrun: init: private mounts:", err)
			return 1, true
		}
		if err := unix.Mount("proc", "/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
			fmt.Fprintln(os.Stderr, "teethrun: init: mounting /proc:", err)
			return 1, true
		}
		// a new time namespace too: execve moves the suite into it
		return runStage("suite", &syscall.SysProcAttr{Cloneflags: isolated, Unshareflags: unix.CLONE_NEWTIME, Pdeathsig: syscall.SIGKILL}), true
	}
	return 0, false
}

// runStage runs this program again as stage, with attr, and returns its
// exit code.
func runStage(stage string, attr *syscall.SysProcAttr) int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "teethrun:", err)
		return 1
	}
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Env = append(os.Environ(), stageEnv+"="+stage)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = attr
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit) && exit.ExitCode() >= 0:
		return exit.ExitCode()
	default:
		fmt.Fprintf(os.Stderr, "teethrun: stage %s: %v\n", stage, err)
		return 1
	}
}
