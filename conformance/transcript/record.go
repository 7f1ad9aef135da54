package transcript

import (
	"github.com/onsi/ginkgo/v2"

	"github.com/wirecert/wirecert/fakes/wiretap"
)

// EntryName names the report entry holding a spec's wiretap.Transcript.
const EntryName = "wirecert transcript"

// Limits bound each spec's transcript.
var Limits = wiretap.DefaultLimits

// Record records the current spec's wire traffic, from now until the spec
// ends: call it from a BeforeEach of the suite's top container, before
// anything that makes a connection. Its cleanup, registered first, runs
// after the spec's other cleanups, so the closes they make are in the
// transcript. A spec that moved nothing on the wire gets no entry.
func Record() {
	origin := ginkgo.CurrentSpecReport().StartTime
	rec := wiretap.Start(origin, Limits)
	ginkgo.DeferCleanup(func() {
		t := rec.Stop()
		if len(t.Events) == 0 && t.DroppedEvents == 0 {
			return
		}
		if sr := ginkgo.CurrentSpecReport(); sr.Failed() && !origin.IsZero() {
			if at := sr.Failure.TimelineLocation.Time; !at.IsZero() {
				t.FailedAtSeconds = max(at.Sub(origin).Seconds(), 0)
			}
		}
		ginkgo.AddReportEntry(EntryName, t, ginkgo.ReportEntryVisibilityNever)
	})
}
