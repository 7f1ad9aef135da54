package report_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/conformance/report"
	"github.com/wirecert/wirecert/conformance/transcript"
	"github.com/wirecert/wirecert/fakes/wiretap"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// recordedTranscript is what a real Recorder keeps of a runtime's AttachVM
// answered with an error, the proxy's close, and a spacer message with fds.
func recordedTranscript() wiretap.Transcript {
	r := wiretap.New(time.Now().Add(-time.Second), wiretap.Limits{})
	rt := r.Open("runtime", wiretap.CCProxy)
	rt.Sent(api.AppendFrame(nil, api.NewFrame(api.TypeCommand, api.CmdAttachVM, false, []byte(`{"containerId":"x"}`))), nil)
	rt.Received(api.AppendFrame(nil, api.NewFrame(api.TypeResponse, api.CmdAttachVM, true, []byte(`{"msg":"unknown"}`))), nil)
	rt.Closed(wiretap.Received, "closed by the other end (EOF)")
	r.Open("spacer conn", wiretap.Raw).Received([]byte{1, 2, 3}, []int{7, 8})
	return r.Transcript()
}

// withTranscript adds t as the suites attach it (transcript.Record).
func withTranscript(sr types.SpecReport, t wiretap.Transcript) types.SpecReport {
	sr.ReportEntries = append(sr.ReportEntries, types.ReportEntry{
		Name: transcript.EntryName, Value: types.WrapEntryValue(t), Visibility: types.ReportEntryVisibilityNever})
	return sr
}

// throughJSON is r as a parent process reads a worker's report back.
func throughJSON(r types.Report) types.Report {
	GinkgoHelper()
	var back types.Report
	Expect(json.Unmarshal(Successful(json.Marshal(r)), &back)).To(Succeed())
	return back
}

// jsonNames are the JSON names of a struct's fields, in order.
func jsonNames(v any) []string {
	var names []string
	t := reflect.TypeOf(v)
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		names = append(names, name)
	}
	return names
}

// tev is a transcript event at offset seconds.
func tev(offset float64, channel, dir, decoded string, b ...byte) report.TranscriptEvent {
	return report.TranscriptEvent{OffsetSeconds: offset, Channel: channel, Direction: dir, Decoded: decoded, Bytes: b, Size: len(b)}
}

var _ = Describe("a spec's wire transcript", func() {

	DescribeTable("is read from the spec's report entry",
		func(through func(types.Report) types.Report) {
			rec := recordedTranscript()
			s := report.Summarize(through(run(withTranscript(spec("CCP-S-05", must, types.SpecStateFailed, "Expected"), rec))), report.Options{})
			t := s.Specs[0].Transcript
			Expect(t).NotTo(BeNil())
			Expect(t.Events).To(HaveLen(len(rec.Events)))
			for i, e := range rec.Events {
				Expect(t.Events[i]).To(Equal(report.TranscriptEvent{
					OffsetSeconds: e.OffsetSeconds, Channel: e.Channel, Direction: string(e.Direction),
					Bytes: e.Bytes, Size: e.Size, Decoded: e.Decoded, Fds: e.Fds, Closed: e.Closed,
				}), "event %d, every field", i)
			}
			Expect(t.Events[1].Decoded).To(Equal(`response AttachVM (E: error) {"msg":"unknown"}`))
			Expect(t.Events[3].Fds).To(Equal([]int{7, 8}))
		},
		Entry("in the process that ran it", func(r types.Report) types.Report { return r }),
		Entry("from a report read back from JSON, a worker's with -p", throughJSON),
	)

	It("has the fields of the Recorder's transcript, by their JSON names", func() {
		Expect(jsonNames(report.Transcript{})).To(Equal(jsonNames(wiretap.Transcript{})))
		Expect(jsonNames(report.TranscriptEvent{})).To(Equal(jsonNames(wiretap.Event{})))
	})

	It("is absent for a spec without one, and in the JSON", func() {
		s := report.Summarize(run(spec("CCP-S-01", must, types.SpecStatePassed, "")), report.Options{})
		Expect(s.Specs[0].Transcript).To(BeNil())
		Expect(string(Successful(json.Marshal(s.Specs[0])))).NotTo(ContainSubstring("transcript"))
	})

	It("is in the JSON report, bytes in base64, and the schema accepts it", func() {
		failed := withTranscript(spec("CCP-S-05", must, types.SpecStateFailed, "Expected"), recordedTranscript())
		passed := withTranscript(spec("CCP-S-01", must, types.SpecStatePassed, ""), recordedTranscript())
		b := writtenReport(run(failed, passed), report.Options{})
		Expect(validateReport(reportSchema(), b)).To(Succeed())
		Expect(string(b)).To(ContainSubstring(`"channel": "runtime"`))
		var back report.Summary
		Expect(json.Unmarshal(b, &back)).To(Succeed())
		Expect(back.Specs[0].Transcript.Events[0].Bytes[:8]).To(Equal([]byte{0, 2, 3, 0, 0, 0, 0, 2}))
	})

	DescribeTable("is refused by the schema when damaged",
		func(damage func(t map[string]any), at string) {
			b := writtenReport(run(withTranscript(spec("CCP-S-05", must, types.SpecStateFailed, "Expected"), recordedTranscript())), report.Options{})
			var m map[string]any
			Expect(json.Unmarshal(b, &m)).To(Succeed())
			damage(specAt(m, 0)["transcript"].(map[string]any))
			err := validateReport(reportSchema(), Successful(json.Marshal(m)))
			Expect(err).To(HaveOccurred())
			Expect(err.Error()).To(ContainSubstring("'" + at + "'"))
		},
		Entry("an unknown direction", func(t map[string]any) {
			t["events"].([]any)[0].(map[string]any)["direction"] = "sideways"
		}, "/specs/0/transcript/events/0/direction"),
		Entry("an event without its channel", func(t map[string]any) {
			delete(t["events"].([]any)[0].(map[string]any), "channel")
		}, "/specs/0/transcript/events/0"),
		Entry("a negative drop count", func(t map[string]any) { t["droppedEvents"] = -1 }, "/specs/0/transcript/droppedEvents"),
		Entry("an unknown field", func(t map[string]any) { t["frames"] = 3 }, "/specs/0/transcript"),
	)

	DescribeTable("Tail shows the last events, before the failure when the spec failed",
		func(t report.Transcript, n int, want string) {
			Expect(t.Tail(n)).To(Equal(want))
		},
		Entry("every event", report.Transcript{Events: []report.TranscriptEvent{
			tev(0.0012, "runtime", "sent", "command AttachVM {}", 0, 2, 3, 0),
			tev(0.0034, "agent ctl", "received", "ctl ping", 0, 0, 0, 12, 0, 0, 0, 8),
		}}, 0, strings.Join([]string{
			"wire transcript: last 2 of 2 events",
			"  +0.001s runtime   sent     4 bytes | command AttachVM {} | [00 02 03 00]",
			"  +0.003s agent ctl received 8 bytes | ctl ping | [00 00 00 0c 00 00 00 08]",
		}, "\n")),
		Entry("a one-byte write, in the singular", report.Transcript{Events: []report.TranscriptEvent{
			tev(0.0012, "runtime", "sent", "(command Hyper: 1 of 32 body bytes so far)", 0x7b),
		}}, 0, strings.Join([]string{
			"wire transcript: last 1 of 1 event",
			"  +0.001s runtime sent     1 byte | (command Hyper: 1 of 32 body bytes so far) | [7b]",
		}, "\n")),
		Entry("the last 2 before the failure, a close among them", report.Transcript{
			DroppedEvents: 5, FailedAtSeconds: 0.5,
			Events: []report.TranscriptEvent{
				tev(0.1, "shim", "sent", "a"),
				tev(0.2, "shim", "sent", "b", bytes.Repeat([]byte{0xab}, 20)...),
				{OffsetSeconds: 0.3, Channel: "shim", Direction: "received", Closed: true, Decoded: "closed by the other end (EOF)"},
				tev(0.9, "shim", "sent", "after"),
			}}, 2, strings.Join([]string{
			"wire transcript before the failure: last 2 of 8 events (5 dropped from the transcript); 1 more after it",
			"  +0.200s shim sent     20 bytes | b | [ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab …]",
			"  +0.300s shim received closed by the other end (EOF)",
		}, "\n")),
	)

	It("is shown under a failed spec on the console, not under a passed one", func() {
		failed := withTranscript(spec("CCP-S-05", must, types.SpecStateFailed, "Expected the proxy to answer"), recordedTranscript())
		passed := withTranscript(spec("CCP-S-01", must, types.SpecStatePassed, ""), recordedTranscript())
		var out bytes.Buffer
		Expect(report.Summarize(run(failed, passed), report.Options{}).WriteConsole(&out)).To(Succeed())
		Expect(strings.Count(out.String(), "wire transcript")).To(Equal(1))
		Expect(out.String()).To(MatchRegexp(`(?m)^ +Expected the proxy to answer\n(.*\n)* +wire transcript: last 4 of 4 events\n +\+\d\.\d{3}s runtime +sent +\d+ bytes \| command AttachVM \{"containerId":"x"\} \| \[00 02 03 00 `))
		Expect(out.String()).To(ContainSubstring(`spacer conn received 3 bytes | [01 02 03]`))
	})
})
