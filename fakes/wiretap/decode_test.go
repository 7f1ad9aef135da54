package wiretap_test

import (
	"bytes"
	"encoding/gob"
	"encoding/hex"
	"os"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/thediveo/success"
	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/fakes/wiretap"
	"github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
	"github.com/wirecert/wirecert/reference/spacer/api"
	"github.com/wirecert/wirecert/reference/spacer/wire"
)

// hx decodes hex bytes written with spaces, "00 02 03 00".
func hx(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err) // a typo in a spec's table
	}
	return b
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// decoded feeds chunks, in order, to one direction of a fresh channel and
// returns each chunk's decoded form.
func decoded(p wiretap.Protocol, chunks ...[]byte) []string {
	GinkgoHelper()
	r := wiretap.New(time.Time{}, wiretap.Limits{})
	ch := r.Open("c", p)
	for _, c := range chunks {
		ch.Received(c, nil)
	}
	var out []string
	for _, e := range r.Transcript().Events {
		out = append(out, e.Decoded)
	}
	return out
}

var (
	attach     = cat(hx("00 02 03 00 00 00 00 02 00 00 00 1c"), []byte(`{"containerId":"no-such-vm"}`))
	helloStdin = cat(hx("00 02 03 00 00 00 02 00 00 00 00 05"), []byte("hello"))
	errorResp  = cat(hx("00 02 03 00 00 00 11 02 00 00 00 09"), []byte(`{"msg":1}`))
)

var _ = Describe("decoding", func() {

	DescribeTable("cc-proxy frames, across chunks as a receiver reads them",
		func(chunks [][]byte, want []string) {
			Expect(decoded(wiretap.CCProxy, chunks...)).To(Equal(want))
		},
		Entry("a command in one chunk", [][]byte{attach},
			[]string{`command AttachVM {"containerId":"no-such-vm"}`}),
		Entry("an error response", [][]byte{errorResp},
			[]string{`response AttachVM (E: error) {"msg":1}`}),
		Entry("two frames in one chunk", [][]byte{cat(helloStdin, attach)},
			[]string{`stream stdin hello; command AttachVM {"containerId":"no-such-vm"}`}),
		Entry("a header split 5 + 7, the payload apart", [][]byte{helloStdin[:5], helloStdin[5:12], helloStdin[12:]},
			[]string{"(a header begun: 5 of 12 bytes)", "(stream stdin: 0 of 5 body bytes so far)", "stream stdin hello"}),
		Entry("a frame's end with the next one's start", [][]byte{helloStdin[:14], cat(helloStdin[14:], attach[:3])},
			[]string{"(stream stdin: 2 of 5 body bytes so far)", "stream stdin hello; (a header begun: 3 of 12 bytes)"}),
		Entry("no payload", [][]byte{hx("00 02 03 00 00 00 01 05 00 00 00 00")},
			[]string{"response DisconnectShim"}),
		Entry("HeaderLength 4: the extra word skipped", [][]byte{cat(hx("00 02 04 00 00 00 00 02 00 00 00 02 de ad be ef"), []byte("{}"))},
			[]string{"command AttachVM header {Version:2 HeaderLength:4 Reserved3:0x0 Reserved45:0x0 ReservedBits:0x0 E:false Type:command Opcode:AttachVM PayloadLength:2}: HeaderLength is 4, allowed 3 (what this protocol version emits) {}"}),
		Entry("HeaderLength 4 with the extra word to come", [][]byte{hx("00 02 04 00 00 00 00 02 00 00 00 00 de ad")},
			[]string{"(command AttachVM header {Version:2 HeaderLength:4 Reserved3:0x0 Reserved45:0x0 ReservedBits:0x0 E:false Type:command Opcode:AttachVM PayloadLength:0}: HeaderLength is 4, allowed 3 (what this protocol version emits): header words to skip, 2 bytes left)"}),
		Entry("HeaderLength 0, read on as 3", [][]byte{cat(hx("00 02 00 00 00 00 00 02 00 00 00 02"), []byte("{}"))},
			[]string{"command AttachVM header {Version:2 HeaderLength:0 Reserved3:0x0 Reserved45:0x0 ReservedBits:0x0 E:false Type:command Opcode:AttachVM PayloadLength:2}: HeaderLength is 0, allowed >= 3 (32-bit words) {}"}),
		Entry("a reserved bit", [][]byte{hx("00 02 03 ff 00 00 00 02 00 00 00 00")},
			[]string{"command AttachVM header {Version:2 HeaderLength:3 Reserved3:0xff Reserved45:0x0 ReservedBits:0x0 E:false Type:command Opcode:AttachVM PayloadLength:0}: Reserved (byte 3) is 255, allowed 0"}),
		Entry("PayloadLength 0xFFFFFFFF with 3 bytes", [][]byte{cat(hx("00 02 03 00 00 00 02 00 ff ff ff ff"), []byte("abc"))},
			[]string{"(stream stdin: 3 of 4294967295 body bytes so far)"}),
		Entry("a binary payload, quoted", [][]byte{cat(hx("00 02 03 00 00 00 02 01 00 00 00 03"), []byte{0, 1, '\n'})},
			[]string{`stream stdout "\x00\x01\n"`}),
		Entry("a long payload, its start shown", [][]byte{cat(hx("00 02 03 00 00 00 02 01 00 00 01 2c"), bytes.Repeat([]byte("x"), 300))},
			[]string{"stream stdout " + strings.Repeat("x", 256) + " … (300 bytes)"}),
		// the start shown ends inside a rune: the cut rune is left out
		Entry("a long payload cut inside a rune", [][]byte{cat(hx("00 02 03 00 00 00 02 01 00 00 01 2c"), bytes.Repeat([]byte("x"), 255), bytes.Repeat([]byte("é"), 22), []byte("x"))},
			[]string{"stream stdout " + strings.Repeat("x", 255) + " … (300 bytes)"}),
	)

	DescribeTable("hyperstart frames",
		func(p wiretap.Protocol, chunks [][]byte, want []string) {
			Expect(decoded(p, chunks...)).To(Equal(want))
		},
		Entry("ctl READY", wiretap.HyperCtl, [][]byte{hyperstart.CtlFrame{Code: hyperstart.Ready}.Bytes()},
			[]string{"ctl ready"}),
		Entry("ctl execcmd with its JSON, split", wiretap.HyperCtl, func() [][]byte {
			b := hyperstart.CtlFrame{Code: hyperstart.ExecCmd, Payload: []byte(`{"container":"c"}`)}.Bytes()
			return [][]byte{b[:10], b[10:]}
		}(), []string{"(ctl execcmd: 2 of 17 body bytes so far)", `ctl execcmd {"container":"c"}`}),
		Entry("ctl with a length out of range", wiretap.HyperCtl, [][]byte{hx("00 00 00 09 00 00 00 03")},
			[]string{"ctl ack (length 3, allowed 8..10240)"}),
		Entry("io data and an exit", wiretap.HyperIO, [][]byte{cat(
			hyperstart.IOFrame{Seq: 1, Data: []byte("out")}.Bytes(),
			hyperstart.IOFrame{Seq: 1}.Bytes(),
			hyperstart.IOFrame{Seq: 1, Data: []byte{3}}.Bytes())},
			[]string{`io seq 1 out; io seq 1 empty (end of input, or an exit code follows); io seq 1 "\x03"`}),
		// a rune the body ends inside is not text: quoted, the form stays UTF-8
		Entry("io data ending inside a rune", wiretap.HyperIO, [][]byte{hx("00 00 00 00 00 00 00 03 00 00 00 11 30 30 30 f3 95")},
			[]string{`io seq 3 "000\xf3\x95"`}),
	)

	Context("spacer messages", func() {
		BeforeEach(leakChecked)

		// encoder gives the wire bytes of messages on one gob stream, as
		// a sender's sendmsgs carry them.
		encoder := func() func(v any) []byte {
			var buf bytes.Buffer
			enc := gob.NewEncoder(&buf)
			return func(v any) []byte {
				buf.Reset()
				Expect(enc.Encode(v)).To(Succeed())
				return wire.ToWire(bytes.Clone(buf.Bytes()))
			}
		}

		It("decodes requests on one gob stream, type definitions first", func() {
			enc := encoder()
			var first, second api.Request = &api.RoomsRequest{Spaces: unix.CLONE_NEWNET | unix.CLONE_NEWUTS}, &api.SubspaceRequest{Spaces: unix.CLONE_NEWUSER}
			Expect(decoded(wiretap.Spacer, enc(&first), enc(&second))).To(Equal([]string{
				"RoomsRequest{Spaces: net|uts}", "SubspaceRequest{Spaces: user}"}))
		})

		It("decodes responses, and two in one sendmsg", func() {
			enc := encoder()
			var a, b, c api.Response = &api.ErrorResponse{Reason: "no"}, &api.RoomsResponse{Net: 7}, &api.SubspaceResponse{Conn: 8, PIDFd: 9}
			both := cat(enc(&b), enc(&c))
			Expect(decoded(wiretap.Spacer, enc(&a), both)).To(Equal([]string{
				`ErrorResponse{Reason: "no"}`,
				"RoomsResponse{Cgroup:0 IPC:0 Mnt:0 Net:7 Time:0 UTS:0}; SubspaceResponse{Conn:8 PIDFd:9 Subspaces:{User:0 PID:0}}"}))
		})

		It("says what it cannot decode, and decodes a fresh stream after it", func() {
			var req api.Request = &api.RoomsRequest{Spaces: unix.CLONE_NEWNET}
			enc := encoder()
			withDefs := enc(&req)
			without := enc(&req) // a second message: no type definitions
			got := decoded(wiretap.Spacer, []byte{0x7f, 0xde, 0xad, 0xbe, 0xef}, without, withDefs)
			Expect(got[0]).To(Equal("5 bytes, not whole gob messages"))
			Expect(got[1]).To(HavePrefix("undecodable: "))
			Expect(got[2]).To(Equal("RoomsRequest{Spaces: net}"))
		})

		It("names the fds passed with a message", func() {
			r := wiretap.New(time.Time{}, wiretap.Limits{})
			pr, pw := Successful2R(os.Pipe())
			defer pr.Close()
			defer pw.Close()
			ns := Successful(unix.Open("/proc/self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0))
			defer unix.Close(ns)
			enc := encoder()
			var resp api.Response = &api.RoomsResponse{}
			r.Open("spacer conn", wiretap.Spacer).Sent(enc(&resp), []int{ns, int(pr.Fd())})
			e := r.Transcript().Events[0]
			Expect(e.Fds).To(Equal([]int{ns, int(pr.Fd())}))
			Expect(e.Decoded).To(MatchRegexp(`^RoomsResponse\{.*\}; fds \d+ \(net namespace\), \d+ \(pipe:\[\d+\]\)$`))
		})
	})
})
