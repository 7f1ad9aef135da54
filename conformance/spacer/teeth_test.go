package spacer_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"

	"github.com/wirecert/wirecert/conformance/requirement"
)

// teethRunner is internal/teethrun, built once.
var teethRunner string

var _ = SynchronizedBeforeSuite(func() []byte {
	path, err := gexec.Build("github.com/wirecert/wirecert/conformance/spacer/internal/teethrun")
	Expect(err).NotTo(HaveOccurred())
	return []byte(path)
}, func(path []byte) {
	teethRunner = string(path)
})

var _ = SynchronizedAfterSuite(func() {}, func() { gexec.CleanupBuildArtifacts() })

// verdicts maps "ID/level" to how many specs passed, failed and skipped.
type verdicts struct {
	passed, failed, skipped map[string]int
	failures                []string
}

// runSuite runs internal/teethrun with the break brk (a variant's name for
// target "variant") and reads its JSON report.
func runSuite(suite, target, brk string) verdicts {
	GinkgoHelper()
	report := filepath.Join(GinkgoT().TempDir(), "report.json")
	args := []string{"--suite", suite, "--target", target, "--json", report}
	if target == "variant" {
		args = append(args, "--variant", brk)
	} else {
		args = append(args, "--break", brk)
	}
	cmd := exec.Command(teethRunner, args...)
	cmd.Dir = filepath.Dir(report)
	out, err := cmd.CombinedOutput()
	if err != nil {
		var exit *exec.ExitError
		Expect(err).To(BeAssignableToTypeOf(exit), "running the suite: %s", out)
	}
	var reports []types.Report
	b, err := os.ReadFile(report)
	Expect(err).NotTo(HaveOccurred(), "the run's JSON report; output:\n%s", out)
	Expect(json.Unmarshal(b, &reports)).To(Succeed())
	v := verdicts{passed: map[string]int{}, failed: map[string]int{}, skipped: map[string]int{}}
	for _, r := range reports {
		for _, spec := range r.SpecReports {
			if spec.LeafNodeType != types.NodeTypeIt {
				continue
			}
			id, level := requirement.FromLabels(spec.Labels())
			key := id + "/" + string(level)
			switch {
			case spec.State == types.SpecStatePassed:
				v.passed[key]++
			case spec.State == types.SpecStateSkipped:
				v.skipped[key]++
			case spec.State.Is(types.SpecStateFailureStates):
				v.failed[key]++
				v.failures = append(v.failures, spec.LeafNodeText+": "+spec.Failure.Message)
			}
		}
	}
	return v
}

func keys(m map[string]int) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

var _ = Describe("teeth of the spacer suites", Label("teeth"), func() {

	expectAllPass := func(v verdicts, prefix string) {
		GinkgoHelper()
		Expect(v.failed).To(BeEmpty(), "failed specs:\n%s", strings.Join(v.failures, "\n"))
		for _, r := range requirement.All(prefix) {
			passed := v.passed[r.ID+"/must"] + v.passed[r.ID+"/should"]
			Expect(passed).To(BeNumerically(">", 0), "%s has passing specs", r.ID)
		}
	}

	Context("the reference and the unbroken fakes", func() {
		BeforeEach(func() {
			if os.Geteuid() != 0 {
				Skip("needs root: the service specs create namespaces")
			}
		})
		It("the reference service passes every service requirement", func() {
			expectAllPass(runSuite("service", "reference", "none"), "SPC-S-")
		})
		It("the reference client passes every client requirement", func() {
			expectAllPass(runSuite("client", "reference", "none"), "SPC-C-")
		})
		It("the fake service without a break passes every service requirement", func() {
			expectAllPass(runSuite("service", "fake", "none"), "SPC-S-")
		})
		It("the fake client without a break passes every client requirement", func() {
			expectAllPass(runSuite("client", "fake", "none"), "SPC-C-")
		})
	})

	DescribeTable("a fake that breaks one requirement fails exactly its specs",
		func(suite, brk, broken string, alsoFailing ...string) {
			if os.Geteuid() != 0 {
				Skip("needs root: the service specs create namespaces")
			}
			v := runSuite(suite, "fake", brk)
			Expect(v.failed).To(HaveKey(broken), "%s fails against --break %s; failed: %v", broken, brk, keys(v.failed))
			Expect(keys(v.failed)).To(ConsistOf(append([]string{broken}, alsoFailing...)),
				"the requirements failing against --break %s:\n%s", brk, strings.Join(v.failures, "\n"))
		},
		Entry(nil, "service", "wrong-type", "SPC-S-01/must"),
		Entry(nil, "service", "file-for-namespace", "SPC-S-01/must"),
		Entry(nil, "service", "socket-for-namespace", "SPC-S-01/must"),
		Entry(nil, "service", "old-time", "SPC-S-01/must"),
		Entry(nil, "service", "foreign-owner", "SPC-S-01/must"),
		Entry(nil, "service", "caller-namespaces", "SPC-S-01/must"),
		Entry(nil, "service", "init-namespaces", "SPC-S-01/must"),
		Entry(nil, "service", "extra-fd", "SPC-S-02/must"),
		Entry(nil, "service", "fds-on-error", "SPC-S-02/must"),
		Entry(nil, "service", "too-many-fds", "SPC-S-02/must"),
		Entry(nil, "service", "coalesce", "SPC-S-02/must", "SPC-S-01/must"),
		Entry(nil, "service", "lax-spaces", "SPC-S-03/must"),
		Entry(nil, "service", "keep-fds", "SPC-S-04/must", "SPC-S-08/must"),
		Entry(nil, "service", "subspace-fd-order", "SPC-S-05/must"),
		Entry(nil, "service", "pidfd-of-self", "SPC-S-05/must"),
		Entry(nil, "service", "subspace-too-few", "SPC-S-05/must"),
		Entry(nil, "service", "subspace-too-many", "SPC-S-05/must"),
		Entry(nil, "service", "crash-on-garbage", "SPC-S-06/must", "SPC-S-06/should"),
		Entry(nil, "service", "close-on-unknown", "SPC-S-06/should"),
		Entry(nil, "service", "drop-pipelined", "SPC-S-06/should"),
		Entry(nil, "service", "keep-request-fds", "SPC-S-06/must"),
		Entry(nil, "service", "linger", "SPC-S-07/must"),
		Entry(nil, "service", "leak-fd", "SPC-S-08/must"),
		Entry(nil, "service", "fds-in-body", "SPC-S-09/must"),
		Entry(nil, "client", "no-type-defs", "SPC-C-01/must"),
		// ignoring MSG_CTRUNC, it takes the 5 fds of a SubspaceResponse
		// with one too many, cut to the 4 it has room for, for a right one
		Entry(nil, "client", "small-room", "SPC-C-02/must", "SPC-C-05/must"),
		Entry(nil, "client", "keep-stray-fds", "SPC-C-03/must"),
		Entry(nil, "client", "drop-reason", "SPC-C-04/must"),
		Entry(nil, "client", "accept-bad-subspace", "SPC-C-05/must"),
		Entry(nil, "client", "zero-fd-absent", "SPC-C-06/must"),
	)

	// The message is written before the suite closes the response's fds
	// (closing zeroes them): it shows the fds as the client placed them.
	It("names the fds of the response the client took, as it placed them, when SPC-C-05 fails", func() {
		if os.Geteuid() != 0 {
			Skip("needs root: the service specs create namespaces")
		}
		v := runSuite("client", "fake", "accept-bad-subspace")
		var messages []string
		for _, f := range v.failures {
			if strings.HasPrefix(f, "SPC-C-05/too-") {
				messages = append(messages, f)
			}
		}
		Expect(messages).NotTo(BeEmpty(), "SPC-C-05 failures:\n%s", strings.Join(v.failures, "\n"))
		for _, m := range messages {
			Expect(m).To(MatchRegexp(`Conn:[1-9]\d*, PIDFd:[1-9]\d*`), "the response as received, not after its fds were closed")
		}
	})

	It("fails SPC-S-04 and SPC-S-08 against a service keeping fd copies behind a wrapper (sh -c '... ; true')", func() {
		if os.Geteuid() != 0 {
			Skip("needs root: the service specs create namespaces")
		}
		wirecert, err := gexec.Build("github.com/wirecert/wirecert/cmd/wirecert")
		Expect(err).NotTo(HaveOccurred())
		fake, err := gexec.Build("github.com/wirecert/wirecert/fakes/fakespacer/cmd/fakespacer")
		Expect(err).NotTo(HaveOccurred())
		report := filepath.Join(GinkgoT().TempDir(), "wrapped.json")
		out, _ := exec.Command(wirecert, "run", "--suite", "spacer-service", "--require", "SPC-S-04,SPC-S-08",
			"--command", "sh -c '"+fake+" --break keep-fds; true'", "--json", report).CombinedOutput()
		b, err := os.ReadFile(report)
		Expect(err).NotTo(HaveOccurred(), "the run's report; output:\n%s", out)
		var summary struct {
			Specs []struct{ Requirement, Level, Outcome string }
		}
		Expect(json.Unmarshal(b, &summary)).To(Succeed())
		failed := map[string]int{}
		for _, spec := range summary.Specs {
			if spec.Outcome == "failed" {
				failed[spec.Requirement+"/"+spec.Level]++
			}
		}
		Expect(failed).To(HaveKey("SPC-S-04/must"), "the wrapped keep-fds service fails SPC-S-04; output:\n%s", out)
		Expect(failed).To(HaveKey("SPC-S-08/must"), "the wrapped keep-fds service fails SPC-S-08; output:\n%s", out)
	})
})
