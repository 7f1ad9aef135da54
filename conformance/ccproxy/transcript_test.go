package ccproxy_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
	"github.com/santhosh-tekuri/jsonschema/v6"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/conformance/report"
)

// Wire transcripts, end to end: the CLI runs a real server spec against a
// proxy with a fault, and its JSON report holds what the suite sent and
// received, byte-exact, which its schema accepts.
var _ = Describe("wire transcripts in the CLI's report", Ordered, Label("transcript"), func() {
	var wirecert, faulty, dir string

	BeforeAll(func(_ SpecContext) {
		dir = Successful(os.MkdirTemp("", "transcript-"))
		DeferCleanup(os.RemoveAll, dir)
		wirecert = Successful(gexec.Build("github.com/wirecert/wirecert/cmd/wirecert"))
		faulty = Successful(gexec.Build("github.com/wirecert/wirecert/fakes/faultyproxy/cmd/faultyproxy"))
		DeferCleanup(gexec.CleanupBuildArtifacts)
	}, NodeTimeout(5*time.Minute))

	// runCLI runs wirecert against faulty with fault and returns the
	// report, the report file as written and the console output.
	runCLI := func(name, fault, focus string, extra ...string) (report.Summary, []byte, string) {
		GinkgoHelper()
		jsonFile := filepath.Join(dir, name+".json")
		argv := append([]string{"run", "--suite", "ccproxy-server", "--no-color", "--spec-timeout", "30s",
			"--command", faulty + " --fault " + fault + " --socket {socket}",
			"--focus", focus, "--json", jsonFile, "--junit", ""}, extra...)
		cmd := exec.Command(wirecert, argv...)
		cmd.Env = append(os.Environ(), "TMPDIR="+dir)
		out, _ := cmd.CombinedOutput()
		raw, err := os.ReadFile(jsonFile)
		Expect(err).NotTo(HaveOccurred(), "no report; output:\n%s", out)
		var s report.Summary
		Expect(json.Unmarshal(raw, &s)).To(Succeed())
		return s, raw, string(out)
	}

	validate := func(raw []byte) error {
		GinkgoHelper()
		doc := Successful(jsonschema.UnmarshalJSON(bytes.NewReader(report.Schema())))
		c := jsonschema.NewCompiler()
		Expect(c.AddResource("report.schema.json", doc)).To(Succeed())
		sch := Successful(c.Compile("report.schema.json"))
		return sch.Validate(Successful(jsonschema.UnmarshalJSON(bytes.NewReader(raw))))
	}

	It("holds the exact bytes of a header spec the fault fails, the close that failed it, and the tail on the console", func(_ SpecContext) {
		s, raw, out := runCLI("header-length-4", "CCP-S-04", "HeaderLength 4, extra word de ad be ef")
		Expect(s.ExitCode).To(Equal(1), "output:\n%s", out)
		Expect(validate(raw)).To(Succeed())
		Expect(s.Specs).To(HaveLen(1))
		sp := s.Specs[0]
		Expect(sp.Outcome).To(Equal(report.OutcomeFailed))
		Expect(sp.Transcript).NotTo(BeNil(), "a transcript in the report")
		t := sp.Transcript
		Expect(t.FailedAtSeconds).To(BeNumerically(">", 0))
		Expect(t.DroppedEvents).To(BeZero())

		want := append(Successful(hex.DecodeString("00020400000000020000001c"+"deadbeef")), `{"containerId":"no-such-vm"}`...)
		first := t.Events[0]
		Expect(first.Channel).To(Equal("runtime"))
		Expect(first.Direction).To(Equal("sent"))
		Expect(first.Bytes).To(Equal(want), "the spec's frame, byte-exact, in its one write")
		Expect(first.Size).To(Equal(len(want)))
		Expect(first.Decoded).To(And(HavePrefix("command AttachVM header {Version:2 HeaderLength:4"), HaveSuffix(`{"containerId":"no-such-vm"}`)))
		Expect(t.Events).To(ContainElement(And(
			HaveField("Channel", "runtime"), HaveField("Direction", "received"), HaveField("Closed", true))),
			"the close of the fault that fails the spec")
		for i := 1; i < len(t.Events); i++ {
			Expect(t.Events[i].OffsetSeconds).To(BeNumerically(">=", t.Events[i-1].OffsetSeconds))
		}

		Expect(out).To(ContainSubstring("wire transcript before the failure: last "))
		Expect(out).To(MatchRegexp(`\+\d\.\d{3}s runtime +sent +44 bytes \| command AttachVM header \{Version:2 HeaderLength:4`))
		Expect(out).To(ContainSubstring("[00 02 04 00 00 00 00 02 00 00 00 1c de ad be ef …]"))
	})

	It("comes back from -p workers, for every spec", func(_ SpecContext) {
		s, raw, out := runCLI("parallel", "none", "HeaderLength 4, extra word", "-p", "2")
		Expect(s.ExitCode).To(BeZero(), "output:\n%s", out)
		Expect(validate(raw)).To(Succeed())
		Expect(s.Specs).To(HaveLen(2))
		for _, sp := range s.Specs {
			Expect(sp.Transcript).NotTo(BeNil(), "%s", sp.Text)
			Expect(sp.Transcript.FailedAtSeconds).To(BeZero(), "it passed")
			var runtimeSent []string
			for _, e := range sp.Transcript.Events {
				if e.Channel == "runtime" && e.Direction == "sent" && !e.Closed {
					runtimeSent = append(runtimeSent, hex.EncodeToString(e.Bytes[:12]))
				}
			}
			Expect(runtimeSent).To(ContainElement("00020400000000020000001c"), "the HeaderLength 4 header")
			Expect(strings.Count(out, "wire transcript")).To(BeZero(), "no tail for a spec that passed")
		}
	})
})
