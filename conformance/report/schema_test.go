package report_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"
	"github.com/santhosh-tekuri/jsonschema/v6"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/conformance/report"
)

// reportSchema compiles the embedded schema, asserting formats (date-time)
// rather than taking them as annotations.
func reportSchema() *jsonschema.Schema {
	GinkgoHelper()
	doc := Successful(jsonschema.UnmarshalJSON(bytes.NewReader(report.Schema())))
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	Expect(c.AddResource("report.schema.json", doc)).To(Succeed())
	return Successful(c.Compile("report.schema.json"))
}

// validateReport validates a JSON report against the schema; the error is a
// *jsonschema.ValidationError naming what is wrong where.
func validateReport(sch *jsonschema.Schema, b []byte) error {
	GinkgoHelper()
	inst := Successful(jsonschema.UnmarshalJSON(bytes.NewReader(b)))
	return sch.Validate(inst)
}

// writtenReport is the JSON file WriteJSON writes for r.
func writtenReport(r types.Report, opts report.Options) []byte {
	GinkgoHelper()
	path := filepath.Join(GinkgoT().TempDir(), "r.json")
	Expect(report.Summarize(r, opts).WriteJSON(path)).To(Succeed())
	return Successful(os.ReadFile(path))
}

// schemaDoc is the schema as plain JSON, to read its enums.
func schemaDoc() map[string]any {
	GinkgoHelper()
	var doc map[string]any
	Expect(json.Unmarshal(report.Schema(), &doc)).To(Succeed())
	return doc
}

func schemaDef(name string) map[string]any {
	GinkgoHelper()
	def, ok := schemaDoc()["$defs"].(map[string]any)[name].(map[string]any)
	Expect(ok).To(BeTrue(), "$defs/%s in the schema", name)
	return def
}

func enumOf(def map[string]any) []string {
	GinkgoHelper()
	var out []string
	for _, v := range def["enum"].([]any) {
		s, ok := v.(string)
		Expect(ok).To(BeTrue(), "enum value %v is a string", v)
		out = append(out, s)
	}
	return out
}

// constsOf parses the Go package in dir and returns the values of the string
// constants declared with type typ, so a constant added in Go but not in the
// schema (or the other way round) fails a spec.
func constsOf(dir, typ string) []string {
	GinkgoHelper()
	fset := token.NewFileSet()
	pkgs := Successful(parser.ParseDir(fset, dir, func(fi os.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, 0))
	var out []string
	for _, pkg := range pkgs {
		for _, f := range pkg.Files {
			for _, decl := range f.Decls {
				gd, ok := decl.(*ast.GenDecl)
				if !ok || gd.Tok != token.CONST {
					continue
				}
				for _, spec := range gd.Specs {
					vs := spec.(*ast.ValueSpec)
					if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != typ {
						continue
					}
					for _, v := range vs.Values {
						lit, ok := v.(*ast.BasicLit)
						Expect(ok && lit.Kind == token.STRING).To(BeTrue(),
							"a %s constant at %s is a string literal, for this spec to read it", typ, fset.Position(v.Pos()))
						out = append(out, Successful(strconv.Unquote(lit.Value)))
					}
				}
			}
		}
	}
	return out
}

var _ = Describe("the JSON report schema", func() {
	var sch *jsonschema.Schema
	BeforeEach(func() { sch = reportSchema() })

	Context("accepts the reports Summarize writes", func() {
		DescribeTable("of each result",
			func(r types.Report, opts report.Options, want report.Result) {
				b := writtenReport(r, opts)
				var back report.Summary
				Expect(json.Unmarshal(b, &back)).To(Succeed())
				Expect(back.Result).To(Equal(want), "the fixture gives the result it is named for")
				Expect(back.SchemaVersion).To(Equal(report.SchemaVersion))
				Expect(validateReport(sch, b)).To(Succeed())
			},
			Entry("FAIL, must and should failures, an unlabelled spec", run(
				spec("CCP-S-01", must, types.SpecStatePassed, ""),
				spec("CCP-S-05", must, types.SpecStateFailed, "Expected the proxy to be alive\nbut it exited"),
				spec("CCP-S-05", should, types.SpecStateFailed, "slow"),
				spec("CCP-S-16", should, types.SpecStatePanicked, "READY wait unbounded"),
				spec("", must, types.SpecStatePassed, ""),
			), report.Options{Suite: "ccproxy-server", Target: "socket /run/p.sock"}, report.ResultFail),
			Entry("FAIL, a suite failure", run(), report.Options{}, report.ResultFail),
			Entry("INCOMPLETE: blocked, limited, not applicable, skipped, leftovers", run(
				spec("CCP-S-13", must, types.SpecStatePassed, ""),
				blocked("CCP-S-20", must, "CCP-S-13", "RegisterVM: Expected\n<bool>: false"),
				limited("CCP-S-39", must, "the target gives no PID: fd table not compared"),
				notApplicable("CCP-S-25", should, "a per-pod proxy exits after UnregisterVM"),
				spec("CCP-S-25", must, types.SpecStatePassed, ""),
				spec("SPC-S-01", must, types.SpecStateSkipped, "needs root: the service creates namespaces"),
				spec("SPC-S-02", must, types.SpecStatePending, ""),
			), report.Options{Strict: true}, report.ResultIncomplete),
			Entry("INTERRUPTED", cut(run(
				spec("CCP-S-01", must, types.SpecStatePassed, ""),
				spec("CCP-S-05", must, types.SpecStateInterrupted, "Interrupted by User"),
				spec("CCP-S-06", must, types.SpecStateSkipped, ""),
			), "Interrupted by User"), report.Options{}, report.ResultInterrupted),
			Entry("DRY RUN, with a selection", func() types.Report {
				r := dry(run(spec("CCP-S-01", must, types.SpecStatePassed, ""), spec("CCP-S-16", should, types.SpecStatePassed, "")))
				r.SuiteConfig.LabelFilter = "CCP-S-01 || CCP-S-16"
				r.SuiteConfig.FocusStrings = []string{"proxy"}
				r.SuiteConfig.SkipStrings = []string{"slow"}
				return r
			}(), report.Options{}, report.ResultDryRun),
			Entry("PASS", run(spec("CCP-S-01", must, types.SpecStatePassed, "")), report.Options{}, report.ResultPass),
		)

		It("with the build that wrote it", func() {
			s := report.Summarize(run(spec("CCP-S-01", must, types.SpecStatePassed, "")), report.Options{})
			s.Wirecert = report.Build{Version: "v0.3.0", Commit: "4a50629"}
			b := Successful(json.Marshal(s))
			Expect(string(b)).To(ContainSubstring(`"wirecert":{"version":"v0.3.0","commit":"4a50629"}`))
			Expect(validateReport(sch, b)).To(Succeed())
		})

		It("omits an unknown build", func() {
			s := report.Summarize(run(spec("CCP-S-01", must, types.SpecStatePassed, "")), report.Options{})
			s.Wirecert = report.Build{}
			Expect(string(Successful(json.Marshal(s)))).NotTo(ContainSubstring(`"wirecert"`))
		})

		// Set WIRECERT_VALIDATE_REPORT to a report file (e.g.
		// reports/wirecert-reference.json) to check it against the schema too.
		It("and a report file named in WIRECERT_VALIDATE_REPORT", func() {
			path := os.Getenv("WIRECERT_VALIDATE_REPORT")
			if path == "" {
				Skip("WIRECERT_VALIDATE_REPORT not set")
			}
			Expect(validateReport(sch, Successful(os.ReadFile(path)))).To(Succeed(), path)
		})
	})

	// A schema that accepts anything is no check: each mutation of a valid
	// report must be rejected, at the place it damaged.
	DescribeTable("rejects a damaged report",
		func(damage func(m map[string]any), at string) {
			b := writtenReport(run(
				spec("CCP-S-01", must, types.SpecStatePassed, ""),
				blocked("CCP-S-20", must, "CCP-S-01", "RegisterVM"),
				spec("CCP-S-05", must, types.SpecStateFailed, "Expected"),
			), report.Options{})
			Expect(validateReport(sch, b)).To(Succeed(), "the report before damage")
			var m map[string]any
			Expect(json.Unmarshal(b, &m)).To(Succeed())
			damage(m)
			err := validateReport(sch, Successful(json.Marshal(m)))
			var verr *jsonschema.ValidationError
			Expect(errors.As(err, &verr)).To(BeTrue(), "a validation error, got %v", err)
			Expect(err.Error()).To(ContainSubstring("'" + at + "'"))
		},
		Entry("an unknown outcome", func(m map[string]any) { specAt(m, 0)["outcome"] = "passed (mostly)" }, "/specs/0/outcome"),
		Entry("an unknown verdict", func(m map[string]any) { reqAt(m, 0)["verdict"] = "fine" }, "/requirements/0/verdict"),
		Entry("an unknown result", func(m map[string]any) { m["result"] = "MAYBE" }, "/result"),
		Entry("an unknown level", func(m map[string]any) { specAt(m, 0)["level"] = "may" }, "/specs/0/level"),
		Entry("a malformed spec ID", func(m map[string]any) { specAt(m, 0)["id"] = "CCP-S-01 (must)" }, "/specs/0/id"),
		Entry("a spec without its requirement", func(m map[string]any) { delete(specAt(m, 0), "requirement") }, "/specs/0"),
		Entry("an unknown Ginkgo state", func(m map[string]any) { specAt(m, 0)["state"] = "flaky" }, "/specs/0/state"),
		Entry("a missing schemaVersion", func(m map[string]any) { delete(m, "schemaVersion") }, ""),
		Entry("another schemaVersion", func(m map[string]any) { m["schemaVersion"] = "0" }, "/schemaVersion"),
		Entry("a spec without outcome", func(m map[string]any) { delete(specAt(m, 0), "outcome") }, "/specs/0"),
		Entry("a requirement without verdict", func(m map[string]any) { delete(reqAt(m, 0), "verdict") }, "/requirements/0"),
		Entry("totals without specOutcomes", func(m map[string]any) { delete(m["totals"].(map[string]any), "specOutcomes") }, "/totals"),
		Entry("an unknown field", func(m map[string]any) { m["verdict"] = "PASS" }, ""),
		Entry("an unknown spec field", func(m map[string]any) { specAt(m, 0)["severity"] = "high" }, "/specs/0"),
		Entry("an exit code not its result's", func(m map[string]any) { m["exitCode"] = 0 }, "/exitCode"),
		Entry("a negative count", func(m map[string]any) { m["totals"].(map[string]any)["passed"] = -1 }, "/totals/passed"),
		Entry("a blocked spec not naming its blocker", func(m map[string]any) { delete(specAt(m, 1), "blockedBy") }, "/specs/1"),
		Entry("a start time that is not one", func(m map[string]any) { m["startTime"] = "yesterday" }, "/startTime"),
	)

	// The enums are the Go constants, both ways, and each value's meaning
	// is in its description.
	DescribeTable("enumerates every constant",
		func(def string, consts func() []string) {
			want := consts()
			Expect(want).NotTo(BeEmpty())
			d := schemaDef(def)
			Expect(enumOf(d)).To(ConsistOf(want))
			for _, v := range want {
				Expect(d["description"]).To(ContainSubstring(strconv.Quote(v)), "the meaning of %q", v)
			}
		},
		Entry("Outcome", "outcome", func() []string { return constsOf(".", "Outcome") }),
		Entry("Verdict", "verdict", func() []string { return constsOf(".", "Verdict") }),
		Entry("Result", "result", func() []string { return constsOf(".", "Result") }),
		Entry("requirement.Level", "level", func() []string { return constsOf("../requirement", "Level") }),
		Entry("Ginkgo's SpecState", "ginkgoState", func() []string {
			var out []string
			for _, st := range []types.SpecState{
				types.SpecStatePending, types.SpecStateSkipped, types.SpecStatePassed, types.SpecStateFailed,
				types.SpecStateAborted, types.SpecStatePanicked, types.SpecStateInterrupted, types.SpecStateTimedout,
			} {
				out = append(out, st.String())
			}
			return out
		}),
	)

	It("finds the constants it compares", func() {
		// A parse that found nothing would make the enum specs vacuous.
		Expect(constsOf(".", "Outcome")).To(ContainElements(string(report.OutcomeBlocked), string(report.OutcomeLimited)))
		Expect(constsOf(".", "Verdict")).To(ContainElement(string(report.VerdictFailedShould)))
		Expect(constsOf(".", "Result")).To(ContainElement(string(report.ResultDryRun)))
	})

	It("gives the exit code of each result", func() {
		for _, r := range constsOf(".", "Result") {
			Expect(schemaDef("result")["enum"]).To(ContainElement(r))
			Expect(schemaDoc()["properties"].(map[string]any)["exitCode"].(map[string]any)["enum"]).
				To(ContainElement(BeNumerically("==", report.Result(r).Exit())), "exit of %s", r)
		}
	})

	It("has the version Summarize writes", func() {
		Expect(schemaDoc()["properties"].(map[string]any)["schemaVersion"].(map[string]any)["const"]).To(Equal(report.SchemaVersion))
	})
})

func specAt(m map[string]any, i int) map[string]any {
	return m["specs"].([]any)[i].(map[string]any)
}

func reqAt(m map[string]any, i int) map[string]any {
	return m["requirements"].([]any)[i].(map[string]any)
}

var _ = DescribeTable("the build in a report",
	func(info debug.BuildInfo, want report.Build) {
		Expect(report.BuildOf(&info)).To(Equal(want))
	},
	Entry("wirecert built from a checkout", debug.BuildInfo{
		Main:     debug.Module{Path: "github.com/wirecert/wirecert", Version: "v0.3.1-0.20260102030405-4a5062900000"},
		Settings: []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "4a5062900000"}},
	}, report.Build{Version: "v0.3.1-0.20260102030405-4a5062900000", Commit: "4a5062900000"}),
	Entry("wirecert built without VCS stamping", debug.BuildInfo{
		Main: debug.Module{Path: "github.com/wirecert/wirecert", Version: "(devel)"},
	}, report.Build{}),
	Entry("a vendored suite: the dependency's version, not the vendor's commit", debug.BuildInfo{
		Main:     debug.Module{Path: "example.com/proxy", Version: "(devel)"},
		Deps:     []*debug.Module{{Path: "github.com/onsi/ginkgo/v2", Version: "v2.34.0"}, {Path: "github.com/wirecert/wirecert", Version: "v0.3.0"}},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "ffff"}},
	}, report.Build{Version: "v0.3.0"}),
	Entry("no wirecert at all", debug.BuildInfo{Main: debug.Module{Path: "example.com/other"}}, report.Build{}),
)
