package wiretap_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/onsi/gomega/gstruct"

	"github.com/wirecert/wirecert/fakes/wiretap"
)

// chunk is a chunk of n bytes, each byte i.
func chunk(i, n int) []byte { return bytes.Repeat([]byte{byte(i)}, n) }

var _ = Describe("a Recorder", func() {

	BeforeEach(leakChecked)

	It("records nothing and costs nothing without a current one", func() {
		Expect(wiretap.Current()).To(BeNil())
		ch := wiretap.Open("runtime", wiretap.CCProxy)
		Expect(ch).To(BeNil())
		// a nil Channel takes every call
		ch.Sent([]byte{1}, nil)
		ch.SentAt(time.Now(), []byte{1}, []int{3})
		ch.Received([]byte{1}, nil)
		ch.Closed(wiretap.Sent, "closed")
		ch.ReadClosed(nil)
		ch.Rename("shim")
		Expect(ch.Name()).To(BeEmpty())
	})

	It("is current from Start to Stop, and ignores what comes after Stop", func() {
		r := wiretap.Start(time.Time{}, wiretap.Limits{})
		Expect(wiretap.Current()).To(BeIdenticalTo(r))
		ch := wiretap.Open("runtime", wiretap.Raw)
		ch.Sent([]byte("abc"), nil)
		t := r.Stop()
		Expect(wiretap.Current()).To(BeNil())
		ch.Sent([]byte("late"), nil)
		Expect(t.Events).To(HaveLen(1))
		Expect(r.Transcript().Events).To(HaveLen(1), "nothing after Stop")
		Expect(t.Events[0]).To(MatchFields(IgnoreExtras, Fields{
			"Channel": Equal("runtime"), "Direction": Equal(wiretap.Sent),
			"Bytes": Equal([]byte("abc")), "Size": Equal(3),
		}))
		Expect(t.Events[0].OffsetSeconds).To(BeNumerically(">=", 0))
	})

	It("stays current when an older one stops", func() {
		old := wiretap.Start(time.Time{}, wiretap.Limits{})
		r := wiretap.Start(time.Time{}, wiretap.Limits{})
		old.Stop()
		Expect(wiretap.Current()).To(BeIdenticalTo(r))
		r.Stop()
		Expect(wiretap.Current()).To(BeNil())
	})

	It("keeps the events of a Channel on the Recorder it was opened on", func() {
		first := wiretap.Start(time.Time{}, wiretap.Limits{})
		ch := wiretap.Open("agent ctl", wiretap.Raw)
		second := wiretap.Start(time.Time{}, wiretap.Limits{})
		ch.Received([]byte{1}, nil)
		Expect(first.Stop().Events).To(HaveLen(1))
		Expect(second.Stop().Events).To(BeEmpty())
	})

	It("counts offsets from the origin it was given", func() {
		r := wiretap.New(time.Now().Add(-time.Second), wiretap.Limits{})
		r.Open("runtime", wiretap.Raw).Sent([]byte{1}, nil)
		Expect(r.Transcript().Events[0].OffsetSeconds).To(BeNumerically("~", 1, 0.5))
	})

	It("names channels apart within a spec", func() {
		r := wiretap.New(time.Time{}, wiretap.Limits{})
		a := r.Open("agent ctl", wiretap.Raw)
		b := r.Open("agent ctl", wiretap.Raw)
		c := r.Open("connection", wiretap.Raw)
		Expect([]string{a.Name(), b.Name(), c.Name()}).To(Equal([]string{"agent ctl", "agent ctl 2", "connection"}))
		c.Rename("runtime")
		Expect(c.Name()).To(Equal("runtime"))
		Expect(r.Open("connection", wiretap.Raw).Name()).To(Equal("connection"), "a renamed channel gives its name back")
		Expect(r.Open("runtime", wiretap.Raw).Name()).To(Equal("runtime 2"))
	})

	It("orders a write by when it began, before what happened meanwhile", func() {
		r := wiretap.New(time.Time{}, wiretap.Limits{})
		runtime, agent := r.Open("runtime", wiretap.Raw), r.Open("agent ctl", wiretap.Raw)
		begun := time.Now()
		time.Sleep(time.Millisecond)
		agent.Received([]byte("forwarded"), nil) // while the write still ran
		runtime.SentAt(begun, []byte("command"), nil)
		t := r.Transcript()
		Expect([]string{t.Events[0].Channel, t.Events[1].Channel}).To(Equal([]string{"runtime", "agent ctl"}))
		Expect(t.Events[0].OffsetSeconds).To(BeNumerically("<", t.Events[1].OffsetSeconds))
	})

	DescribeTable("stays bounded, keeping the tail and counting the rest",
		func(l wiretap.Limits, chunks []int, wantKept []int, wantDroppedEvents int, wantDroppedBytes int64) {
			r := wiretap.New(time.Time{}, l)
			ch := r.Open("runtime", wiretap.Raw)
			for i, n := range chunks {
				ch.Sent(chunk(i, n), nil)
			}
			t := r.Transcript()
			var kept []int
			for _, e := range t.Events {
				kept = append(kept, int(e.Bytes[0]))
				Expect(e.Size).To(Equal(chunks[e.Bytes[0]]), "Size is the chunk's length on the wire")
				Expect(len(e.Bytes)).To(BeNumerically("<=", l.EventBytes))
			}
			Expect(kept).To(Equal(wantKept), "the chunks kept, by number")
			Expect(t.DroppedEvents).To(Equal(wantDroppedEvents))
			Expect(t.DroppedBytes).To(Equal(wantDroppedBytes))
		},
		Entry("within every limit", wiretap.Limits{Events: 4, Bytes: 100, EventBytes: 10}, []int{5, 5, 5}, []int{0, 1, 2}, 0, int64(0)),
		Entry("more events than the limit", wiretap.Limits{Events: 3, Bytes: 100, EventBytes: 10}, []int{1, 2, 3, 4, 5}, []int{2, 3, 4}, 2, int64(3)),
		Entry("more bytes than the limit", wiretap.Limits{Events: 10, Bytes: 20, EventBytes: 10}, []int{10, 10, 10, 5}, []int{2, 3}, 2, int64(20)),
		Entry("a long chunk cut to EventBytes", wiretap.Limits{Events: 10, Bytes: 100, EventBytes: 10}, []int{25, 3}, []int{0, 1}, 0, int64(15)),
		Entry("a long chunk cut, then dropped", wiretap.Limits{Events: 1, Bytes: 100, EventBytes: 10}, []int{25, 3}, []int{1}, 1, int64(25)),
		Entry("many more events than the limit: the front is reused", wiretap.Limits{Events: 2, Bytes: 100, EventBytes: 10},
			[]int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, []int{10, 11}, 10, int64(10)),
	)

	It("cuts a decoded form to DecodedChars", func() {
		r := wiretap.New(time.Time{}, wiretap.Limits{DecodedChars: 40})
		payload := bytes.Repeat([]byte("é"), 100)
		frame := append([]byte{0, 2, 3, 0, 0, 0, 2, 0, 0, 0, 0, byte(len(payload))}, payload...)
		r.Open("runtime", wiretap.CCProxy).Sent(frame, nil)
		d := r.Transcript().Events[0].Decoded
		Expect(len(d)).To(BeNumerically("<=", 40))
		Expect(d).To(HaveSuffix(" …"))
		Expect(d).To(HavePrefix("stream stdin éé"))
	})

	It("records closes once per direction", func() {
		r := wiretap.New(time.Time{}, wiretap.Limits{})
		ch := r.Open("shim", wiretap.Raw)
		ch.Closed(wiretap.Sent, "closed")
		ch.Closed(wiretap.Sent, "closed")
		ch.ReadClosed(fmt.Errorf("read: %w", io.EOF))
		ch.ReadClosed(fmt.Errorf("read: %w", io.EOF))
		t := r.Transcript()
		Expect(t.Events).To(HaveLen(2))
		Expect(t.Events[0]).To(MatchFields(IgnoreExtras, Fields{"Direction": Equal(wiretap.Sent), "Closed": BeTrue(), "Decoded": Equal("closed")}))
		Expect(t.Events[1]).To(MatchFields(IgnoreExtras, Fields{"Direction": Equal(wiretap.Received), "Closed": BeTrue(), "Decoded": ContainSubstring("EOF")}))
	})

	It("takes the events of many goroutines at once (run with -race)", func() {
		r := wiretap.New(time.Time{}, wiretap.Limits{Events: 50, Bytes: 1 << 20, EventBytes: 64})
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ch := r.Open("conn", wiretap.CCProxy)
				frame := []byte{0, 2, 3, 0, 0, 0, 2, 1, 0, 0, 0, 1, byte(g)}
				for range 200 {
					ch.Sent(frame, nil)
					ch.SentAt(time.Now().Add(-time.Microsecond), frame[:5], nil)
					ch.Received(frame[5:], nil)
					_ = r.Transcript()
				}
				ch.Closed(wiretap.Sent, "closed")
			}()
		}
		wg.Wait()
		t := r.Stop()
		Expect(t.Events).To(HaveLen(50))
		Expect(t.DroppedEvents).To(Equal(8*(3*200+1) - 50))
		for i := 1; i < len(t.Events); i++ {
			Expect(t.Events[i].OffsetSeconds).To(BeNumerically(">=", t.Events[i-1].OffsetSeconds), "event %d in time order", i)
		}
	})

	It("gives a Transcript whose JSON is the report's contract", func() {
		r := wiretap.New(time.Time{}, wiretap.Limits{})
		r.Open("spacer conn", wiretap.Raw).Received([]byte{0xde, 0xad}, []int{7})
		t := r.Transcript()
		t.FailedAtSeconds = 1.5
		var m map[string]any
		Expect(json.Unmarshal([]byte(mustJSON(t)), &m)).To(Succeed())
		Expect(m).To(HaveKeyWithValue("droppedEvents", BeNumerically("==", 0)))
		Expect(m).To(HaveKeyWithValue("droppedBytes", BeNumerically("==", 0)))
		Expect(m).To(HaveKeyWithValue("failedAtSeconds", 1.5))
		e := m["events"].([]any)[0].(map[string]any)
		Expect(e).To(HaveKeyWithValue("channel", "spacer conn"))
		Expect(e).To(HaveKeyWithValue("direction", "received"))
		Expect(e).To(HaveKeyWithValue("bytes", "3q0="), "base64")
		Expect(e).To(HaveKeyWithValue("size", BeNumerically("==", 2)))
		Expect(e).To(HaveKeyWithValue("fds", ConsistOf(BeNumerically("==", 7))))
		Expect(e).To(HaveKey("offsetSeconds"))
		Expect(e).NotTo(HaveKey("closed"))
		Expect(t.String()).To(Equal("1 wire events (2 bytes), 0 dropped (0 bytes)"))
	})
})

func mustJSON(v any) string {
	GinkgoHelper()
	b, err := json.Marshal(v)
	Expect(err).NotTo(HaveOccurred())
	return string(b)
}
