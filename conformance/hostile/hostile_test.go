package hostile_test

import (
	"fmt"
	"os"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
	"github.com/thediveo/fdooze"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/conformance/report"
	"github.com/wirecert/wirecert/fakes/fakespacer"
	"github.com/wirecert/wirecert/fakes/hostile"
)

// fakespacerRole is the role of an entry whose peer is fakespacer, its
// mode a fakespacer break.
const fakespacerRole = "fakespacer"

// tweak changes an entry's run: its target's flags or its timeouts.
type tweak func(r *cliRun, flags *[]string)

// ignoringSIGTERM makes the hostile peer ignore SIGTERM: the harness must
// SIGKILL it.
func ignoringSIGTERM() tweak {
	return func(_ *cliRun, flags *[]string) { *flags = append(*flags, "--ignore-sigterm") }
}

// withSpecTimeout replaces the run's spec timeout.
func withSpecTimeout(d time.Duration) tweak {
	return func(r *cliRun, _ *[]string) { r.specTimeout = d }
}

// targetCommand is the --command running the peer of role in mode.
func targetCommand(role, mode string, flags []string) string {
	var argv []string
	switch role {
	case fakespacerRole:
		argv = []string{binaries.fakespacer, "--break", mode}
	case string(hostile.RoleProxyServer):
		argv = []string{binaries.hostile, "--role", role, "--mode", mode, "--socket", "{socket}"}
	case string(hostile.RoleProxyShim):
		argv = []string{binaries.hostile, "--role", role, "--mode", mode, "--proxy", "{socket}", "--token", "{token}"}
	default:
		argv = []string{binaries.hostile, "--role", role, "--mode", mode}
	}
	return strings.Join(append(argv, flags...), " ")
}

// leakChecked makes the current entry prove that running the CLI leaves no
// goroutine and no fd behind in this process.
func leakChecked() {
	// The runtime's poller opens its fds on first use: not an entry's leak.
	r, w := Successful2R(os.Pipe())
	Expect(r.Close()).To(Succeed())
	Expect(w.Close()).To(Succeed())
	goods := gleak.Goroutines()
	fds := fdooze.Filedescriptors()
	DeferCleanup(func() {
		Eventually(gleak.Goroutines).WithTimeout(2 * time.Second).ShouldNot(gleak.HaveLeaked(goods))
		Eventually(fdooze.Filedescriptors).WithTimeout(2 * time.Second).ShouldNot(fdooze.HaveLeakedFds(fds))
	})
}

var _ = Describe("hostile targets", Label("hostile"), func() {

	BeforeEach(func() {
		if os.Geteuid() != 0 {
			Skip("needs root: fakespacer creates namespaces, and /proc of every process is read")
		}
	})

	DescribeTable("the harness reports a failure in time, and leaves nothing behind",
		func(role, mode, suite string, ids []string, tweaks ...tweak) {
			leakChecked()
			dir := GinkgoT().TempDir()
			r := cliRun{suite: suite, require: ids, specTimeout: specTimeout, marker: "wirecert-hostile:" + dir, dir: dir}
			var flags []string
			for _, t := range tweaks {
				t(&r, &flags)
			}
			r.command = targetCommand(role, mode, flags)
			DeferCleanup(killStrays, r.marker)

			o := r.run()
			AddReportEntry("outcome", fmt.Sprintf("%s %s %v %v, spec timeout %v: exit %d after %v (bound %v)",
				role, mode, flags, ids, r.specTimeout, o.exitCode, o.took.Round(time.Millisecond), o.bound))

			Expect(o.hung).To(BeFalse(), "harness hung: wirecert did not finish within %v (%d specs × (spec timeout, stop grace, two steps) + start); output:\n%s",
				o.bound, o.specs, o.output)
			Expect(o.exitCode).To(Equal(1), "exit code of wirecert (1: a requirement failed; 0 would certify a hostile target, 2 is a usage error); output:\n%s", o.output)
			Expect(o.summary).NotTo(BeNil(), "the JSON report; output:\n%s", o.output)
			Expect(o.summary.ExitCode).To(Equal(1), "the JSON report's exitCode")
			// Every selected requirement fails, or is blocked by another
			// selected one that failed first (a proxy that never answers
			// RegisterVM blocks the whole-session spec): never a pass.
			Expect(o.summary.Specs).To(ContainElement(And(
				HaveField("Requirement", BeElementOf(ids)), HaveField("Outcome", report.OutcomeFailed), HaveField("Message", Not(BeEmpty())))),
				"a failed spec of %v with a message; specs: %+v", ids, o.summary.Specs)
			for _, id := range ids {
				Expect(o.summary.Requirements).To(ContainElement(And(
					HaveField("ID", id), HaveField("Verdict", BeElementOf(report.VerdictFailed, report.VerdictBlocked)))),
					"%s failed or blocked in the JSON report; requirements: %+v", id, o.summary.Requirements)
			}
			Eventually(func() []stray { return strays(r.marker) }).WithTimeout(2*time.Second).Should(BeEmpty(),
				"processes the run left behind (environment or command line holding %s)", r.marker)
		},

		// cc-proxy servers: every mode fails the whole-session spec, or
		// RegisterVM (CCP-S-13) first, which then blocks it.
		Entry("ccproxy-server hang", "ccproxy-server", "hang", "ccproxy-server", []string{"CCP-S-01", "CCP-S-13"}),
		Entry("ccproxy-server hang, SIGTERM ignored, spec timeout above the stop grace", "ccproxy-server", "hang", "ccproxy-server", []string{"CCP-S-01", "CCP-S-13"},
			ignoringSIGTERM(), withSpecTimeout(8*time.Second)),
		// The stop's SIGTERM grace (5s) does not fit in the spec's time: the
		// cleanup's context ending must bring SIGKILL, or the proxy would
		// outlive the run.
		Entry("ccproxy-server hang, SIGTERM ignored, spec timeout below the stop grace",
			"ccproxy-server", "hang", "ccproxy-server", []string{"CCP-S-01", "CCP-S-13"}, ignoringSIGTERM()),
		Entry("ccproxy-server trickle", "ccproxy-server", "trickle", "ccproxy-server", []string{"CCP-S-01", "CCP-S-13"}),
		Entry("ccproxy-server garbage", "ccproxy-server", "garbage", "ccproxy-server", []string{"CCP-S-01", "CCP-S-13"}),
		Entry("ccproxy-server huge-length", "ccproxy-server", "huge-length", "ccproxy-server", []string{"CCP-S-01", "CCP-S-13"}),
		Entry("ccproxy-server close-mid-frame", "ccproxy-server", "close-mid-frame", "ccproxy-server", []string{"CCP-S-01", "CCP-S-13"}),
		Entry("ccproxy-server exit-mid-request", "ccproxy-server", "exit-mid-request", "ccproxy-server", []string{"CCP-S-01", "CCP-S-13"}),

		// cc-proxy shims: every mode fails "ConnectShim first".
		Entry("ccproxy-shim hang-before-connect", "ccproxy-shim", "hang-before-connect", "ccproxy-client", []string{"CCP-C-04"}),
		Entry("ccproxy-shim hang-after-connect", "ccproxy-shim", "hang-after-connect", "ccproxy-client", []string{"CCP-C-04"}),
		Entry("ccproxy-shim hang-after-connect, SIGTERM ignored", "ccproxy-shim", "hang-after-connect", "ccproxy-client", []string{"CCP-C-04"}, ignoringSIGTERM()),
		Entry("ccproxy-shim trickle", "ccproxy-shim", "trickle", "ccproxy-client", []string{"CCP-C-04"}),
		Entry("ccproxy-shim garbage", "ccproxy-shim", "garbage", "ccproxy-client", []string{"CCP-C-04"}),
		Entry("ccproxy-shim huge-length", "ccproxy-shim", "huge-length", "ccproxy-client", []string{"CCP-C-04"}),
		Entry("ccproxy-shim close-mid-frame", "ccproxy-shim", "close-mid-frame", "ccproxy-client", []string{"CCP-C-04"}),
		Entry("ccproxy-shim exit-mid-request", "ccproxy-shim", "exit-mid-request", "ccproxy-client", []string{"CCP-C-04"}),

		// spacer services: every mode fails the full-session spec.
		Entry("spacer-service hang", "spacer-service", "hang", "spacer-service", []string{"SPC-S-08"}),
		Entry("spacer-service hang, SIGTERM ignored", "spacer-service", "hang", "spacer-service", []string{"SPC-S-08"}, ignoringSIGTERM()),
		// Less than a step left for the stop: the same, for a service.
		Entry("spacer-service hang, SIGTERM ignored, spec timeout below a step",
			"spacer-service", "hang", "spacer-service", []string{"SPC-S-08"}, ignoringSIGTERM(), withSpecTimeout(1500*time.Millisecond)),
		Entry("spacer-service trickle", "spacer-service", "trickle", "spacer-service", []string{"SPC-S-08"}),
		Entry("spacer-service garbage", "spacer-service", "garbage", "spacer-service", []string{"SPC-S-08"}),
		Entry("spacer-service huge-length", "spacer-service", "huge-length", "spacer-service", []string{"SPC-S-08"}),
		Entry("spacer-service close-mid-frame", "spacer-service", "close-mid-frame", "spacer-service", []string{"SPC-S-08"}),
		Entry("spacer-service exit-mid-request", "spacer-service", "exit-mid-request", "spacer-service", []string{"SPC-S-08"}),

		// fd floods and wrong fds: fakespacer's breaks, for a complete table.
		Entry("fakespacer too-many-fds (253 fds)", fakespacerRole, string(fakespacer.TooManyFds), "spacer-service", []string{"SPC-S-02"}),
		Entry("fakespacer file-for-namespace", fakespacerRole, string(fakespacer.FileForNamespace), "spacer-service", []string{"SPC-S-01"}),
		Entry("fakespacer socket-for-namespace", fakespacerRole, string(fakespacer.SocketForNamespace), "spacer-service", []string{"SPC-S-01"}),
	)
})
