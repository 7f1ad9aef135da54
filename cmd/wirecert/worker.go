package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/formatter"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"
)

// The -p protocol. The parent re-executes this binary with the same
// command line and workerEnvVar set; the worker registers the same suites
// and runs the same selection in the same order (the parent's random
// seed), but runs a spec only after the parent let it claim the spec:
// before each spec it sends a claim on workerEventsFd and reads the
// answer on workerClaimsFd, so the specs go to whichever worker is free
// (the slow ones do not pile up in one worker) and a worker that dies
// loses only the spec it was running. After each spec it claimed it sends
// the spec's report, and at the end the suite's report (its special
// failure reasons, its suite-level nodes).
const (
	workerEnvVar   = "WIRECERT_WORKER"
	workerEventsFd = 3 // worker to parent: JSON workerEvents
	workerClaimsFd = 4 // parent to worker: one line per claim, the spec's index or -1
)

// claimedElsewhere is the skip message of a spec another worker runs; only
// the worker's own report, which the parent drops, holds it.
const claimedElsewhere = "run by another wirecert worker"

// workerConfig is what the parent tells a worker in workerEnvVar.
type workerConfig struct {
	// Index is the worker's number, from 1, of Total.
	Index int `json:"index"`
	Total int `json:"total"`
	// Seed is the parent's random seed: the same order of specs.
	Seed int64 `json:"seed"`
	// Timeout is what is left of the run's --timeout.
	Timeout time.Duration `json:"timeout"`
}

// workerEvent is one message of a worker to its parent: exactly one field
// is set.
type workerEvent struct {
	Claim *specClaim    `json:"claim,omitempty"`
	Done  *specDone     `json:"done,omitempty"`
	End   *types.Report `json:"end,omitempty"`
}

// specClaim asks to run the spec of Key, its Occurrence-th (from 0) in the
// order of the run.
type specClaim struct {
	Key        string `json:"key"`
	Occurrence int    `json:"occurrence"`
}

// specDone is the report of a spec the worker claimed; Index is what the
// parent answered the claim with.
type specDone struct {
	Index  int              `json:"index"`
	Report types.SpecReport `json:"report"`
}

// specKey identifies a spec across processes running the same tree: its
// full text and where it was declared. Specs that share both (a table
// built in a loop) are told apart by their occurrence.
func specKey(sr types.SpecReport) string {
	return sr.FullText() + "\x00" + sr.LeafNodeLocation.String()
}

var (
	workerOnce   sync.Once
	workerCfg    workerConfig
	workerIsSet  bool
	workerCfgErr error
)

// workerFromEnv says whether this process is a -p worker, and its
// configuration. The variable is read once and removed, so the targets a
// worker starts do not inherit it.
func workerFromEnv() (workerConfig, bool) {
	workerOnce.Do(func() {
		v, ok := os.LookupEnv(workerEnvVar)
		if !ok {
			return
		}
		_ = os.Unsetenv(workerEnvVar)
		workerIsSet = true
		workerCfgErr = json.Unmarshal([]byte(v), &workerCfg)
	})
	return workerCfg, workerIsSet
}

// workerLink is a worker's end of the protocol.
type workerLink struct {
	mu      sync.Mutex
	enc     *json.Encoder
	answers *bufio.Reader
	broken  bool // the parent went away: claim nothing more
}

func (l *workerLink) send(ev workerEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.enc.Encode(ev); err != nil {
		l.broken = true
	}
}

// claim asks the parent for the spec and returns its index, or -1 when
// another worker runs it or the run stops.
func (l *workerLink) claim(key string, occurrence int) int {
	l.send(workerEvent{Claim: &specClaim{Key: key, Occurrence: occurrence}})
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.broken {
		return -1
	}
	line, err := l.answers.ReadString('\n')
	if err != nil {
		l.broken = true
		return -1
	}
	idx, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		return -1
	}
	return idx
}

// runWorker is a -p worker: it runs the specs its parent lets it claim and
// reports them on workerEventsFd. Its own Ginkgo output is dropped: the
// parent prints every spec from these reports. What the process itself
// writes (stdout, stderr: a panic) goes where the parent sent them.
func runWorker(wc workerConfig, regs []registration, sel selection, f runFlags) (int, error) {
	if workerCfgErr != nil {
		return exitFail, fmt.Errorf("%s: %w", workerEnvVar, workerCfgErr)
	}
	// The protocol's fds must not leak into the targets the specs start.
	for _, fd := range []int{workerEventsFd, workerClaimsFd} {
		syscall.CloseOnExec(fd)
	}
	events := os.NewFile(workerEventsFd, "wirecert worker events")
	claims := os.NewFile(workerClaimsFd, "wirecert worker claims")
	if events == nil || claims == nil {
		return exitFail, fmt.Errorf("%s set, but fds %d and %d are not open: a worker is started by wirecert -p", workerEnvVar, workerEventsFd, workerClaimsFd)
	}
	defer events.Close()
	defer claims.Close()
	link := &workerLink{enc: json.NewEncoder(events), answers: bufio.NewReader(claims)}

	for _, r := range regs {
		r.register()
	}
	// Specs run one at a time in a worker: current is the one claimed.
	current := -1
	seen := map[string]int{}
	ginkgo.BeforeEach(func() {
		key := specKey(ginkgo.CurrentSpecReport())
		occurrence := seen[key]
		seen[key]++
		if current = link.claim(key, occurrence); current < 0 {
			ginkgo.Skip(claimedElsewhere)
		}
	})
	ginkgo.ReportAfterEach(func(sr types.SpecReport) {
		if current < 0 {
			return
		}
		link.send(workerEvent{Done: &specDone{Index: current, Report: sr}})
		current = -1
	})
	var final types.Report
	ginkgo.ReportAfterSuite("wirecert worker", func(r types.Report) { final = r })

	sc := suiteConfig(sel, f)
	sc.RandomSeed = wc.Seed
	sc.Timeout = wc.Timeout
	rc := reporterConfig(f)
	rc.Verbose = false // GinkgoWriter is captured into each spec's report, not streamed
	formatter.ColorableStdOut = io.Discard
	gomega.RegisterFailHandler(ginkgo.Fail)
	ginkgo.RunSpecs(&verdictOnly{}, suiteDescription(reportOptions(regs, f, io.Discard)), sc, rc)

	// The specs' reports were sent one by one; the parent wants the rest.
	var suiteNodes types.SpecReports
	for _, sr := range final.SpecReports {
		if !sr.LeafNodeType.Is(types.NodeTypeIt) {
			suiteNodes = append(suiteNodes, sr)
		}
	}
	final.SpecReports = suiteNodes
	link.send(workerEvent{End: &final})
	return exitPass, nil
}
