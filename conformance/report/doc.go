// Package report turns a Ginkgo run of the conformance suites into verdicts
// per requirement ID, and writes them the same way for every kind of run:
// the wirecert CLI and a suite vendored into an implementer's own tests.
//
// A spec cites its requirement with labels (an ID such as CCP-S-05 and a
// level, must or should; see package requirement). Summarize groups a
// Ginkgo types.Report by those labels; a requirement fails when one of its
// selected must-level specs fails, and a should-level failure is reported as
// "failed (should)" without failing the run unless Options.Strict is set.
// Summary.ExitCode is 0 exactly when no selected spec that counts failed and
// the suite itself did not fail (a failed setup node, an interrupt, a suite
// timeout).
//
// The same summary is printed as a console table (Summary.WriteConsole),
// written as JSON (Summary.WriteJSON), and the Ginkgo report as JUnit
// (WriteJUnit). A vendored suite gets exactly what the CLI prints either by
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
