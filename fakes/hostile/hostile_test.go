package hostile_test

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
	"github.com/onsi/gomega/types"
	"github.com/thediveo/fdooze"
	. "github.com/thediveo/success"
	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/fakes/hostile"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// A fast trickle and a short wait keep the specs quick.
const (
	interval = time.Millisecond
	quiet    = 200 * time.Millisecond
	step     = 5 * time.Second
)

func leakChecked() {
	// The runtime's poller opens its fds on first use: not a spec's leak.
	r, w := Successful2R(os.Pipe())
	Expect(r.Close()).To(Succeed())
	Expect(w.Close()).To(Succeed())
	goods := gleak.Goroutines()
	fds := fdooze.Filedescriptors()
	DeferCleanup(func() {
		Eventually(gleak.Goroutines).WithTimeout(2 * time.Second).ShouldNot(gleak.HaveLeaked(goods))
		Eventually(fdooze.Filedescriptors).WithTimeout(2 * time.Second).ShouldNot(fdooze.HaveLeakedFds(fds))
	})
}

// readAll reads what the peer sends until it closes or stays quiet for
// quiet; closed says which.
func readAll(c net.Conn) (got []byte, closed bool) {
	buf := make([]byte, 4096)
	for {
		Expect(c.SetReadDeadline(time.Now().Add(quiet))).To(Succeed())
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		switch {
		case errors.Is(err, io.EOF):
			return got, true
		case errors.Is(err, os.ErrDeadlineExceeded):
			return got, false
		case err != nil:
			return got, true // reset by a peer gone
		}
	}
}

// frame is a whole cc-proxy frame with the header every sender owes.
func frame(t api.FrameType, opcode uint8, isError bool, payload string) []byte {
	return api.AppendFrame(nil, api.NewFrame(t, opcode, isError, []byte(payload)))
}

const errorPayload = `{"msg":"hostile peer: nothing is served here"}`

var _ = Describe("hostile peers", func() {

	BeforeEach(leakChecked)

	It("knows every role's modes and rejects others, naming the allowed ones", func() {
		for _, r := range hostile.Roles() {
			Expect(hostile.Modes(r)).NotTo(BeEmpty())
		}
		_, err := hostile.Lookup(hostile.RoleProxyShim, hostile.Hang)
		Expect(err).To(MatchError(hostile.ErrUnknownMode))
		Expect(err).To(MatchError(ContainSubstring(`"hang", allowed one of: hang-before-connect`)))
		_, err = hostile.Lookup("ccproxy-agent", hostile.Hang)
		Expect(err).To(MatchError(ContainSubstring(`role is "ccproxy-agent", allowed one of: ccproxy-server`)))
	})

	DescribeTable("a cc-proxy server answering AttachVM",
		func(mode hostile.Mode, want []byte, wantClosed bool, wantErr error) {
			sock := filepath.Join(GinkgoT().TempDir(), "proxy.sock")
			l := Successful(net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"}))
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- hostile.ServeProxy(ctx, l, hostile.Config{Mode: mode, Interval: interval}) }()
			DeferCleanup(func() {
				cancel()
				Eventually(done).WithTimeout(step).Should(Receive(errMatching(wantErr)))
			})

			c := Successful(net.DialTimeout("unix", sock, step))
			defer c.Close()
			Expect(c.SetWriteDeadline(time.Now().Add(step))).To(Succeed())
			Successful(c.Write(frame(api.TypeCommand, api.CmdAttachVM, false, `{"containerId":"c"}`)))
			got, closed := readAll(c)
			Expect(got).To(Equal(want))
			Expect(closed).To(Equal(wantClosed))
		},
		Entry("hang: nothing, the connection stays open", hostile.Hang, []byte(nil), false, nil),
		Entry("trickle: an error response, byte by byte", hostile.Trickle,
			frame(api.TypeResponse, api.CmdAttachVM, true, errorPayload), false, nil),
		Entry("garbage", hostile.Garbage,
			[]byte{0x7f, 0xde, 0xad, 0xbe, 0xef, 0x00, 0xff, 0x13, 0x37, 0xca, 0xfe, 0xba, 0xbe, 0x42}, false, nil),
		Entry("huge-length: a response header of PayloadLength 0xFFFFFFFF, nothing more", hostile.HugeLength,
			[]byte{0x00, 0x02, 0x03, 0x00, 0x00, 0x00, 0x11, 0x02, 0xff, 0xff, 0xff, 0xff}, false, nil),
		Entry("close-mid-frame: the header and half the payload, then EOF", hostile.CloseMidFrame,
			frame(api.TypeResponse, api.CmdAttachVM, true, errorPayload)[:api.HeaderSize+len(errorPayload)/2], true, nil),
		Entry("exit-mid-request: nothing; it would exit", hostile.ExitMidRequest, []byte(nil), true, hostile.ErrExitMidRequest),
	)

	DescribeTable("a cc-proxy shim",
		func(mode hostile.Mode, want []byte, wantClosed bool, wantErr error) {
			sock := filepath.Join(GinkgoT().TempDir(), "proxy.sock")
			l := Successful(net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"}))
			defer l.Close()
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				done <- hostile.RunShim(ctx, sock, "TOKEN", hostile.Config{Mode: mode, Interval: interval})
			}()
			DeferCleanup(func() {
				cancel()
				Eventually(done).WithTimeout(step).Should(Receive(errMatching(wantErr)))
			})
			if want == nil && !wantClosed {
				Consistently(done).WithTimeout(quiet).ShouldNot(Receive(), "a shim that never connects")
				return
			}
			Expect(l.SetDeadline(time.Now().Add(step))).To(Succeed())
			c := Successful(l.Accept())
			defer c.Close()
			got, closed := readAll(c)
			Expect(got).To(Equal(want))
			Expect(closed).To(Equal(wantClosed))
		},
		Entry("hang-before-connect: never dials", hostile.HangBeforeConnect, []byte(nil), false, nil),
		Entry("hang-after-connect: ConnectShim, then silence", hostile.HangAfterConnect,
			frame(api.TypeCommand, api.CmdConnectShim, false, `{"token":"TOKEN"}`), false, nil),
		Entry("trickle: ConnectShim byte by byte", hostile.Trickle,
			frame(api.TypeCommand, api.CmdConnectShim, false, `{"token":"TOKEN"}`), false, nil),
		Entry("garbage", hostile.Garbage,
			[]byte{0x7f, 0xde, 0xad, 0xbe, 0xef, 0x00, 0xff, 0x13, 0x37, 0xca, 0xfe, 0xba, 0xbe, 0x42}, false, nil),
		Entry("huge-length: a ConnectShim header of PayloadLength 0xFFFFFFFF", hostile.HugeLength,
			[]byte{0x00, 0x02, 0x03, 0x00, 0x00, 0x00, 0x00, 0x04, 0xff, 0xff, 0xff, 0xff}, false, nil),
		Entry("close-mid-frame: header and half of ConnectShim, then EOF", hostile.CloseMidFrame,
			frame(api.TypeCommand, api.CmdConnectShim, false, `{"token":"TOKEN"}`)[:api.HeaderSize+len(`{"token"`)], true, nil),
		Entry("exit-mid-request: header and half of ConnectShim; it would exit", hostile.ExitMidRequest,
			frame(api.TypeCommand, api.CmdConnectShim, false, `{"token":"TOKEN"}`)[:api.HeaderSize+len(`{"token"`)], true, hostile.ErrExitMidRequest),
	)

	DescribeTable("a spacer service answering a request",
		func(mode hostile.Mode, check func(got []byte), wantClosed bool, wantErr error) {
			pair := Successful(unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0))
			ours, theirs := unixConn(pair[0]), unixConn(pair[1])
			defer ours.Close()
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- hostile.ServeSpacer(ctx, theirs, hostile.Config{Mode: mode, Interval: interval}) }()
			DeferCleanup(func() {
				cancel()
				Eventually(done).WithTimeout(step).Should(Receive(errMatching(wantErr)))
			})
			// any bytes are a request to a hostile service; it reads none of them
			Successful(ours.Write([]byte{0x03, 0x01, 0x02, 0x03}))
			got, closed := readAll(ours)
			check(got)
			Expect(closed).To(Equal(wantClosed))
		},
		Entry("hang: nothing, the socket stays open", hostile.Hang, func(got []byte) { Expect(got).To(BeEmpty()) }, false, nil),
		Entry("trickle: a gob ErrorResponse, one byte per sendmsg", hostile.Trickle,
			func(got []byte) { Expect(string(got)).To(ContainSubstring("*api.ErrorResponse")) }, false, nil),
		Entry("garbage", hostile.Garbage, func(got []byte) {
			Expect(got).To(Equal([]byte{0x7f, 0xde, 0xad, 0xbe, 0xef, 0x00, 0xff, 0x13, 0x37, 0xca, 0xfe, 0xba, 0xbe, 0x42}))
		}, false, nil),
		Entry("huge-length: a gob count of 0xFFFFFFFF, nothing more", hostile.HugeLength,
			func(got []byte) { Expect(got).To(Equal([]byte{0xfc, 0xff, 0xff, 0xff, 0xff})) }, false, nil),
		Entry("close-mid-frame: half a gob ErrorResponse, then EOF", hostile.CloseMidFrame,
			func(got []byte) { Expect(got).NotTo(BeEmpty()) }, true, nil),
		Entry("exit-mid-request: nothing; it would exit", hostile.ExitMidRequest,
			func(got []byte) { Expect(got).To(BeEmpty()) }, true, hostile.ErrExitMidRequest),
	)
})

// errMatching matches want, or nil for nil.
func errMatching(want error) types.GomegaMatcher {
	if want == nil {
		return BeNil()
	}
	return MatchError(want)
}

func unixConn(fd int) *net.UnixConn {
	GinkgoHelper()
	f := os.NewFile(uintptr(fd), "socketpair end")
	defer f.Close()
	return Successful(net.FileConn(f)).(*net.UnixConn)
}
