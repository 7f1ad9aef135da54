package report_test

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/conformance/report"
	"github.com/wirecert/wirecert/conformance/requirement"
)

// hostile is what a target may put in a message: markup that must reach the
// page as text.
const hostile = `</pre><script>alert("owned")</script><img src="http://example.invalid/x.png">`

// htmlSummary has a requirement of every verdict and a spec of every
// outcome, with hostile text wherever a target or a spec writes.
func htmlSummary() report.Summary {
	sp := func(id string, state string, outcome report.Outcome) report.SpecResult {
		req, _, _ := strings.Cut(id, "/")
		return report.SpecResult{ID: id, Requirement: req, Level: requirement.Must, Text: "cc-proxy server conformance " + id + " (must): checks " + id,
			Outcome: outcome, State: state, DurationSeconds: 0.025}
	}
	failed := sp("CCP-S-05/header-length-0", "failed", report.OutcomeFailed)
	failed.Message, failed.Location = "the proxy died\n"+hostile, "server_header.go:50"
	failed.Transcript = &report.Transcript{
		DroppedEvents: 3, DroppedBytes: 40, FailedAtSeconds: 0.5,
		Events: []report.TranscriptEvent{
			{OffsetSeconds: 0.012, Channel: "runtime", Direction: "sent", Bytes: []byte("\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02{}"), Size: 14,
				Decoded: "command RegisterVM {}"},
			{OffsetSeconds: 0.25, Channel: "agent ctl", Direction: "received", Bytes: []byte(hostile), Size: 5000, Decoded: hostile, Fds: []int{7, 9}},
			{OffsetSeconds: 0.75, Channel: "runtime", Direction: "received", Closed: true, Decoded: "closed by the proxy"},
		},
	}
	failedShould := sp("CCP-S-05/quick", "failed", report.OutcomeFailed)
	failedShould.Level, failedShould.Message = requirement.Should, "too slow"
	waived := sp("CCP-S-16/ready-bound", "failed", report.OutcomeFailed)
	waived.Level, waived.Message = requirement.Should, "READY wait unbounded"
	limited := sp("CCP-S-02/e-flag", "passed", report.OutcomeLimited)
	limited.Limits = []string{"a --socket target: " + hostile}
	blocked := sp("CCP-S-17/attach-unregistered", "skipped", report.OutcomeBlocked)
	blocked.BlockedBy, blocked.Message = "CCP-S-05", "blocked by CCP-S-05: the header step failed"
	skipped := sp("CCP-S-28/needs-root", "skipped", report.OutcomeSkipped)
	skipped.Message = "needs root"
	na := sp("CCP-S-39/per-pod", "skipped", report.OutcomeNotApplicable)
	na.Message = "not applicable: per-pod proxy"
	cut := sp("CCP-S-20/hyper", "interrupted", report.OutcomeInterrupted)
	cut.Message = "Interrupted by User"
	passedWith := sp("CCP-S-01/zero", "passed", report.OutcomePassed)
	passedWith.Transcript = &report.Transcript{Events: []report.TranscriptEvent{{Channel: "runtime", Direction: "sent", Bytes: []byte{1}, Size: 1}}}
	unlabelled := report.SpecResult{Requirement: report.Unlabelled, Level: requirement.Must, Text: "a spec citing nothing " + hostile,
		Outcome: report.OutcomePassed, State: "passed", Note: hostile, Leftovers: []string{"pid 42: " + hostile}}
	must := []requirement.Level{requirement.Must}
	return report.Summary{
		SchemaVersion: report.SchemaVersion,
		Wirecert:      report.Build{Version: "v0.3.0", Commit: "0123456789abcdef0123"},
		Suite:         "ccproxy-server",
		Target:        "command myproxy --socket {socket} " + hostile,
		LabelFilter:   "(CCP-S-05)",
		StartTime:     time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Result:        report.ResultFail,
		ExitCode:      1,
		Totals: report.Totals{Requirements: 9, Passed: 2, Limited: 1, Failed: 1, FailedShould: 1, Blocked: 1, Skipped: 1,
			NotApplicable: 1, Interrupted: 1, Unchecked: 1, Specs: 10},
		Requirements: []report.RequirementResult{
			{ID: report.Unlabelled, Levels: must, Verdict: report.VerdictPassed, Passed: 1},
			{ID: "CCP-S-01", Levels: must, Text: "Reserved bytes are zero", Verdict: report.VerdictPassed, Passed: 1},
			{ID: "CCP-S-02", Levels: must, Text: "E is set on errors " + hostile, Verdict: report.VerdictLimited, Passed: 1, Limited: 1, Limits: limited.Limits},
			{ID: "CCP-S-05", Levels: []requirement.Level{requirement.Must, requirement.Should}, Text: "HeaderLength is checked",
				Verdict: report.VerdictFailed, Failed: 2, FailedShould: 1},
			{ID: "CCP-S-16", Levels: []requirement.Level{requirement.Should}, Text: "READY is awaited within a bound",
				Verdict: report.VerdictFailedShould, Failed: 1, FailedShould: 1},
			{ID: "CCP-S-17", Levels: must, Text: "an unregistered VM cannot be attached", Verdict: report.VerdictBlocked,
				BlockedBy: []string{"CCP-S-05"}, Blocked: 1, Unchecked: "blocked by CCP-S-05, which failed"},
			{ID: "CCP-S-20", Levels: must, Text: "an unknown hyperName is answered", Verdict: report.VerdictInterrupted, Interrupted: 1},
			{ID: "CCP-S-28", Levels: must, Text: "signal numbers are checked", Verdict: report.VerdictSkipped, Skipped: 1},
			{ID: "CCP-S-39", Levels: must, Text: "no fd leaks", Verdict: report.VerdictNotApplicable, NotApplicable: 1},
		},
		Specs: []report.SpecResult{unlabelled, passedWith, limited,
			failed, failedShould, waived, blocked, cut, skipped, na},
	}
}

// writtenHTML writes s's HTML report in a directory WriteHTML makes and
// returns the page.
func writtenHTML(s report.Summary) string {
	GinkgoHelper()
	path := filepath.Join(GinkgoT().TempDir(), "made", "report.html")
	Expect(s.WriteHTML(path)).To(Succeed())
	return string(Successful(os.ReadFile(path)))
}

// htmlSpec is a spec's element in a page, by its attributes and content.
type htmlSpec struct {
	Class, Outcome, Tags string
	Open                 bool
	Body                 string // as the page has it, escaped
}

var specElement = regexp.MustCompile(`(?s)<details class="spec ([^"]*)" id="spec-\d+" data-outcome="([^"]*)" data-tags="([^"]*)"( open)?>(.*?)</details>`)

// htmlSpecs are the spec elements of page by spec ID (the unlabelled one,
// without an ID, by "").
func htmlSpecs(page string) map[string]htmlSpec {
	GinkgoHelper()
	specs := map[string]htmlSpec{}
	idOf := regexp.MustCompile(`<dt>spec ID</dt><dd class="mono">([^<]*)</dd>`)
	for _, m := range specElement.FindAllStringSubmatch(page, -1) {
		id := ""
		if idm := idOf.FindStringSubmatch(m[5]); idm != nil {
			id = html.UnescapeString(idm[1])
		}
		specs[id] = htmlSpec{Class: m[1], Outcome: html.UnescapeString(m[2]), Tags: m[3], Open: m[4] != "", Body: m[5]}
	}
	return specs
}

// htmlRow is a requirement's row in the matrix.
type htmlRow struct{ Class, Tags, Verdict, Anchor, VerdictText string }

var rowElement = regexp.MustCompile(`<tr class="([^"]*)" data-tags="([^"]*)" data-verdict="([^"]*)"><td><a href="#([^"]*)">([^<]*)</a></td><td>[^<]*</td><td class="verdict">([^<]*)</td>`)

func htmlRows(page string) map[string]htmlRow {
	rows := map[string]htmlRow{}
	for _, m := range rowElement.FindAllStringSubmatch(page, -1) {
		rows[html.UnescapeString(m[5])] = htmlRow{m[1], m[2], html.UnescapeString(m[3]), m[4], html.UnescapeString(m[6])}
	}
	return rows
}

// inlineElement is the content of the page's only element tag.
func inlineElement(page, tag string) string {
	GinkgoHelper()
	Expect(strings.Count(page, "<"+tag)).To(Equal(1), "one <%s> element", tag)
	m := regexp.MustCompile(`(?s)<` + tag + `>(.*?)</` + tag + `>`).FindStringSubmatch(page)
	Expect(m).NotTo(BeNil(), "<%s>...</%s>", tag, tag)
	return m[1]
}

func cspSource(content string) string {
	sum := sha256.Sum256([]byte(content))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

var _ = Describe("the HTML report", func() {
	var page string

	BeforeEach(func() { page = writtenHTML(htmlSummary()) })

	It("shows what a target or a spec wrote as text, never as markup", func() {
		Expect(page).NotTo(ContainSubstring(hostile))
		Expect(page).NotTo(ContainSubstring(`<img`))
		Expect(page).To(ContainSubstring(`&lt;/pre&gt;&lt;script&gt;alert(&#34;owned&#34;)&lt;/script&gt;`))
		for _, tag := range []string{"script", "style"} {
			Expect(strings.Count(page, "<"+tag)).To(Equal(1), "the page's own <%s> only", tag)
		}
		failed := htmlSpecs(page)["CCP-S-05/header-length-0"]
		Expect(html.UnescapeString(failed.Body)).To(ContainSubstring("<pre class=\"message\">the proxy died\n" + hostile + "</pre>"))
	})

	It("fetches nothing: no reference out of the page, and a policy that allows only its own style and script", func() {
		for _, m := range regexp.MustCompile(`(?i)\s(src|href|action|formaction|srcset|poster|background|data|ping)\s*=\s*"([^"]*)"`).FindAllStringSubmatch(page, -1) {
			Expect(m[2]).To(HavePrefix("#"), "%s=%q points out of the page", m[1], m[2])
		}
		style, script := inlineElement(page, "style"), inlineElement(page, "script")
		Expect(style).NotTo(MatchRegexp(`url\(|@import`))
		Expect(script).NotTo(MatchRegexp(`fetch\(|XMLHttpRequest|import\(|WebSocket|sendBeacon|\.src\b`))
		csp := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]*)">`).FindStringSubmatch(page)
		Expect(csp).NotTo(BeNil())
		Expect(strings.Split(html.UnescapeString(csp[1]), "; ")).To(ConsistOf(
			"default-src 'none'",
			"style-src "+cspSource(style),
			"script-src "+cspSource(script),
			"base-uri 'none'",
			"form-action 'none'",
		))
	})

	It("heads the page with the run: suite, result, target, date, build, selection, totals", func() {
		head := html.UnescapeString(page[:strings.Index(page, `<nav id="filters"`)])
		Expect(head).To(ContainSubstring(`<title>wirecert FAIL (exit 1): ccproxy-server</title>`))
		Expect(head).To(ContainSubstring(`<span class="result r-fail" id="result">FAIL (exit 1)</span>`))
		Expect(head).To(ContainSubstring(`<dd class="mono">command myproxy --socket {socket} ` + hostile + `</dd>`))
		Expect(head).To(ContainSubstring(`2026-01-02 03:04:05 UTC`))
		Expect(head).To(ContainSubstring(`v0.3.0 commit 0123456789ab<`))
		Expect(head).To(ContainSubstring(`<dt>labels</dt><dd class="mono">(CCP-S-05)</dd>`))
		Expect(head).To(ContainSubstring(`<li class="v-failed-should">1 failed (should)</li>`))
	})

	DescribeTable("colours each requirement's row by its verdict, tagged for the filters",
		func(id, class, verdictText, tags string) {
			row, ok := htmlRows(page)[id]
			Expect(ok).To(BeTrue(), "a row for %s in %v", id, htmlRows(page))
			Expect(row.Class).To(Equal(class))
			Expect(row.VerdictText).To(Equal(verdictText))
			Expect(row.Tags).To(Equal(tags))
			Expect(page).To(ContainSubstring(`<section class="req ` + class + `" id="` + row.Anchor + `"`))
		},
		Entry(nil, "(unlabelled)", "v-passed", "passed", ""),
		Entry(nil, "CCP-S-01", "v-passed", "passed", ""),
		Entry(nil, "CCP-S-02", "v-limited", "passed (limited)", ""),
		Entry("a must-level failure with a should-level one", "CCP-S-05", "v-failed", "failed", "failed should"),
		Entry(nil, "CCP-S-16", "v-failed-should", "failed (should)", "should"),
		Entry(nil, "CCP-S-17", "v-blocked", "blocked (by CCP-S-05)", "blocked"),
		Entry(nil, "CCP-S-20", "v-interrupted", "interrupted", ""),
		Entry(nil, "CCP-S-28", "v-skipped", "skipped", ""),
		Entry(nil, "CCP-S-39", "v-na", "not applicable", ""),
	)

	DescribeTable("shows each spec by its outcome, open when it failed, with what the report knows of it",
		func(id, class, tags string, open bool, shows []string) {
			sp, ok := htmlSpecs(page)[id]
			Expect(ok).To(BeTrue(), "an element for spec %q", id)
			Expect(sp.Class).To(Equal(class))
			Expect(sp.Tags).To(Equal(tags))
			Expect(sp.Open).To(Equal(open))
			for _, s := range shows {
				Expect(html.UnescapeString(sp.Body)).To(ContainSubstring(s))
			}
		},
		Entry("a passed spec, with its requirement's text", "CCP-S-01/zero", "v-passed", "", false, []string{
			`<dt>requirement</dt><dd><a href="#req-CCP-S-01">CCP-S-01</a>: Reserved bytes are zero</dd>`,
			`<dt>level</dt><dd>must</dd>`, `passed (Ginkgo: passed), in 0.025 s`}),
		Entry(nil, "CCP-S-02/e-flag", "v-limited", "", false, []string{`<dt>limits</dt><dd><ul><li>a --socket target: ` + hostile + `</li>`}),
		Entry(nil, "CCP-S-05/header-length-0", "v-failed", "failed", true, []string{
			`<h4>failure</h4>`, `<dt>at</dt><dd class="mono">server_header.go:50</dd>`}),
		Entry("a should-level failure of a failed requirement", "CCP-S-05/quick", "v-failed-should", "should", true, []string{`<dt>level</dt><dd>should</dd>`}),
		Entry(nil, "CCP-S-16/ready-bound", "v-failed-should", "should", true, []string{`READY wait unbounded`}),
		Entry(nil, "CCP-S-17/attach-unregistered", "v-blocked", "blocked", false, []string{
			`blocked (by CCP-S-05)`, `<dt>blocked by</dt><dd>CCP-S-05</dd>`, `<h4>reason</h4>`}),
		Entry(nil, "CCP-S-20/hyper", "v-interrupted", "", true, []string{`Interrupted by User`}),
		Entry(nil, "CCP-S-28/needs-root", "v-skipped", "", false, []string{`needs root`}),
		Entry(nil, "CCP-S-39/per-pod", "v-na", "", false, []string{`not applicable: per-pod proxy`}),
		Entry("a spec without an ID, by its text", "", "v-passed", "", false, []string{
			`<span class="spec-name">a spec citing nothing ` + hostile + `</span>`, `<dt>note</dt><dd>` + hostile,
			`<dt>left running</dt><dd><ul><li class="mono">pid 42: ` + hostile}),
	)

	It("shows a failed spec's transcript: each event's hex dump beside its decoded form, with its time, channel, direction and fds, and where the spec failed", func() {
		body := html.UnescapeString(htmlSpecs(page)["CCP-S-05/header-length-0"].Body)
		Expect(body).To(ContainSubstring("<h4>transcript: 3 events</h4>"))
		Expect(body).To(ContainSubstring(`<p class="note">the recorder dropped 3 events before the first one shown</p>`))
		Expect(body).To(ContainSubstring(`<p class="note">the transcript lacks 40 bytes of the wire`))
		events := regexp.MustCompile(`(?s)<li class="event ([^"]*)">(.*?)</li>`).FindAllStringSubmatch(body, -1)
		Expect(events).To(HaveLen(4), "three events and the failure's mark")
		Expect(events[0][1]).To(Equal("sent"))
		Expect(events[0][2]).To(ContainSubstring(`<span class="t">+0.012 s</span><span class="ch">runtime</span><span class="dir">→ sent</span><span class="size">14 bytes</span></div>`))
		Expect(events[0][2]).To(ContainSubstring(`<pre class="hex">0000  00 02 00 00 00 00 00 00  00 00 00 02 7b 7d        |............{}|</pre><pre class="decoded">command RegisterVM {}</pre>`))
		Expect(events[1][1]).To(Equal("received"))
		Expect(events[1][2]).To(ContainSubstring(fmt.Sprintf(`<span class="dir">← received</span><span class="size">5000 bytes, the first %d kept</span><span class="fds">fds 7, 9</span>`, len(hostile))))
		Expect(events[1][2]).To(ContainSubstring(`<pre class="decoded">` + hostile + `</pre>`))
		Expect(events[2][1]).To(Equal("failed-here"))
		Expect(events[2][2]).To(Equal("the spec failed here, at +0.500 s; what follows is its cleanup"))
		Expect(events[3][1]).To(Equal("received closed"))
		Expect(events[3][2]).To(ContainSubstring(`<span class="size">closed</span></div>`))
		Expect(events[3][2]).To(ContainSubstring(`<pre class="decoded">closed by the proxy</pre>`))
	})

	It("counts, and does not show, the transcript of a spec that passed", func() {
		body := html.UnescapeString(htmlSpecs(page)["CCP-S-01/zero"].Body)
		Expect(body).To(ContainSubstring("<h4>transcript: 1 event</h4>"))
		Expect(body).To(ContainSubstring("not shown for a spec that passed or did not run; the JSON report holds it"))
		Expect(body).NotTo(ContainSubstring(`<pre class="hex">`))
	})

	It("counts the specs each filter shows, and hides the filters from a reader without script", func() {
		Expect(htmlRows(page)).To(HaveLen(9), "a row per requirement")
		Expect(htmlSpecs(page)).To(HaveLen(10), "an element per spec")
		Expect(page).To(ContainSubstring(`<nav id="filters" hidden>`))
		for _, f := range []string{`data-filter="all" aria-pressed="false">all (10)`, `data-filter="failed" aria-pressed="false">failed (1)`,
			`data-filter="should" aria-pressed="false">failed (should) (2)`, `data-filter="blocked" aria-pressed="false">blocked (1)`} {
			Expect(page).To(ContainSubstring(f))
		}
	})

	It("makes a strict run's should-level failures plain failures", func() {
		s := htmlSummary()
		s.Strict = true
		strict := htmlSpecs(writtenHTML(s))
		Expect(strict["CCP-S-16/ready-bound"].Class).To(Equal("v-failed"))
		Expect(strict["CCP-S-16/ready-bound"].Tags).To(Equal("failed"))
	})

	It("says where it could not write, naming the path", func() {
		file := filepath.Join(GinkgoT().TempDir(), "file")
		Expect(os.WriteFile(file, nil, 0o644)).To(Succeed())
		err := htmlSummary().WriteHTML(filepath.Join(file, "r.html"))
		Expect(err).To(MatchError(ContainSubstring("HTML report " + filepath.Join(file, "r.html"))))
	})

	It("is written by AfterSuite with Options.HTMLFile", func() {
		path := filepath.Join(GinkgoT().TempDir(), "out", "r.html")
		var out strings.Builder
		_, err := report.AfterSuite(run(spec("CCP-S-01", requirement.Must, types.SpecStatePassed, "")), report.Options{Suite: "ccproxy-server", HTMLFile: path, Out: &out})
		Expect(err).NotTo(HaveOccurred())
		Expect(string(Successful(os.ReadFile(path)))).To(ContainSubstring(`<title>wirecert PASS (exit 0): ccproxy-server</title>`))
	})
})

var _ = DescribeTable("the hex dump of a transcript event",
	func(b []byte, limit int, want string) {
		Expect(report.HexDump(b, limit)).To(Equal(want))
	},
	Entry("nothing", []byte{}, 64, ""),
	Entry("one byte", []byte{0x7b}, 64, "0000  7b                                                |{|"),
	Entry("a cc-proxy header and payload: a gap after 8 bytes, '.' for what is not printable",
		[]byte("\x00\x02\x03\x00\x00\x00\x00\x02\x00\x00\x00\x02[]"), 64,
		"0000  00 02 03 00 00 00 00 02  00 00 00 02 5b 5d        |............[]|"),
	Entry("two rows, offsets in hex, bytes above 0x7e not printable", append([]byte("0123456789abcdef"), 0x7f, 0xff, ' ', '~'), 64,
		"0000  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|\n"+
			"0010  7f ff 20 7e                                       |.. ~|"),
	Entry("beyond the limit, counted", []byte("0123456789abcdefXYZ"), 16,
		"0000  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|\n… 3 more bytes not shown"),
)

var _ = Describe("the hex dumps of a page", func() {
	event := func(n int) report.TranscriptEvent {
		return report.TranscriptEvent{Channel: "runtime", Direction: "sent", Bytes: make([]byte, n), Size: n}
	}

	It("dump at most the page's budget, saying which events' hex is left out", func() {
		t := report.Transcript{Events: []report.TranscriptEvent{event(32), event(32), event(16)}}
		dumps, notes, left := report.TranscriptDumps(t, 48)
		Expect(dumps).To(HaveLen(3))
		Expect(strings.Count(dumps[0], "\n")).To(Equal(1), "two rows")
		Expect(dumps[1]).To(HaveSuffix("… 16 more bytes not shown"), "what is left of the budget")
		Expect(dumps[2]).To(BeEmpty())
		Expect(notes).To(ConsistOf(ContainSubstring("the hex of 1 event is left out")))
		Expect(left).To(BeNumerically("<=", 0))
	})

	It("dump at most 4 KiB of one event", func() {
		dumps, _, left := report.TranscriptDumps(report.Transcript{Events: []report.TranscriptEvent{event(5000)}}, 1<<20)
		Expect(dumps[0]).To(HaveSuffix("… 904 more bytes not shown"))
		Expect(left).To(Equal(1<<20 - 4096))
	})
})
