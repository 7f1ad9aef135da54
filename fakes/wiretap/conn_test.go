package wiretap_test

import (
	"bytes"
	"io"
	"net"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/onsi/gomega/gstruct"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/fakes/framepeer"
	"github.com/wirecert/wirecert/fakes/wiretap"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

var _ = Describe("recording connections", func() {

	BeforeEach(leakChecked)

	It("leaves a connection alone when nothing records", func() {
		a, b := socketpair()
		defer a.Close()
		defer b.Close()
		Expect(wiretap.WrapConn(a, nil)).To(BeIdenticalTo(a))
		var r io.Reader = a
		Expect(wiretap.Reader(r, nil)).To(BeIdenticalTo(r))
		var w io.Writer = a
		Expect(wiretap.Writer(w, nil)).To(BeIdenticalTo(w))
	})

	It("records a Conn's reads, writes and closes, and keeps its socket", func() {
		r := wiretap.New(time.Time{}, wiretap.Limits{})
		a, b := socketpair()
		defer b.Close()
		c := wiretap.WrapConn(a, r.Open("runtime", wiretap.CCProxy))
		Expect(Successful(c.Write(attach[:5]))).To(Equal(5))
		Expect(Successful(c.Write(attach[5:]))).To(Equal(len(attach) - 5))
		Expect(Successful(b.Write(helloStdin))).To(Equal(len(helloStdin)))
		buf := make([]byte, 64)
		Expect(b.SetReadDeadline(time.Now().Add(2 * time.Second))).To(Succeed())
		Expect(io.ReadFull(b, buf[:len(attach)])).To(Equal(len(attach)))
		Expect(c.SetReadDeadline(time.Now().Add(2 * time.Second))).To(Succeed())
		Expect(io.ReadFull(c, buf[:len(helloStdin)])).To(Equal(len(helloStdin)))

		// what a peer asks of a socket still works
		raw := Successful(c.(syscall.Conn).SyscallConn())
		Expect(raw.Control(func(uintptr) {})).To(Succeed())
		Expect(c.(interface{ CloseWrite() error }).CloseWrite()).To(Succeed())
		Expect(b.Close()).To(Succeed())
		_, err := c.Read(buf)
		Expect(err).To(MatchError(io.EOF))
		Expect(c.Close()).To(Succeed())

		t := r.Transcript()
		Expect(t.Events).To(HaveExactElements(
			MatchFields(IgnoreExtras, Fields{"Direction": Equal(wiretap.Sent), "Bytes": Equal(attach[:5]), "Decoded": Equal("(a header begun: 5 of 12 bytes)")}),
			MatchFields(IgnoreExtras, Fields{"Direction": Equal(wiretap.Sent), "Bytes": Equal(attach[5:]), "Decoded": Equal(`command AttachVM {"containerId":"no-such-vm"}`)}),
			MatchFields(IgnoreExtras, Fields{"Direction": Equal(wiretap.Received), "Bytes": Equal(helloStdin), "Decoded": Equal("stream stdin hello")}),
			MatchFields(IgnoreExtras, Fields{"Direction": Equal(wiretap.Sent), "Closed": BeTrue(), "Decoded": ContainSubstring("sending side")}),
			MatchFields(IgnoreExtras, Fields{"Direction": Equal(wiretap.Received), "Closed": BeTrue(), "Decoded": ContainSubstring("EOF")}),
		))
		for _, e := range t.Events {
			Expect(e.Channel).To(Equal("runtime"))
		}
	})

	It("refuses SyscallConn for a connection without an fd", func() {
		r := wiretap.New(time.Time{}, wiretap.Limits{})
		a, b := net.Pipe()
		defer b.Close()
		c := wiretap.WrapConn(a, r.Open("pipe", wiretap.Raw))
		defer c.Close()
		_, err := c.(syscall.Conn).SyscallConn()
		Expect(err).To(MatchError(wiretap.ErrNoFd))
		Expect(c.(interface{ CloseWrite() error }).CloseWrite()).To(MatchError(ContainSubstring("close write")))
	})

	It("records what framepeer Peers send and read, under the names they are given", func() {
		rec := wiretap.Start(time.Time{}, wiretap.Limits{})
		defer rec.Stop()
		a, b := socketpair()
		runtime, proxy := framepeer.New(a), framepeer.New(b)
		defer runtime.Close()
		defer proxy.Close()
		runtime.SetChannel("runtime")
		proxy.SetChannel("proxy side")

		Expect(runtime.Send(attach, 5, 7)).To(Succeed())
		f := Successful(proxy.ReadFrameStrict(2 * time.Second))
		Expect(proxy.SendFrame(api.NewFrame(api.TypeResponse, f.Header.Opcode, true, []byte(`{"msg":"no"}`)))).To(Succeed())
		Successful(runtime.ReadFrame(2 * time.Second))
		Expect(proxy.Close()).To(Succeed())
		Expect(runtime.ExpectClosed(2 * time.Second)).To(Succeed())

		var sent []byte
		lines := map[string][]string{}
		for _, e := range rec.Transcript().Events {
			if e.Channel == "runtime" && e.Direction == wiretap.Sent {
				sent = append(sent, e.Bytes...)
			}
			key := e.Channel + " " + string(e.Direction)
			lines[key] = append(lines[key], e.Decoded)
		}
		Expect(sent).To(Equal(attach), "every byte sent, in order")
		Expect(lines).To(Equal(map[string][]string{
			"runtime sent": {
				"(a header begun: 5 of 12 bytes)",
				"(command AttachVM: 0 of 28 body bytes so far)",
				`command AttachVM {"containerId":"no-such-vm"}`,
			},
			// api.Reader reads a header, then the payload
			"proxy side received": {"(command AttachVM: 0 of 28 body bytes so far)", `command AttachVM {"containerId":"no-such-vm"}`},
			"proxy side sent":     {`response AttachVM (E: error) {"msg":"no"}`, "closed"},
			"runtime received":    {"(response AttachVM (E: error): 0 of 12 body bytes so far)", `response AttachVM (E: error) {"msg":"no"}`, "closed by the other end (EOF)"},
		}))
	})

	It("records a long write cut, counting the rest", func() {
		r := wiretap.New(time.Time{}, wiretap.Limits{EventBytes: 100})
		a, b := socketpair()
		defer b.Close()
		c := wiretap.WrapConn(a, r.Open("runtime", wiretap.CCProxy))
		defer c.Close()
		payload := bytes.Repeat([]byte("x"), 1000)
		frame := api.AppendFrame(nil, api.NewFrame(api.TypeStream, api.StreamStdin, false, payload))
		go func() { _, _ = io.Copy(io.Discard, b) }()
		Expect(Successful(c.Write(frame))).To(Equal(len(frame)))
		t := r.Transcript()
		Expect(t.Events[0].Bytes).To(Equal(frame[:100]))
		Expect(t.Events[0].Size).To(Equal(len(frame)))
		Expect(t.DroppedBytes).To(BeEquivalentTo(len(frame) - 100))
		Expect(t.Events[0].Decoded).To(HaveSuffix(" … (1000 bytes)"))
	})
})
