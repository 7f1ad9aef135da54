// Package transcript gives every spec of a conformance suite a wire
// transcript: Record, called from a BeforeEach of the suite's top
// container, starts a wiretap.Recorder for the spec, which the suite's
// fakes record into, and attaches its Transcript to the spec's report when
// the spec ends, as the report entry EntryName (JSON value, never shown in
// Ginkgo's own output). Package report reads it back into
// SpecResult.Transcript.
package transcript
