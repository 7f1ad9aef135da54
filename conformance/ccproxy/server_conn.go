package ccproxy

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/fakes/framepeer"
	"github.com/wirecert/wirecert/matchers"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// serverConn is one client connection to the proxy under test: it sends
// frames (well-formed or raw) and judges every frame it reads against what a
// sender owes (CCP-S-01, CCP-S-02), so every spec checks those for free.
type serverConn struct {
	peer *framepeer.Peer
	step time.Duration
	name string
	// framing is the requirement a frame that cannot be read as one
	// judges: CCP-S-01 (a header no sender may emit) unless a spec about
	// interleaving (CCP-S-10), where such a frame is its own failure.
	framing string
	// lastCommand is the opcode of the last command sent, for the choice
	// of a barrier.
	lastCommand uint8
	// lastOpcode is the opcode number of the last frame sent, of any type:
	// a wrong answer to it would carry it.
	lastOpcode uint8
	// env is the spec's environment, whose other connections and answer
	// latency a wait looks at (see awaitFrame).
	env *serverEnv
	// unanswered counts the commands sent whose response was not read
	// yet, sentAt (Unix nanoseconds) is when the last was sent, and raw
	// says bytes were written that the count cannot know (raw sends):
	// atomics, since a spec may send from a goroutine of its own.
	unanswered atomic.Int32
	sentAt     atomic.Int64
	raw        atomic.Bool
	sentMu     sync.Mutex
	frames     sentFrames // the boundaries of what was sent, under sentMu
}

// send sends a well-formed frame whose payload is p (JSON-encoded unless
// []byte or json.RawMessage; nil gives an empty payload).
func (c *serverConn) send(t api.FrameType, op uint8, p any) {
	GinkgoHelper()
	payload, err := api.MarshalPayload(p)
	Expect(err).NotTo(HaveOccurred())
	Expect(c.sendFrame(api.NewFrame(t, op, false, payload))).To(Succeed(), "%s: sending %s %s", c.name, t, api.OpcodeName(t, op))
}

// sendFrame writes f as it is, accounting for a command.
func (c *serverConn) sendFrame(f api.Frame) error {
	err := c.peer.SendFrame(f)
	c.sent(api.AppendFrame(nil, f))
	return err
}

// sendRaw writes b as it is, in the given chunks, accounting for the
// commands it completes.
func (c *serverConn) sendRaw(b []byte, chunks ...int) error {
	err := c.peer.Send(b, chunks...)
	c.sent(b)
	return err
}

// sendBytes writes b in the given chunks (one write without chunks).
func (c *serverConn) sendBytes(b []byte, chunks ...int) {
	GinkgoHelper()
	Expect(c.sendRaw(b, chunks...)).To(Succeed(), "%s: sending %s", c.name, describeBytes(b))
}

// sendEachRead writes b in the given chunks, each only once the proxy has
// read everything before it (CCP-S-03: fragmentation proven, not by luck).
func (c *serverConn) sendEachRead(b []byte, chunks ...int) {
	GinkgoHelper()
	defer c.sent(b)
	Expect(c.peer.SendEachRead(b, c.step, chunks...)).To(Succeed(), "%s: sending %s in writes of %v, each read by the proxy before the next (CCP-S-03)", c.name, describeBytes(b), chunks)
}

// next reads the next frame within the step timeout, strictly (reserved
// fields must be zero), and judges it as an emitted frame.
func (c *serverConn) next() api.Frame {
	GinkgoHelper()
	return c.nextAwaiting(0)
}

// nextAwaiting is next for the response to a command of opcode op (0: any
// frame), which a wait may find overdue (see awaitFrame).
func (c *serverConn) nextAwaiting(op uint8) api.Frame {
	GinkgoHelper()
	f, err := c.awaitFrame(c.peer.ReadFrameStrict, op)
	var (
		he  *api.HeaderError
		mis *misroutedError
		od  *overdueError
	)
	switch {
	case err == nil:
		expectEmitted(f)
		return f
	case errors.As(err, &he):
		// A header no sender may emit is CCP-S-01's failure: in a spec of
		// another requirement it blocks the spec.
		framing := c.framing
		if framing == "" {
			framing = "CCP-S-01"
		}
		requirement.Precondition(framing, func() {
			requirement.Fail(fmt.Sprintf("%s: expected a well-formed frame from the proxy (%s): %v", c.name, framing, err))
		})
	case errors.As(err, &mis):
		// The order every wait relies on is broken: CCP-S-11's failure.
		requirement.Precondition("CCP-S-11", func() { requirement.Fail(c.name + ": " + mis.Error()) })
	case errors.As(err, &od):
		requirement.Fail(c.name + ": " + od.Error())
	}
	requirement.Fail(fmt.Sprintf("%s: expected a well-formed frame from the proxy within %v (CCP-S-01: Version 2, HeaderLength 3, zero reserved fields): %v", c.name, c.step, err))
	return api.Frame{}
}

// expectEmitted judges a frame the proxy sent: CCP-S-02 (E only on
// responses), CCP-S-01 (valid header, HeaderLength 3, zero reserved, exact
// PayloadLength) and CCP-S-12 (an E response carries {"msg": non-empty}).
// Each is a precondition: in a spec of another requirement, a frame that
// breaks it blocks the spec instead of failing it.
func expectEmitted(f api.Frame) {
	GinkgoHelper()
	requirement.Precondition("CCP-S-02", func() {
		Expect(f.Header.Error && f.Header.Type != api.TypeResponse).To(BeFalse(), "CCP-S-02: E only on responses, but %s", f.Header)
	})
	requirement.Precondition("CCP-S-01", func() {
		Expect(f).To(matchers.BeValidEmittedFrame(), "CCP-S-01: every frame the proxy emits")
	})
	if f.Header.Error {
		requirement.Precondition("CCP-S-12", func() { expectErrorPayload(f) })
	}
}

// expectErrorPayload checks an error response's payload is {"msg": non-empty
// string} (CCP-S-12).
func expectErrorPayload(f api.Frame) {
	GinkgoHelper()
	var body map[string]any
	Expect(json.Unmarshal(f.Payload, &body)).To(Succeed(),
		"CCP-S-12: an error response's payload must be a JSON object {\"msg\": ...}; got %q in %s", f.Payload, f.Header)
	Expect(body).To(HaveKeyWithValue("msg", And(BeAssignableToTypeOf(""), Not(BeEmpty()))),
		"CCP-S-12: an error response must carry a non-empty string msg; got %q in %s", f.Payload, f.Header)
}

// response reads the next frame and expects it to be the response to the
// command with opcode op.
func (c *serverConn) response(op uint8) api.Frame {
	GinkgoHelper()
	f := c.nextAwaiting(op)
	Expect(f).To(matchers.HaveFrameType(api.TypeResponse), "%s: expected the response to %s as the next frame", c.name, api.OpcodeName(api.TypeCommand, op))
	Expect(f).To(matchers.HaveOpcode(op), "%s: a response carries its command's opcode (CCP-S-11)", c.name)
	return f
}

// command sends a command and returns its response.
func (c *serverConn) command(op uint8, p any) api.Frame {
	GinkgoHelper()
	c.send(api.TypeCommand, op, p)
	return c.response(op)
}

// ok sends a command, expects a success response and returns its payload.
func (c *serverConn) ok(op uint8, p any) []byte {
	GinkgoHelper()
	f := c.command(op, p)
	Expect(f).NotTo(matchers.HaveErrorFlag(), "%s: expected %s to succeed", c.name, api.OpcodeName(api.TypeCommand, op))
	return f.Payload
}

// okInto is ok that decodes the payload into v.
func (c *serverConn) okInto(op uint8, p any, v any) {
	GinkgoHelper()
	payload := c.ok(op, p)
	Expect(api.UnmarshalPayload(payload, v)).To(Succeed(), "%s: decoding the %s response payload %q", c.name, api.OpcodeName(api.TypeCommand, op), payload)
}

// fail sends a command, expects an error response (E set, {"msg":...}) and
// returns its msg.
func (c *serverConn) fail(op uint8, p any) string {
	GinkgoHelper()
	return c.expectFailure(c.command(op, p))
}

// expectFailure judges f as an error response and returns its msg.
func (c *serverConn) expectFailure(f api.Frame) string {
	GinkgoHelper()
	var e api.ErrorResponse
	if !f.Header.Error && json.Unmarshal(f.Payload, &e) == nil && e.Message != "" {
		// An error response ({"msg": ...}) without E: CCP-S-02's failure,
		// which blocks another requirement's spec.
		requirement.Precondition("CCP-S-02", func() {
			Expect(f).To(matchers.HaveErrorFlag(), "%s: the error response %q to %s lacks E (CCP-S-02: E on every error response)", c.name, f.Payload, api.OpcodeName(api.TypeCommand, f.Header.Opcode))
		})
	}
	Expect(f).To(matchers.HaveErrorFlag(), "%s: expected an error response to %s (CCP-S-02: E on every error response)", c.name, api.OpcodeName(api.TypeCommand, f.Header.Opcode))
	expectErrorPayload(f)
	_ = json.Unmarshal(f.Payload, &e)
	return e.Message
}

// expectSilent shows, by order, that the proxy sent nothing on this
// connection for what was sent before, and that it stays open: it sends a
// barrier command, whose response must be the next frame (CCP-S-11: one
// response per command, in order), and reads up to it. A frame before it
// fails the spec; a barrier left unanswered blocks it by CCP-S-11, since
// the order it relies on is not kept.
func (c *serverConn) expectSilent(why string) {
	GinkgoHelper()
	if !c.barrier(why) {
		Fail(fmt.Sprintf("%s: expected the connection to stay open (%s), but the proxy closed it", c.name, why))
	}
}

// expectNoAnswer is expectSilent where the proxy may also close the
// connection: a frame it never accepts (CCP-S-09), or the end of a
// per-pod proxy's VM. It says whether the connection is still open, so a
// spec probes it further only then.
func (c *serverConn) expectNoAnswer(why string) (open bool) {
	GinkgoHelper()
	return c.barrier(why)
}

// barrierCommand is what a barrier sends: AttachVM of an id no VM has, which
// every proxy answers (an error, CCP-S-17) without changing anything; after
// an AttachVM of the spec's own, or a frame of any type with AttachVM's
// opcode number, UnregisterVM of such an id, so that an extra response to
// what the spec sent (its opcode copied) cannot pass for the barrier's.
func (c *serverConn) barrierCommand() (uint8, any) {
	if c.lastCommand == api.CmdAttachVM || c.lastOpcode == api.CmdAttachVM {
		return api.CmdUnregisterVM, api.UnregisterVM{ContainerID: uniqueID("barrier")}
	}
	return api.CmdAttachVM, api.AttachVM{ContainerID: uniqueID("barrier")}
}

// barrier sends a barrier command and reads up to its response: anything
// before it fails the spec (why says what must not come). It returns false
// when the proxy closed the connection instead.
func (c *serverConn) barrier(why string) (open bool) {
	GinkgoHelper()
	op, payload := c.barrierCommand()
	body, err := api.MarshalPayload(payload)
	Expect(err).NotTo(HaveOccurred())
	if err := c.sendFrame(api.NewFrame(api.TypeCommand, op, false, body)); err != nil {
		if closedErr(err) {
			return false
		}
		requirement.Fail(fmt.Sprintf("%s: sending a barrier %s (%s): %v", c.name, api.OpcodeName(api.TypeCommand, op), why, err))
	}
	f, err := c.awaitFrame(c.peer.ReadFrame, op)
	var (
		mis *misroutedError
		od  *overdueError
	)
	switch {
	case closedErr(err):
		return false
	case errors.Is(err, framepeer.ErrTimeout), errors.As(err, &mis), errors.As(err, &od):
		requirement.Precondition("CCP-S-11", func() {
			requirement.Fail(fmt.Sprintf("%s: no response to the barrier %s: a proxy keeping CCP-S-11's order (one response per command, in order) answers it next, which shows that nothing came before it (%s): %v",
				c.name, api.OpcodeName(api.TypeCommand, op), why, err))
		})
	case err != nil:
		requirement.Fail(fmt.Sprintf("%s: expected nothing but the response to a barrier %s (%s), but reading failed: %v", c.name, api.OpcodeName(api.TypeCommand, op), why, err))
	case f.Header.Type != api.TypeResponse || f.Header.Opcode != op:
		requirement.Fail(fmt.Sprintf("%s: expected nothing before the response to a barrier %s (%s), but the proxy sent %s", c.name, api.OpcodeName(api.TypeCommand, op), why, f))
	}
	expectEmitted(f)
	return true
}

// expectQuiet shows over shortWindow that the proxy sends nothing on this
// connection and keeps it open, where no order exists that a barrier could
// use: the proxy still waits for bytes of a frame, or the frame would come
// from the agent's side.
func (c *serverConn) expectQuiet(why string) {
	GinkgoHelper()
	f, err := c.peer.ReadFrame(shortWindow)
	if err == nil {
		Fail(c.name + ": expected no frame within " + shortWindow.String() + " (" + why + "), but the proxy sent " + f.String())
	}
	Expect(err).To(MatchError(framepeer.ErrTimeout), "%s: expected the connection to stay open and silent for %v (%s)", c.name, shortWindow, why)
}

// closedErr tells whether err says the peer closed the connection.
func closedErr(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// expectClosed expects the proxy to close the connection within the step
// timeout without sending anything first.
func (c *serverConn) expectClosed(why string) {
	GinkgoHelper()
	Expect(c.peer.ExpectClosed(c.step)).To(Succeed(), "%s: expected the proxy to close the connection within %v without answering (%s)", c.name, c.step, why)
}

// expectClosedAfterFrames expects the proxy to close the connection within
// the step timeout; well-formed frames before the close are tolerated and
// returned.
func (c *serverConn) expectClosedAfterFrames(why string) []api.Frame {
	GinkgoHelper()
	var frames []api.Frame
	deadline := time.Now().Add(c.step)
	for len(frames) < 1000 {
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		f, err := c.peer.ReadFrameStrict(left)
		if err == nil {
			expectEmitted(f)
			frames = append(frames, f)
			continue
		}
		if closedErr(err) {
			return frames
		}
		Fail(c.name + ": expected the proxy to close the connection within " + c.step.String() + " (" + why + "), but: " + err.Error())
	}
	Fail(c.name + ": expected the proxy to close the connection within " + c.step.String() + " (" + why + "), but it stayed open")
	return nil
}
