package ccproxy

import (
	"context"

	. "github.com/onsi/ginkgo/v2"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/conformance/transcript"
)

// ServerSpecs registers the cc-proxy server conformance suite against t:
// one Describe per protocol area, every spec labelled with the requirement
// (CCP-S-01..39) and level it checks, and named after the requirement's text.
// Call it at the top level of a test file (var _ = ServerSpecs(...)) or
// inside a container.
//
// Each spec starts its own fake VM agents in a fresh temp dir and uses
// container ids with a random suffix, so a shared proxy (Dial only) works;
// with Start, each spec gets a fresh proxy that is stopped afterwards, so a
// hostile case cannot spoil the next spec.
func ServerSpecs(t ServerTarget) bool {
	s := &serverSuite{t: t}
	// The target is not in the text: a report records it once, and spec
	// texts stay the same wherever the target is installed.
	return Describe("cc-proxy server conformance", AroundNode(s.cutOnInterrupt), func() {
		BeforeEach(transcript.Record) // first: its cleanup, run last, sees every close
		BeforeEach(func() {
			requirement.RecordTarget(t.Name)
			s.env = newServerEnv(t)
		})

		Describe("frame header", s.headerSpecs)
		Describe("framing", s.framingSpecs)
		Describe("commands", s.commandSpecs)
		Describe("VM registration", s.vmSpecs)
		Describe("Hyper", s.hyperSpecs)
		Describe("shims", s.shimSpecs)
		Describe("signals", s.signalSpecs)
		Describe("streams", s.streamSpecs)
		Describe("lifecycle", s.lifecycleSpecs)
	})
}

// cutOnInterrupt runs one node of a spec. When Ginkgo cancels the node's
// context before it ended (Ctrl-C, SIGTERM, the spec's timeout), the
// spec's connections to the proxy are closed: a read in progress ends at
// once, not at its deadline (a step, or CCP-S-16's 30 s), and so does
// every later one, so the run stops within moments.
func (s *serverSuite) cutOnInterrupt(ctx context.Context, node func(context.Context)) {
	env := s.env // this spec's, set by its BeforeEach in this goroutine
	stop := context.AfterFunc(ctx, func() {
		if env != nil {
			env.wires.cut()
		}
	})
	defer stop()
	node(ctx)
}

// serverSuite carries the target and the current spec's environment to the
// spec bodies of every area.
type serverSuite struct {
	t   ServerTarget
	env *serverEnv
}

// it registers the spec specID ("CCP-S-05/header-length-0") checking its
// requirement at level.
func (s *serverSuite) it(specID string, level requirement.Level, what string, body func(ctx SpecContext)) {
	It(requirement.Describe(specID, level, what), requirement.Labels(specID, level), SpecTimeout(s.t.specTimeout()), body)
}

// entry is the table entry specID checking its requirement at level;
// params are the table body's arguments after the SpecContext.
func (s *serverSuite) entry(specID string, level requirement.Level, what string, params ...any) TableEntry {
	return Entry(requirement.Describe(specID, level, what),
		append([]any{requirement.Labels(specID, level), SpecTimeout(s.t.specTimeout())}, params...)...)
}
