// Package requirement is the catalogue of the numbered requirements that
// conformance specs cite (CCP-S, CCP-C, SPC-S, SPC-C): each
// ID with its text and its level, and the Ginkgo labels a spec carries so
// runs can be selected and reports grouped by requirement. Each spec also
// has a spec ID, its requirement and a slug (CCP-S-05/header-length-0),
// which Describe puts at the start of its text and which does not depend on
// the target: reports and `wirecert run --spec` name specs by it.
//
// A spec judges its own requirement only. It also says what else became of
// it, for the reports (package report) to tell:
//
//   - Precondition(id, step) wraps a step belonging to another requirement;
//     when a Gomega assertion in it fails, the spec is blocked by id, not
//     failed (PreconditionWithin bounds the step by a context).
//   - Limited(reason) marks a pass that checked less than the requirement
//     asks because of the target's form.
//   - NotApplicable(reason) ends a spec that cannot apply to the target's
//     shape.
//
// Each leaves a mark in Ginkgo's report (a Skip message prefix or a report
// entry) rather than a dependency on package report, which reads them.
package requirement
