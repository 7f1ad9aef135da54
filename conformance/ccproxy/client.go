package ccproxy

import (
	. "github.com/onsi/ginkgo/v2"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/conformance/transcript"
)

// ClientSpecs registers the cc-proxy client (shim) conformance suite
// against t: one Describe per area, every spec labelled with the
// requirement (CCP-C-01..12) and level it checks and named after the
// requirement's text. Call it at the top level of a test file (var _ =
// ClientSpecs(...)) or inside a container.
//
// Each spec starts a fake proxy (fakes/fakeproxy) on a fresh socket, runs
// one shim session through t.Shim with a fresh random token, a stdin the
// spec writes, stdout and stderr buffers, a Signals channel and a
// WindowSize, and judges the frames the shim sent and how it exited. Every
// spec also checks that each frame the shim emitted was well-formed
// (CCP-C-01) and of a kind a client may send (CCP-C-12).
//
// A session has a terminal or none, as a runtime gives a shim one for a
// container with a terminal (ShimRun.Terminal): the specs about SIGWINCH
// and window sizes run with one, so the shim may read its window size from
// any of its stdin, stdout and stderr; those about stdin's EOF or stdout
// and stderr staying apart run without, with pipes.
func ClientSpecs(t ClientTarget) bool {
	s := &clientSuite{t: t}
	// The target is not in the text: a report records it once, and spec
	// texts stay the same wherever the target is installed.
	return Describe("cc-proxy client conformance", func() {
		BeforeEach(transcript.Record) // first: its cleanup, run last, sees every close
		BeforeEach(func() { requirement.RecordTarget(t.Name) })
		Describe("emitted frames", s.emittedSpecs)
		Describe("reading frames", s.readingSpecs)
		Describe("session", s.sessionSpecs)
		Describe("streams", s.streamSpecs)
		Describe("signals", s.signalSpecs)
	})
}

// clientSuite carries the target to the spec bodies of every area.
type clientSuite struct {
	t ClientTarget
}

// it registers the spec specID ("CCP-S-05/header-length-0") checking its
// requirement at level.
func (s *clientSuite) it(specID string, level requirement.Level, what string, body func(ctx SpecContext)) {
	It(requirement.Describe(specID, level, what), requirement.Labels(specID, level), SpecTimeout(s.t.specTimeout()), body)
}

// entry is the table entry specID checking its requirement at level;
// params are the table body's arguments after the SpecContext.
func (s *clientSuite) entry(specID string, level requirement.Level, what string, params ...any) TableEntry {
	return Entry(requirement.Describe(specID, level, what),
		append([]any{requirement.Labels(specID, level), SpecTimeout(s.t.specTimeout())}, params...)...)
}
