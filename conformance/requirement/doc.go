// Package requirement is the catalogue of the numbered requirements that
// conformance specs cite (CCP-S, CCP-C, SPC-S, SPC-C): each
// ID with its text and its level, and the Ginkgo labels a spec carries so
// runs can be selected and reports grouped by requirement.
package requirement
