package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gexec"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/conformance/report"
	"github.com/wirecert/wirecert/conformance/requirement"
)

// browserTimeout bounds one headless Chromium run: a cold start with a
// fresh profile takes a few seconds on a loaded machine.
const browserTimeout = 90 * time.Second

// screenshotEnv names a file the browser spec copies its screenshot to:
// how docs/report.png is made (a relative path is from cmd/wirecert).
const screenshotEnv = "WIRECERT_HTML_SCREENSHOT"

// chromiumNames are the names Debian's and Ubuntu's packages give the
// browser.
var chromiumNames = []string{"chromium", "chromium-browser"}

// chromiumIsolation keeps the browser on this machine: no background
// networking, component updates, sync, metrics or crash uploads; every host
// name fails to resolve, and a request that got past that would go to a
// proxy nobody listens on. The report itself allows no fetch (its CSP).
var chromiumIsolation = []string{
	"--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--no-default-browser-check",
	"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
	"--disable-default-apps", "--disable-domain-reliability", "--disable-client-side-phishing-detection",
	"--disable-breakpad", "--disable-crash-reporter", "--no-pings", "--metrics-recording-only",
	"--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication,CertificateTransparencyComponentUpdater",
	"--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
	"--hide-scrollbars", "--window-size=1280,1400",
}

// findChromium is the browser on PATH, or "" when none is installed.
func findChromium() string {
	for _, name := range chromiumNames {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// runChromium runs the headless browser on url with args, in a process
// group of its own with a profile of its own, and returns its stdout. Where
// this process may (root, or CAP_SYS_ADMIN) the browser gets a network
// namespace of its own, with nothing in it, on top of its flags. The
// browser's helpers (zygote, renderer) are killed with the group, so none
// outlives the call.
func runChromium(browser, url string, args ...string) []byte {
	GinkgoHelper()
	profile := GinkgoT().TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), browserTimeout)
	defer cancel()
	var out bytes.Buffer
	start := func(netns bool) (*exec.Cmd, error) {
		cmd := exec.CommandContext(ctx, browser, append(append(append([]string{"--user-data-dir=" + profile}, chromiumIsolation...), args...), url)...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if netns {
			cmd.SysProcAttr.Cloneflags = syscall.CLONE_NEWNET
		}
		cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
		cmd.WaitDelay = 5 * time.Second
		cmd.Env = append(os.Environ(), "HOME="+profile) // nothing under the user's ~/.config
		out.Reset()
		cmd.Stdout, cmd.Stderr = &out, GinkgoWriter // stderr: D-Bus noise of a machine without a session bus
		return cmd, cmd.Start()
	}
	cmd, err := start(true)
	if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EINVAL) {
		fmt.Fprintf(GinkgoWriter, "no network namespace for the browser (%v): its flags keep it off the network\n", err)
		cmd, err = start(false)
	}
	Expect(err).NotTo(HaveOccurred(), "starting %s", browser)
	err = cmd.Wait()
	if kerr := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); kerr != nil && !errors.Is(kerr, syscall.ESRCH) {
		Fail(fmt.Sprintf("killing the browser's process group %d: %v", cmd.Process.Pid, kerr))
	}
	Expect(ctx.Err()).NotTo(HaveOccurred(), "the browser did not finish within %v", browserTimeout)
	Expect(err).NotTo(HaveOccurred(), "%s %v", browser, cmd.Args)
	Eventually(func() []int { return processesWithArg("--user-data-dir=" + profile) }).WithTimeout(10*time.Second).Should(BeEmpty(),
		"no browser process is left running")
	return out.Bytes()
}

// processesWithArg returns the pids of the processes one of whose
// arguments is arg.
func processesWithArg(arg string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		for _, a := range bytes.Split(cmdline, []byte{0}) {
			if string(a) == arg {
				var pid int
				fmt.Sscan(e.Name(), &pid)
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

// domSpec is a spec's element as the browser's DOM has it.
type domSpec struct {
	Anchor, Class, Outcome, Tags string
	Open                         bool
	Text                         string // its content, unescaped
}

// The DOM serializer writes a boolean attribute as open="".
var domSpecElement = regexp.MustCompile(`(?s)<details class="spec ([^"]*)" id="(spec-\d+)" data-outcome="([^"]*)" data-tags="([^"]*)"( open="")?>(.*?)</details>`)

// domSpecs are the spec elements of a dumped DOM by spec ID.
func domSpecs(dom string) map[string]domSpec {
	specs := map[string]domSpec{}
	idOf := regexp.MustCompile(`<dt>spec ID</dt><dd class="mono">([^<]*)</dd>`)
	for _, m := range domSpecElement.FindAllStringSubmatch(dom, -1) {
		id := ""
		if idm := idOf.FindStringSubmatch(m[6]); idm != nil {
			id = html.UnescapeString(idm[1])
		}
		specs[id] = domSpec{Anchor: m[2], Class: m[1], Outcome: html.UnescapeString(m[3]), Tags: m[4], Open: m[5] != "",
			Text: html.UnescapeString(m[6])}
	}
	return specs
}

// The HTML report of a failing CLI run, in a real browser: headless
// Chromium loads the page, runs its script (the page's CSP admits it by its
// hash, so a script that ran proves the policy matches), and its DOM holds
// each failed spec, marked failed, with its failure and transcript.
var _ = Describe("the HTML report of a failing run, in headless Chromium", Ordered, func() {
	var browser, page string
	var summary report.Summary

	BeforeAll(func() {
		if browser = findChromium(); browser == "" {
			Skip("no chromium on PATH (tried " + strings.Join(chromiumNames, ", ") + "): the HTML report is not rendered; apt-get install chromium")
		}
		wirecert := Successful(gexec.Build("github.com/wirecert/wirecert/cmd/wirecert"))
		faulty := Successful(gexec.Build("github.com/wirecert/wirecert/fakes/faultyproxy/cmd/faultyproxy"))
		DeferCleanup(os.RemoveAll, filepath.Dir(wirecert))
		DeferCleanup(os.RemoveAll, filepath.Dir(faulty))

		dir := GinkgoT().TempDir()
		page = filepath.Join(dir, "out", "report.html")
		jsonFile := filepath.Join(dir, "report.json")
		// The proxy by its name on PATH, so the report's target reads as
		// a user would write it.
		cmd := exec.Command(wirecert, "run", "--suite", "ccproxy-server", "--require", "CCP-S-01,CCP-S-12,CCP-S-16,CCP-S-17",
			"--no-color", "--json", jsonFile, "--html", page, "--command", "faultyproxy --fault CCP-S-12 --socket {socket}")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(faulty)+string(os.PathListSeparator)+os.Getenv("PATH"))
		session := Successful(gexec.Start(cmd, GinkgoWriter, GinkgoWriter))
		DeferCleanup(func() { session.Kill().Wait(10 * time.Second) })
		Eventually(session).WithTimeout(runTimeout).Should(gexec.Exit(exitFail))
		Expect(session.Out).To(gbytes.Say(`reports: .*report\.json, .*out/report\.html`))
		summary = readSummary(jsonFile)
		Expect(summary.Totals.Failed).To(BeNumerically(">", 0), "the fault fails its requirement")
	})

	It("shows each failed spec marked failed, open, with its failure and transcript, under the filter the address asks for", func() {
		dom := string(runChromium(browser, "file://"+page+"?filter=failed", "--dump-dom"))
		Expect(dom).To(ContainSubstring(`<body data-filter="failed">`), "the script ran and took the filter from the address")
		Expect(dom).To(ContainSubstring(`<nav id="filters">`), "the script showed the filters")

		var failed int
		specs := domSpecs(dom)
		Expect(specs).To(HaveLen(len(summary.Specs)))
		for _, sp := range summary.Specs {
			el, ok := specs[sp.ID]
			Expect(ok).To(BeTrue(), "spec %s in the page", sp.ID)
			Expect(el.Outcome).To(Equal(string(sp.Outcome)), sp.ID)
			if sp.Outcome != report.OutcomeFailed {
				Expect(el.Open).To(BeFalse(), "%s is %s: closed", sp.ID, sp.Outcome)
				continue
			}
			failed++
			Expect(el.Class).To(Equal("v-failed"), sp.ID)
			Expect(el.Tags).To(Equal("failed"), sp.ID)
			Expect(el.Open).To(BeTrue(), "%s failed: open", sp.ID)
			Expect(el.Text).To(ContainSubstring("<h4>failure</h4>\n<pre class=\"message\">"+firstLine(sp.Message)), sp.ID)
			Expect(el.Text).To(ContainSubstring(`<dt>at</dt><dd class="mono">`+sp.Location+`</dd>`), sp.ID)
			Expect(el.Text).To(ContainSubstring(`: `+requirementText(summary, sp.Requirement)+`</dd>`), sp.ID)
			expectTranscript(el, sp)
		}
		Expect(failed).To(BeNumerically(">", 0))
		Expect(dom).To(ContainSubstring(fmt.Sprintf(`<span id="filter-status">showing %d of %d specs</span>`, failed, len(summary.Specs))))
		Expect(dom).To(MatchRegexp(`<tr class="v-failed" data-tags="failed" data-verdict="failed"><td><a href="#req-CCP-S-12">CCP-S-12</a>`))
		Expect(dom).To(MatchRegexp(`<tr class="v-blocked" data-tags="blocked" data-verdict="blocked"><td><a href="#req-CCP-S-17">CCP-S-17</a>`))
	})

	It("renders a screenshot of the failed specs", func() {
		shot := filepath.Join(filepath.Dir(page), "report.png")
		runChromium(browser, "file://"+page+"?filter=failed", "--screenshot="+shot)
		img := Successful(png.Decode(bytes.NewReader(Successful(os.ReadFile(shot)))))
		Expect(img.Bounds().Dx()).To(Equal(1280))
		// The FAIL badge and the failed specs are filled with the failed
		// colour: the page's style applied.
		var red int
		for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
			for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
				if r, g, b, _ := img.At(x, y).RGBA(); r>>8 == 0xcf && g>>8 == 0x22 && b>>8 == 0x2e {
					red++
				}
			}
		}
		Expect(red).To(BeNumerically(">", 1000), "pixels of the failed colour #cf222e")
		if to := os.Getenv(screenshotEnv); to != "" {
			var buf bytes.Buffer
			Expect((&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, paletted(img, 128))).To(Succeed())
			Expect(os.WriteFile(to, buf.Bytes(), 0o644)).To(Succeed())
			AddReportEntry("screenshot", fmt.Sprintf("%s: %d bytes", to, buf.Len()))
		}
	})
})

// paletted is img in its n most frequent colours, the others mapped to the
// nearest: a page's screenshot is flat colours and anti-aliased text, and
// a third of the bytes of the full-colour PNG look the same.
func paletted(img image.Image, n int) *image.Paletted {
	counts := map[color.RGBA]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			counts[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)]++
		}
	}
	colours := slices.Collect(maps.Keys(counts))
	slices.SortFunc(colours, func(a, b color.RGBA) int { // most frequent first; ties in a fixed order
		return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(a.R, b.R), cmp.Compare(a.G, b.G), cmp.Compare(a.B, b.B), cmp.Compare(a.A, b.A))
	})
	var pal color.Palette
	for _, c := range colours[:min(n, len(colours))] {
		pal = append(pal, c)
	}
	dst := image.NewPaletted(b, pal)
	draw.Draw(dst, b, img, b.Min, draw.Src)
	return dst
}

// requirementText is the catalogue's text of requirement id in s.
func requirementText(s report.Summary, id string) string {
	for _, r := range s.Requirements {
		if r.ID == id {
			return r.Text
		}
	}
	if q, ok := requirement.Lookup(id); ok {
		return q.Text
	}
	return ""
}

// expectTranscript checks that a failed spec's element shows its
// transcript: each event's first bytes in hex beside its decoded form, and
// the point where the spec failed.
func expectTranscript(el domSpec, sp report.SpecResult) {
	GinkgoHelper()
	Expect(sp.Transcript).NotTo(BeNil(), "%s failed on the wire: the suite recorded its transcript", sp.ID)
	Expect(el.Text).To(ContainSubstring(fmt.Sprintf("<h4>transcript: %d events</h4>", len(sp.Transcript.Events))), sp.ID)
	var shown int
	for _, e := range sp.Transcript.Events {
		if e.Closed || len(e.Bytes) == 0 {
			continue
		}
		row := fmt.Sprintf("0000  % x", e.Bytes[:min(len(e.Bytes), 8)])
		Expect(el.Text).To(ContainSubstring(`<pre class="hex">`+row), "%s: the hex of a %s event on %s", sp.ID, e.Direction, e.Channel)
		Expect(el.Text).To(ContainSubstring(`<pre class="decoded">`+e.Decoded+`</pre>`), sp.ID)
		shown++
	}
	Expect(shown).To(BeNumerically(">", 0), "%s: events with bytes", sp.ID)
	if sp.Transcript.FailedAtSeconds > 0 {
		Expect(el.Text).To(ContainSubstring(fmt.Sprintf("the spec failed here, at +%.3f s", sp.Transcript.FailedAtSeconds)), sp.ID)
	}
}
