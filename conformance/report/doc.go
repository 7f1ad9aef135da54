// Package report turns a Ginkgo run of the conformance suites into verdicts
// per requirement ID, and writes them the same way for every kind of run:
// the wirecert CLI and a suite vendored into an implementer's own tests.
//
// A spec cites its requirement with labels (an ID such as CCP-S-05 and a
// level, must or should; see package requirement), and its text starts
// with its spec ID (CCP-S-05/header-length-0), which reports name it by and
// which never depends on the target. Summarize groups a
// Ginkgo types.Report by those labels and gives each spec an Outcome
// (passed, passed (limited), failed, blocked, not applicable, skipped,
// interrupted) and each requirement a Verdict (the same, and failed
// (should)); the rules are on Verdict. A requirement fails when one of its
// selected must-level specs fails; a should-level failure is "failed
// (should)" without failing the run unless Options.Strict is set. A spec
// blocked by another requirement (requirement.Precondition) is neither a
// pass nor a failure of its own.
//
// The run's Result and Summary.ExitCode: FAIL (1) when a requirement or the
// suite itself failed (a setup node, nothing selected); else INTERRUPTED
// (4) when the run was cut short (Ctrl-C, the suite timeout), not a verdict
// on the target; else INCOMPLETE (3) when a selected must-level
// requirement was left unchecked (blocked, skipped, not applicable), never
// a pass; else PASS (0). A dry run is DRY RUN (0): nothing ran, nothing
// counts as passed.
//
// The same summary is printed as a console table (Summary.WriteConsole),
// written as JSON (Summary.WriteJSON) and as JUnit (Summary.WriteJUnit, in
// the shape of JUnitSchema, which Jenkins and GitLab read). A vendored suite gets exactly what the CLI prints either by
// calling RunSpecs instead of ginkgo.RunSpecs, which also makes `go test`
// fail only when the summary does, or by calling AfterSuite from its own
// ReportAfterSuite:
//
//	var _ = ccproxy.ServerSpecs(ccproxy.CommandServer([]string{"myproxy", "--socket", "{socket}"}))
//
//	func TestConformance(t *testing.T) {
//		report.RunSpecs(t, "my proxy", report.Options{
//			Suite: "ccproxy-server", Target: "myproxy",
//			JSONFile: "reports/conformance.json", JUnitFile: "reports/conformance.junit.xml",
//		})
//	}
//
// The -ginkgo.* flags of `go test` (label filter, focus, timeout) apply.
package report
