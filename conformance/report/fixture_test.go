package report_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/conformance/report"
)

// The fixture suite in testdata/preconditions ends specs through package
// requirement, for real, in a process of its own; its JSON report must say
// what became of each.
var _ = Describe("a suite using Precondition and Limited", Ordered, func() {
	var byText map[string]report.SpecResult
	var s report.Summary
	var raw []byte // the report file as written

	BeforeAll(func(_ SpecContext) {
		bin := Successful(gexec.CompileTest("github.com/wirecert/wirecert/conformance/report/testdata/preconditions"))
		DeferCleanup(os.RemoveAll, filepath.Dir(bin))
		jsonFile := filepath.Join(GinkgoT().TempDir(), "fixture.json")
		session := Successful(gexec.Start(exec.Command(bin, "-json", jsonFile), GinkgoWriter, GinkgoWriter))
		Eventually(session).WithTimeout(time.Minute).Should(gexec.Exit(1), "a spec failed through ginkgo.Fail")
		raw = Successful(os.ReadFile(jsonFile))
		Expect(json.Unmarshal(raw, &s)).To(Succeed())
		byText = map[string]report.SpecResult{}
		for _, sp := range s.Specs {
			byText[sp.Text] = sp
		}
	}, NodeTimeout(3*time.Minute))

	DescribeTable("outcomes",
		func(text string, want report.Outcome, blockedBy, note string) {
			sp, ok := byText["fixture "+text]
			Expect(ok).To(BeTrue(), "spec %q in %v", text, byText)
			Expect(sp.Outcome).To(Equal(want))
			Expect(sp.BlockedBy).To(Equal(blockedBy))
			if note == "" {
				Expect(sp.Note).To(BeEmpty())
			} else {
				Expect(sp.Note).To(ContainSubstring(note))
			}
		},
		Entry(nil, "is blocked by CCP-S-13", report.OutcomeBlocked, "CCP-S-13", ""),
		Entry(nil, "fails through ginkgo.Fail inside a precondition", report.OutcomeFailed, "", "the precondition of CCP-S-13 ended by ginkgo.Fail"),
		Entry(nil, "fails its own requirement inside another's precondition", report.OutcomeFailed, "", "the precondition of CCP-S-13 ended by ginkgo.Fail"),
		Entry(nil, "panics inside a precondition", report.OutcomeFailed, "", "the precondition of CCP-S-13 ended by ginkgo.Fail or a panic"),
		Entry(nil, "is not applicable inside a precondition", report.OutcomeNotApplicable, "", ""),
		Entry(nil, "passes limited", report.OutcomeLimited, "", ""),
	)

	It("judges the requirements", func() {
		Expect(verdicts(s)).To(Equal(V{
			"CCP-S-01": report.VerdictFailed, "CCP-S-13": report.VerdictPassed, "CCP-S-20": report.VerdictBlocked, "CCP-S-21": report.VerdictFailed,
			"CCP-S-22": report.VerdictFailed, "CCP-S-25": report.VerdictNotApplicable, "CCP-S-39": report.VerdictLimited,
		}))
		Expect(byText["fixture is blocked by CCP-S-13"].Message).To(HavePrefix("blocked by CCP-S-13: RegisterVM answered"))
		Expect(s.Result).To(Equal(report.ResultFail))
	})

	It("writes a report the schema accepts", func() {
		Expect(validateReport(reportSchema(), raw)).To(Succeed())
		Expect(s.SchemaVersion).To(Equal(report.SchemaVersion))
	})
})
