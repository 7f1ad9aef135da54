package ccproxy

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/wirecert/wirecert/fakes/framepeer"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// A wait for the proxy's answer ends before the step timeout only on
// evidence that the answer is not coming:
//
//   - the answer went out on another of the spec's connections, one with no
//     command outstanding (misrouted: CCP-S-11 is broken, and the spec
//     cannot judge its own requirement);
//   - the answer is overdue (far beyond the proxy's usual answer latency)
//     while a fresh connection's command is answered at once: the proxy is
//     serving, just not this command.
//
// A loaded machine slows the fresh connection's answer too, so the wait then
// goes on to the step timeout: no legitimate but slow proxy fails early.
const (
	// watchTick is how often a wait looks at the spec's other connections.
	watchTick = 5 * time.Millisecond
	// overdueFactor times the median answer latency makes an answer
	// overdue, but never sooner than overdueFloor nor later than the step
	// timeout; before overdueSamples answers were seen, only the step
	// timeout counts.
	overdueFactor  = 100
	overdueFloor   = 250 * time.Millisecond
	overdueSamples = 8
)

// latencyMeter keeps the latest answer latencies of one target: from the
// command's last byte written to its response's first byte readable.
type latencyMeter struct {
	mu      sync.Mutex
	samples [64]time.Duration
	n       int // samples seen, the latest len(samples) kept
}

// meters holds one latencyMeter per target name, for the life of the
// process: every spec against a target teaches the next one its pace.
var meters = struct {
	sync.Mutex
	byTarget map[string]*latencyMeter
}{byTarget: map[string]*latencyMeter{}}

func meterOf(target string) *latencyMeter {
	meters.Lock()
	defer meters.Unlock()
	m := meters.byTarget[target]
	if m == nil {
		m = &latencyMeter{}
		meters.byTarget[target] = m
	}
	return m
}

func (m *latencyMeter) add(d time.Duration) {
	m.mu.Lock()
	m.samples[m.n%len(m.samples)] = d
	m.n++
	m.mu.Unlock()
}

// median returns the median of the kept samples and how many were seen.
func (m *latencyMeter) median() (time.Duration, int) {
	m.mu.Lock()
	kept := slices.Clone(m.samples[:min(m.n, len(m.samples))])
	n := m.n
	m.mu.Unlock()
	if len(kept) == 0 {
		return 0, 0
	}
	slices.Sort(kept)
	return kept[len(kept)/2], n
}

// overdueAfter is how long an answer may take before the wait checks
// whether the proxy still serves: step when the meter knows too little or
// the target waits out every step.
func (e *serverEnv) overdueAfter() time.Duration {
	if e.target.FixedSteps {
		return e.step
	}
	med, n := e.latency.median()
	if n < overdueSamples {
		return e.step
	}
	return min(max(overdueFactor*med, overdueFloor), e.step)
}

// misroutedError says the answer awaited on one connection was seen on
// another, which had no command outstanding.
type misroutedError struct {
	awaiting, on string
	header       api.FrameHeader
}

func (m *misroutedError) Error() string {
	return fmt.Sprintf("the response awaited on %s went out on %s, which has no command outstanding (%s): each response belongs on the connection that sent its command (CCP-S-11)",
		m.awaiting, m.on, m.header)
}

// overdueError says an answer was overdue while the proxy answered a fresh
// connection at once.
type overdueError struct {
	waited, probe, median time.Duration
	samples               int
}

func (o *overdueError) Error() string {
	return fmt.Sprintf("no answer within %v, while a fresh connection's AttachVM was answered in %v: the proxy serves, but not this command (a wait ends this early at %d times the median answer latency %v of %d answers, at least %v; a fixed-steps run waits out the step timeout instead)",
		o.waited.Round(time.Millisecond), o.probe.Round(10*time.Microsecond), overdueFactor, o.median.Round(time.Microsecond), o.samples, overdueFloor)
}

// awaitFrame reads the next frame with read, within the step timeout,
// ending the wait early on the evidence described above. response is the
// opcode of the command whose response is awaited, 0 for any frame: only a
// response can be overdue.
func (c *serverConn) awaitFrame(read func(time.Duration) (api.Frame, error), response uint8) (api.Frame, error) {
	start := time.Now()
	deadline := start.Add(c.step)
	overdue, probed := deadline, true
	if c.env != nil && response != 0 && c.unanswered.Load() > 0 {
		if after := c.env.overdueAfter(); after < c.step {
			overdue, probed = start.Add(after), false
		}
	}
	for {
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		ready, err := c.peer.AwaitReadable(min(left, watchTick))
		if err != nil || ready || c.env == nil {
			break
		}
		if m := c.env.misrouted(c); m != nil {
			return api.Frame{}, m
		}
		if !probed && time.Now().After(overdue) {
			probed = true
			if took, ok := c.env.probe(overdue.Sub(start), response); ok {
				med, n := c.env.latency.median()
				return api.Frame{}, &overdueError{waited: time.Since(start), probe: took, median: med, samples: n}
			}
		}
	}
	left := time.Until(deadline)
	if left <= 0 {
		return api.Frame{}, fmt.Errorf("%w: nothing arrived within %v", framepeer.ErrTimeout, c.step)
	}
	f, err := read(left)
	switch {
	case err == nil:
		c.answered(f)
	case errors.Is(err, framepeer.ErrTimeout):
		err = fmt.Errorf("no whole frame within %v: %w", c.step, err)
	}
	return f, err
}

// answered accounts for a frame read: a response settles the oldest command
// outstanding, and when it was the only one its latency is measured.
func (c *serverConn) answered(f api.Frame) {
	n := c.unanswered.Load()
	if f.Header.Type != api.TypeResponse || n == 0 {
		return
	}
	if n == 1 && c.env != nil {
		c.env.latency.add(time.Since(time.Unix(0, c.sentAt.Load())))
	}
	c.unanswered.Add(-1)
}

// sent accounts for bytes written: the commands among them that are
// complete, found by following the frame boundaries of everything sent.
func (c *serverConn) sent(b []byte) {
	c.sentMu.Lock()
	commands, last := c.frames.feed(b)
	unknown, lastOpcode, seen := c.frames.unknown, c.frames.lastOpcode, c.frames.frames > 0
	c.sentMu.Unlock()
	if seen {
		c.lastOpcode = lastOpcode
	}
	if unknown {
		c.raw.Store(true)
	}
	if commands > 0 {
		c.lastCommand = last
		c.sentAt.Store(time.Now().UnixNano())
		c.unanswered.Add(int32(commands))
	}
}

// sentFrames follows the frame boundaries of a byte stream sent, to count
// the commands in it whose last byte went out. A header no sender would
// write (another version, HeaderLength below 3) loses the boundaries:
// unknown, for good.
type sentFrames struct {
	head    []byte // the current frame's header bytes so far
	left    int64  // bytes of the current frame still to come after its header
	command uint8  // the current frame's opcode, when it is a command
	isCmd   bool
	unknown bool
	// frames counts the headers seen (valid or not), lastOpcode is the
	// last one's opcode.
	frames     int
	lastOpcode uint8
}

// feed takes the next bytes sent and returns how many commands they
// completed and the opcode of the last.
func (s *sentFrames) feed(b []byte) (commands int, last uint8) {
	for len(b) > 0 && !s.unknown {
		if len(s.head) < api.HeaderSize {
			n := min(api.HeaderSize-len(s.head), len(b))
			s.head, b = append(s.head, b[:n]...), b[n:]
			if len(s.head) < api.HeaderSize {
				break
			}
			h := api.ParseHeader(s.head)
			s.frames, s.lastOpcode = s.frames+1, h.Opcode
			if h.Version != api.Version || h.HeaderLength < api.MinHeaderLength {
				s.unknown = true
				break
			}
			s.left = int64(h.HeaderLength)*4 - api.HeaderSize + int64(h.PayloadLength)
			s.isCmd, s.command = h.Type == api.TypeCommand, h.Opcode
		}
		n := min(s.left, int64(len(b)))
		s.left, b = s.left-n, b[n:]
		if s.left == 0 {
			if s.isCmd {
				commands, last = commands+1, s.command
			}
			s.head = s.head[:0]
		}
	}
	return commands, last
}

// misrouted looks at the spec's other connections for a response none of
// them asked for: one with no command outstanding and nothing but tracked
// frames sent (raw bytes may hold commands the count does not know of).
func (e *serverEnv) misrouted(awaiting *serverConn) *misroutedError {
	for _, o := range e.wires.conns() {
		if o == awaiting || o.unanswered.Load() != 0 || o.raw.Load() {
			continue
		}
		b, err := o.peer.Pending(api.HeaderSize)
		if err != nil || len(b) < api.HeaderSize {
			continue
		}
		// A frame boundary, not payload bytes left by a raw read: a
		// header as a sender writes it.
		h := api.ParseHeader(b)
		if h.Version == api.Version && h.HeaderLength >= api.MinHeaderLength && h.Type == api.TypeResponse {
			return &misroutedError{awaiting: awaiting.name, on: o.name, header: h}
		}
	}
	return nil
}

// probe sends a command that changes nothing on a fresh connection and says
// how long its response took, when it came within wait. Its opcode is not
// awaited's, the opcode of the response awaited elsewhere: should a broken
// proxy answer it on the spec's connection, it cannot pass for that answer.
func (e *serverEnv) probe(wait time.Duration, awaited uint8) (time.Duration, bool) {
	conn, err := e.rawDial()
	if err != nil {
		return 0, false
	}
	p := framepeer.New(conn)
	p.SetChannel("probe")
	defer p.Close()
	op, payload := uint8(api.CmdAttachVM), any(api.AttachVM{ContainerID: uniqueID("probe")})
	if awaited == api.CmdAttachVM {
		op, payload = api.CmdUnregisterVM, api.UnregisterVM{ContainerID: uniqueID("probe")}
	}
	body, err := api.MarshalPayload(payload)
	if err != nil {
		return 0, false
	}
	sent := time.Now()
	if err := p.SendFrame(api.NewFrame(api.TypeCommand, op, false, body)); err != nil {
		return 0, false
	}
	f, err := p.ReadFrame(wait)
	if err != nil || f.Header.Type != api.TypeResponse || f.Header.Opcode != op {
		return 0, false
	}
	return time.Since(sent), true
}

// wireSet is every connection a spec opened to the proxies under test.
type wireSet struct {
	mu   sync.Mutex
	list []*serverConn
}

func (w *wireSet) add(c *serverConn) {
	w.mu.Lock()
	w.list = append(w.list, c)
	w.mu.Unlock()
}

// cut closes every connection (a Peer's later Close does nothing).
func (w *wireSet) cut() {
	for _, c := range w.conns() {
		_ = c.peer.Close()
	}
}

func (w *wireSet) conns() []*serverConn {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.list)
}

// startsFailing is how many starts of a target in a row must fail before
// the next specs are blocked without trying one.
const startsFailing = 2

// reachability remembers, per target, that the proxy could not be reached
// (why), and how many starts in a row failed.
type reachability struct {
	mu     sync.Mutex
	reason string
	starts int
}

var reaches = struct {
	sync.Mutex
	byTarget map[string]*reachability
}{byTarget: map[string]*reachability{}}

func reachOf(target string) *reachability {
	reaches.Lock()
	defer reaches.Unlock()
	r := reaches.byTarget[target]
	if r == nil {
		r = &reachability{}
		reaches.byTarget[target] = r
	}
	return r
}

// down says why the target could not be reached last time, "" when it was.
func (r *reachability) down() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reason
}

func (r *reachability) failedStarts() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.starts
}

func (r *reachability) lost(reason string) {
	r.mu.Lock()
	r.reason = reason
	r.mu.Unlock()
}

func (r *reachability) startFailed(reason string) {
	r.mu.Lock()
	r.reason = reason
	r.starts++
	r.mu.Unlock()
}

func (r *reachability) reached() {
	r.mu.Lock()
	r.reason, r.starts = "", 0
	r.mu.Unlock()
}
