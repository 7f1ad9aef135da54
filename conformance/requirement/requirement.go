package requirement

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"
)

// Level says whether failing a requirement fails certification (Must) or
// only with --strict (Should).
type Level string

// The levels, as they appear in spec labels.
const (
	Must   Level = "must"
	Should Level = "should"
)

// Requirement is one numbered requirement.
type Requirement struct {
	// ID is its number, e.g. "CCP-S-05": CCP-S proxy, CCP-C runtime
	// client and shim, SPC-S spacer service, SPC-C spacer client.
	ID string
	// Text says what an implementation must do (and SHOULD do, where
	// the requirement has a should level).
	Text string
	// Rationale says why it is required: the defect of a real
	// implementation it catches, or the peer behaviour it protects.
	Rationale string
}

// Lookup returns the requirement with id.
func Lookup(id string) (Requirement, bool) {
	text, ok := catalogue[id]
	return Requirement{ID: id, Text: text, Rationale: rationales[id]}, ok
}

// All returns every requirement whose ID starts with prefix, in ID order.
func All(prefix string) []Requirement {
	var reqs []Requirement
	for id, text := range catalogue {
		if strings.HasPrefix(id, prefix) {
			reqs = append(reqs, Requirement{ID: id, Text: text, Rationale: rationales[id]})
		}
	}
	sort.Slice(reqs, func(i, j int) bool { return reqs[i].ID < reqs[j].ID })
	return reqs
}

// Labels returns the Ginkgo labels of a spec checking id at level: the
// requirement ID and the level, so `--label-filter 'CCP-S-05 && must'`
// selects it. id is a requirement ID or a spec ID ("CCP-S-05/header-length-0",
// whose requirement is CCP-S-05). An unknown requirement or a malformed spec
// ID panics at spec registration: a typo must not silently drop a spec from
// a report.
func Labels(id string, level Level) ginkgo.Labels {
	return ginkgo.Label(requirementOf(id), string(level))
}

// Describe names a spec by its spec ID and requirement: "CCP-S-05/header-length-0
// (must): text: what", the requirement's text from the catalogue (ParseText
// reads it back). A malformed spec ID or an unknown requirement panics at
// spec registration.
func Describe(specID string, level Level, what string) string {
	if !strings.Contains(specID, "/") {
		panic(fmt.Sprintf("%q is not a spec ID: allowed <requirement ID>/<slug> such as CCP-S-05/header-length-0", specID))
	}
	r, _ := Lookup(requirementOf(specID))
	if what == "" {
		return fmt.Sprintf("%s (%s): %s", specID, level, r.Text)
	}
	return fmt.Sprintf("%s (%s): %s: %s", specID, level, r.Text, what)
}

// FromLabels returns the requirement ID and level among a spec's labels.
func FromLabels(labels []string) (id string, level Level) {
	for _, l := range labels {
		switch {
		case l == string(Must) || l == string(Should):
			level = Level(l)
		case catalogue[l] != "":
			id = l
		}
	}
	return id, level
}

// NotApplicablePrefix starts the Skip message of a spec that cannot apply
// to the target's shape (a per-pod proxy has no second VM and no socket
// after UnregisterVM): reports show it as not applicable, never as a pass
// or a failure.
const NotApplicablePrefix = "not applicable: "

// NotApplicable ends the running spec as not applicable, for reason.
func NotApplicable(reason string) {
	ginkgo.GinkgoHelper()
	ginkgo.Skip(NotApplicablePrefix + reason)
}

// BlockedPrefix starts the Skip message of a spec blocked by another
// requirement: "blocked by CCP-S-13: <first failure>". Reports show the
// spec as blocked by that requirement, neither a pass nor a failure of its
// own (see Precondition).
const BlockedPrefix = "blocked by "

// Target is what a spec is blocked by when the target itself could not be
// reached (see BlockedByTarget), in place of a requirement ID.
const Target = "target"

// BlockedByTarget ends the running spec as blocked by the target, for
// reason: the target stopped being reachable (it no longer accepts
// connections, or could not be started), so the spec judged nothing.
// Reports show "blocked by target: reason"; the run cannot pass.
func BlockedByTarget(reason string) {
	ginkgo.GinkgoHelper()
	ginkgo.Skip(BlockedPrefix + Target + ": " + reason)
}

// Report entry names the reports read; specs must not use them otherwise.
const (
	// LimitedEntry carries the reason of Limited.
	LimitedEntry = "wirecert limited"
	// EscapedEntry marks a precondition ended by something other than a
	// Gomega assertion (ginkgo.Fail, a panic, Skip): the spec's outcome is
	// its own, and reports say the precondition was not attributed.
	EscapedEntry = "wirecert precondition escaped"
)

// Precondition runs step, a step of the running spec that belongs to the
// requirement id rather than to the spec's own (registering the VM a Hyper
// spec needs, say). When a Gomega assertion in step fails, step stops there
// and the spec ends as blocked by id (a Skip with BlockedPrefix), so the
// failure is not counted against the spec's own requirement. It returns
// when step passed.
//
// step must fail through Gomega assertions (Expect, Eventually, ...) made
// on this goroutine: those are intercepted. ginkgo.Fail cannot be undone
// once called, so a ginkgo.Fail, a panic or a Skip inside step is not
// attributed: it ends the spec as it would outside, and an EscapedEntry
// report entry makes the report say so. Assertions made by other
// goroutines while step runs are intercepted too (Gomega's default fail
// handler is process-wide): start none that assert.
//
// A step that blocks until the spec timeout makes the spec timed out, a
// failure of its own requirement: bound every wait in step (the target's
// step timeout with Eventually, deadlines on reads), or use
// PreconditionWithin. When id is the spec's own requirement, step runs as
// is: a spec cannot be blocked by itself. An id not in the catalogue panics.
func Precondition(id string, step func()) {
	ginkgo.GinkgoHelper()
	mustExist(id)
	if own, _ := FromLabels(ginkgo.CurrentSpecReport().Labels()); own == id {
		// The spec's own requirement fails the spec, also when the step
		// runs inside another requirement's precondition: through
		// ginkgo.Fail, which no Gomega interception catches.
		if err := gomega.InterceptGomegaFailure(step); err != nil {
			ginkgo.Fail(err.Error(), 1)
		}
		return
	}
	if err := intercept(id, step); err != nil {
		ginkgo.Skip(BlockedPrefix + id + ": " + err.Error())
	}
}

// PreconditionWithin is Precondition for a step bounded by bound: step gets
// a context that ends when ctx does or bound elapsed, whichever is first.
// A step that fails an assertion, or returns after its bound elapsed while
// ctx is still live, blocks the spec by id. When ctx itself ended (the spec
// timed out or the run was interrupted) the spec is not blocked: it ends as
// Ginkgo says. step must return once its context is done; a step that
// ignores it runs on, until the spec timeout.
func PreconditionWithin(ctx context.Context, id string, bound time.Duration, step func(ctx context.Context)) {
	ginkgo.GinkgoHelper()
	stepCtx, cancel := context.WithTimeout(ctx, bound)
	defer cancel()
	Precondition(id, func() {
		step(stepCtx)
		if ctx.Err() == nil && stepCtx.Err() != nil {
			ginkgo.GinkgoHelper()
			gomega.Expect(stepCtx.Err()).NotTo(gomega.HaveOccurred(), "the step did not finish within %v", bound)
		}
	})
}

// intercept runs step with Gomega's failures intercepted and returns the
// first. Any other panic is marked with EscapedEntry and goes on.
func intercept(id string, step func()) (err error) {
	intercepted := false
	defer func() {
		if !intercepted {
			if p := recover(); p != nil {
				ginkgo.AddReportEntry(EscapedEntry, id, ginkgo.ReportEntryVisibilityFailureOrVerbose)
				panic(p)
			}
		}
	}()
	err = gomega.InterceptGomegaFailure(step)
	intercepted = true
	return err
}

// TargetEntry names the report entry holding the name of the target a
// spec ran against: spec texts leave the target out, so that they do not
// change with it, and a report without a target of its own names it from
// these entries.
const TargetEntry = "wirecert target"

// RecordTarget records name as the target the running spec runs against
// (TargetEntry), unless it is empty. Call it from a BeforeEach.
func RecordTarget(name string) {
	if name != "" {
		ginkgo.AddReportEntry(TargetEntry, name, ginkgo.ReportEntryVisibilityNever)
	}
}

// LeftoverEntry names the report entry saying that a target left
// processes running after the process the suite started ended (a daemon):
// no requirement forbids it, so it fails nothing, but reports show it.
const LeftoverEntry = "wirecert: leftover processes"

// Limited marks the running spec's pass as limited: the target's form
// allowed it to check less than the requirement asks (no PID for a --socket
// or Dial target, so no fd table to compare), for reason. Reports show
// "passed (limited: reason)"; a limited pass still passes. A spec that
// fails is failed, limited or not.
func Limited(reason string) {
	ginkgo.GinkgoHelper()
	ginkgo.AddReportEntry(LimitedEntry, reason, ginkgo.ReportEntryVisibilityFailureOrVerbose)
}

func mustExist(id string) {
	if _, ok := catalogue[id]; !ok {
		panic(fmt.Sprintf("requirement %q is not in the catalogue", id))
	}
}

// Fail fails the running spec with message as ginkgo.Fail does, but through
// Gomega's fail handler: inside a Precondition's step it is intercepted like
// any assertion, so the step's requirement blocks the spec instead of the
// failure escaping it (ginkgo.Fail cannot be intercepted).
func Fail(message string) {
	ginkgo.GinkgoHelper()
	gomega.Expect(message).To(failure{})
}

// failure is a matcher that never matches and whose message is the actual
// value: a Gomega failure that reads as the message alone.
type failure struct{}

func (failure) Match(any) (bool, error)                 { return false, nil }
func (failure) FailureMessage(actual any) string        { return fmt.Sprint(actual) }
func (failure) NegatedFailureMessage(actual any) string { return fmt.Sprint(actual) }
