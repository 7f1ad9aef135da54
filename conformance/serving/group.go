package serving

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sort"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// MarkerVar is the environment variable every process of a target carries
// (unless it clears its environment): WIRECERT_TARGET=<the group's id>.
const MarkerVar = "WIRECERT_TARGET"

var (
	subreaperOnce sync.Once
	subreaperErr  error
)

// EnableSubreaper makes this process a child subreaper (once): an orphan
// of a target (a daemon's grandchild) is then reparented to it, not to
// init, so Group.Kill can find, kill and reap it.
func EnableSubreaper() error {
	subreaperOnce.Do(func() {
		if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
			subreaperErr = fmt.Errorf("PR_SET_CHILD_SUBREAPER: %w", err)
		}
	})
	return subreaperErr
}

// Group is one target's processes. Start the target with Env in its
// environment, then tell the group its pid with Started.
type Group struct {
	id     string
	marker []byte
	mu     sync.Mutex
	leader int          // the started process, reaped by os/exec
	known  map[int]bool // every pid seen as the target's, or added
}

// NewGroup returns an empty group with a fresh marker.
func NewGroup() *Group {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)
	return &Group{id: id, marker: []byte(MarkerVar + "=" + id), known: map[int]bool{}}
}

// Env is the environment entry that marks the target's processes.
func (g *Group) Env() string { return string(g.marker) }

// Started records the started process (os/exec reaps it, the group never).
func (g *Group) Started(pid int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.leader = pid
	g.known[pid] = true
}

// Add records pid as the target's (a serving process found otherwise,
// which may have cleared its environment).
func (g *Group) Add(pid int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.known[pid] = true
}

// member is one process of the group, as a scan found it.
type member struct {
	procStat
	child bool // this process's child: a reparented orphan, ours to reap
}

// scan returns the group's processes now, zombies included, and records
// the live ones as known.
func (g *Group) scan() ([]member, error) {
	stats, err := allStats()
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	self := os.Getpid()
	in := map[int]bool{}
	for pid, s := range stats {
		if pid == self {
			continue
		}
		if g.known[pid] || (!s.zombie() && g.marked(pid)) {
			in[pid] = true
		}
	}
	// descendants of members; then zombies in a member's group or session
	// (a daemon's first child, after setsid, leads its grandchild's)
	// (never this process's own group or session, which the started
	// process shares unless it got one of its own)
	groups := map[int]bool{}
	for pid := range in {
		groups[stats[pid].pgrp], groups[stats[pid].session] = true, true
	}
	if g.leader != 0 {
		groups[g.leader] = true // started with a process group of its own
	}
	delete(groups, stats[self].pgrp)
	delete(groups, stats[self].session)
	delete(groups, 0)
	for pid, s := range stats {
		if pid == self || in[pid] {
			continue
		}
		for anc := range in {
			if descendsFrom(stats, pid, anc) {
				in[pid] = true
				break
			}
		}
		if !in[pid] && (groups[s.pgrp] || groups[s.session] || groups[pid]) {
			in[pid] = true
		}
	}
	var out []member
	for pid := range in {
		s, ok := stats[pid]
		if !ok {
			continue
		}
		if !s.zombie() {
			g.known[pid] = true
		}
		out = append(out, member{procStat: s, child: s.ppid == self})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].pid < out[j].pid })
	return out, nil
}

// marked says whether process pid's environment carries the marker.
func (g *Group) marked(pid int) bool {
	env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if err != nil {
		return false
	}
	for _, kv := range bytes.Split(env, []byte{0}) {
		if bytes.Equal(kv, g.marker) {
			return true
		}
	}
	return false
}

// Running returns the group's live processes other than the started one.
func (g *Group) Running() ([]int, error) {
	members, err := g.scan()
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, m := range members {
		if !m.zombie() && m.pid != g.leaderPID() {
			pids = append(pids, m.pid)
		}
	}
	return pids, nil
}

func (g *Group) leaderPID() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.leader
}

// Signal sends sig to every live process of the group but the started
// one, and returns them.
func (g *Group) Signal(sig unix.Signal) ([]int, error) {
	pids, err := g.Running()
	for _, pid := range pids {
		_ = unix.Kill(pid, sig)
	}
	return pids, err
}

// killPoll is how often Kill looks again for what is left.
const killPoll = 5 * time.Millisecond

// Kill sends SIGKILL to every process of the group but the started one
// (whose caller kills and reaps it) and reaps those that are this
// process's children, until none is left or within passes; a process
// whose parent is another of the group's is reaped by it, or reparented
// here when that parent dies. It returns what is left after within.
func (g *Group) Kill(within time.Duration) ([]int, error) {
	deadline := time.Now().Add(within)
	leader := g.leaderPID()
	for {
		members, err := g.scan()
		if err != nil {
			return nil, err
		}
		var left []int
		for _, m := range members {
			if m.pid == leader {
				continue
			}
			left = append(left, m.pid)
			if !m.zombie() {
				_ = unix.Kill(m.pid, unix.SIGKILL)
			}
			if m.child {
				var ws unix.WaitStatus
				// WNOHANG: a process just sent SIGKILL may not be a zombie yet
				_, _ = unix.Wait4(m.pid, &ws, unix.WNOHANG, nil)
			}
		}
		if len(left) == 0 {
			return nil, nil
		}
		if time.Now().After(deadline) {
			return left, fmt.Errorf("processes of the target left after %v: %v", within, left)
		}
		time.Sleep(killPoll)
	}
}
