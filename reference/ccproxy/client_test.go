package ccproxy_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"runtime"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/reference/ccproxy"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// Headers of what a client emits: Version 2, HL 3, zero reserved, E 0.
func cmdHeader(op, length byte) []byte    { return []byte{0, 2, 3, 0, 0, 0, 0x00, op, 0, 0, 0, length} }
func streamHeader(op, length byte) []byte { return []byte{0, 2, 3, 0, 0, 0, 0x02, op, 0, 0, 0, length} }

var (
	connectShimWire = wireOf(cmdHeader(4, 0x0f), []byte(`{"token":"tok"}`))
	ioResponse      = []byte(`{"io":{"URL":"unix:///p","tokens":["t"]}}`) // 0x29 bytes
)

func connected(c *ccproxy.Client) {
	GinkgoHelper()
	Expect(c.ConnectShim("tok")).To(Succeed())
}

var _ = Describe("Client", func() {

	BeforeEach(checkClientLeaks)

	It("fails to dial a socket that is not there", func() {
		_, err := ccproxy.Dial("/nonexistent/ccproxy.sock")
		Expect(err).To(MatchError(ContainSubstring(`"/nonexistent/ccproxy.sock"`)))
	})

	DescribeTable("emits exactly these bytes: V2, HL 3, zero reserved, E 0, only commands, stdin and log (CCP-C-01, CCP-C-12)",
		func(action func(c *ccproxy.Client) error, wire []byte) {
			fake := startFakeProxy(answerEverything)
			c := Successful(ccproxy.Dial(fake.Path))
			Expect(action(c)).To(Succeed())
			Expect(c.Close()).To(Succeed())
			fake.Wait()
			Expect(fake.Sent()).To(Equal(wire))
		},
		Entry("RegisterVM",
			func(c *ccproxy.Client) error {
				resp, err := c.RegisterVM(api.RegisterVM{ContainerID: "c1", CtlSerial: "/c", IoSerial: "/i"})
				Expect(resp).To(Equal(&api.RegisterVMResponse{IO: api.IOResponse{URL: "unix:///p", Tokens: []string{"t"}}}))
				return err
			},
			wireOf(cmdHeader(0, 0x35), []byte(`{"containerId":"c1","ctlSerial":"/c","ioSerial":"/i"}`))),
		Entry("AttachVM",
			func(c *ccproxy.Client) error {
				resp, err := c.AttachVM(api.AttachVM{ContainerID: "c1", NumIOStreams: 2})
				Expect(resp).To(Equal(&api.AttachVMResponse{IO: api.IOResponse{URL: "unix:///p", Tokens: []string{"t"}}}))
				return err
			},
			wireOf(cmdHeader(2, 0x25), []byte(`{"containerId":"c1","numIOStreams":2}`))),
		Entry("UnregisterVM",
			func(c *ccproxy.Client) error { return c.UnregisterVM(api.UnregisterVM{ContainerID: "c1"}) },
			wireOf(cmdHeader(1, 0x14), []byte(`{"containerId":"c1"}`))),
		Entry("Hyper without tokens or data: tokens [], no data",
			func(c *ccproxy.Client) error { _, err := c.Hyper("ping", nil, nil); return err },
			wireOf(cmdHeader(3, 0x20), []byte(`{"hyperName":"ping","tokens":[]}`))),
		Entry("Hyper with a token and raw data passed verbatim",
			func(c *ccproxy.Client) error {
				_, err := c.Hyper("execcmd", []string{"tok"}, json.RawMessage(`{"a":1}`))
				return err
			},
			wireOf(cmdHeader(3, 0x37), []byte(`{"hyperName":"execcmd","tokens":["tok"],"data":{"a":1}}`))),
		Entry("ConnectShim",
			func(c *ccproxy.Client) error { return c.ConnectShim("tok") },
			connectShimWire),
		Entry("Signal SIGTERM (CCP-C-08)",
			func(c *ccproxy.Client) error { connected(c); return c.Signal(api.Signal{SignalNumber: 15}) },
			wireOf(connectShimWire, cmdHeader(6, 0x13), []byte(`{"signalNumber":15}`))),
		Entry("Signal SIGWINCH with the window size (CCP-C-08)",
			func(c *ccproxy.Client) error {
				connected(c)
				return c.Signal(api.Signal{SignalNumber: 28, Rows: 24, Columns: 80})
			},
			wireOf(connectShimWire, cmdHeader(6, 0x2a), []byte(`{"signalNumber":28,"columns":80,"rows":24}`))),
		Entry("stdin data, then one zero-length frame for EOF (CCP-C-07)",
			func(c *ccproxy.Client) error {
				connected(c)
				Expect(c.Stdin([]byte("hi"))).To(Succeed())
				Expect(c.Stdin(nil)).To(Succeed()) // empty data is not EOF
				return c.CloseStdin()
			},
			wireOf(connectShimWire, streamHeader(0, 2), []byte("hi"), streamHeader(0, 0))),
		Entry("log entry",
			func(c *ccproxy.Client) error {
				return c.Log(api.LogEntry{Source: "shim", Level: "info", Message: "m"})
			},
			wireOf(streamHeader(3, 0x2a), []byte(`{"source":"shim","level":"info","msg":"m"}`))),
		Entry("DisconnectShim: no response, the proxy closes",
			func(c *ccproxy.Client) error { connected(c); return c.DisconnectShim() },
			wireOf(connectShimWire, cmdHeader(5, 2), []byte(`{}`))),
	)

	DescribeTable("refuses, without sending, what the protocol forbids",
		func(action func(c *ccproxy.Client) error, sentinel error, wire []byte) {
			fake := startFakeProxy(answerEverything)
			c := Successful(ccproxy.Dial(fake.Path))
			Expect(action(c)).To(MatchError(sentinel))
			Expect(c.Close()).To(Succeed())
			fake.Wait()
			Expect(fake.Sent()).To(Equal(wire))
		},
		Entry("stdin before ConnectShim (CCP-C-04)",
			func(c *ccproxy.Client) error { return c.Stdin([]byte("x")) }, ccproxy.ErrShimNotConnected, []byte(nil)),
		Entry("stdin EOF before ConnectShim",
			func(c *ccproxy.Client) error { return c.CloseStdin() }, ccproxy.ErrShimNotConnected, []byte(nil)),
		Entry("Signal before ConnectShim",
			func(c *ccproxy.Client) error { return c.Signal(api.Signal{SignalNumber: 15}) }, ccproxy.ErrShimNotConnected, []byte(nil)),
		Entry("DisconnectShim before ConnectShim",
			func(c *ccproxy.Client) error { return c.DisconnectShim() }, ccproxy.ErrShimNotConnected, []byte(nil)),
		Entry("signalNumber 31",
			func(c *ccproxy.Client) error { connected(c); return c.Signal(api.Signal{SignalNumber: 31}) },
			api.ErrPayload, connectShimWire),
		Entry("SIGWINCH without a window size",
			func(c *ccproxy.Client) error { connected(c); return c.Signal(api.Signal{SignalNumber: 28}) },
			api.ErrPayload, connectShimWire),
		Entry("a window size with SIGTERM",
			func(c *ccproxy.Client) error {
				connected(c)
				return c.Signal(api.Signal{SignalNumber: 15, Rows: 1, Columns: 1})
			},
			api.ErrPayload, connectShimWire),
		Entry("stdin after EOF: exactly one zero-length frame",
			func(c *ccproxy.Client) error {
				connected(c)
				Expect(c.CloseStdin()).To(Succeed())
				Expect(c.CloseStdin()).To(MatchError(ccproxy.ErrStdinClosed))
				return c.Stdin([]byte("late"))
			},
			ccproxy.ErrStdinClosed, wireOf(connectShimWire, streamHeader(0, 0))),
	)

	It("splits stdin into frames the agent can take, verbatim and in order", func() {
		data := make([]byte, 2*ccproxy.MaxStdinChunk+100)
		for i := range data {
			data[i] = byte(i * 7)
		}
		fake := startFakeProxy(func(p *proxyPeer) {
			p.Expect(api.TypeCommand, api.CmdConnectShim)
			p.Respond(api.CmdConnectShim, "")
			var got []byte
			for _, n := range []int{ccproxy.MaxStdinChunk, ccproxy.MaxStdinChunk, 100} {
				f := p.Expect(api.TypeStream, api.StreamStdin)
				Expect(f.Payload).To(HaveLen(n))
				got = append(got, f.Payload...)
			}
			Expect(got).To(Equal(data))
			p.ExpectClosed()
		})
		c := Successful(ccproxy.Dial(fake.Path))
		connected(c)
		Expect(c.Stdin(data)).To(Succeed())
		Expect(c.Close()).To(Succeed())
		fake.Wait()
	})

	DescribeTable("accepts every response the protocol allows (CCP-C-02)",
		func(wire []byte, bytewise bool) {
			fake := startFakeProxy(func(p *proxyPeer) {
				p.Expect(api.TypeCommand, api.CmdRegisterVM)
				if bytewise {
					p.Bytewise(wire)
				} else {
					p.Raw(wire)
				}
				p.ExpectClosed()
			})
			c := Successful(ccproxy.Dial(fake.Path))
			resp := Successful(c.RegisterVM(api.RegisterVM{ContainerID: "c1", CtlSerial: "/c", IoSerial: "/i"}))
			Expect(resp.IO).To(Equal(api.IOResponse{URL: "unix:///p", Tokens: []string{"t"}}))
			Expect(c.Close()).To(Succeed())
			fake.Wait()
		},
		Entry("HL 3", wireOf([]byte{0, 2, 3, 0, 0, 0, 0x01, 0, 0, 0, 0, 0x29}, ioResponse), false),
		Entry("HL 3, one byte per write", wireOf([]byte{0, 2, 3, 0, 0, 0, 0x01, 0, 0, 0, 0, 0x29}, ioResponse), true),
		Entry("HL 4: the extra word is skipped",
			wireOf([]byte{0, 2, 4, 0, 0, 0, 0x01, 0, 0, 0, 0, 0x29, 0xde, 0xad, 0xbe, 0xef}, ioResponse), false),
		Entry("HL 4, one byte per write",
			wireOf([]byte{0, 2, 4, 0, 0, 0, 0x01, 0, 0, 0, 0, 0x29, 0xde, 0xad, 0xbe, 0xef}, ioResponse), true),
		Entry("HL 255: 1008 extra header bytes skipped",
			wireOf([]byte{0, 2, 0xff, 0, 0, 0, 0x01, 0, 0, 0, 0, 0x29}, bytes.Repeat([]byte{0xee}, 255*4-12), ioResponse), false),
		Entry("reserved bytes and bits set are ignored",
			wireOf([]byte{0, 2, 3, 0xff, 0xff, 0xff, 0xe1, 0, 0, 0, 0, 0x29}, ioResponse), false),
	)

	DescribeTable("surfaces an E response as *ProxyError with its msg, and stays usable (CCP-C-11)",
		func(wire []byte, msg string) {
			fake := startFakeProxy(func(p *proxyPeer) {
				p.Expect(api.TypeCommand, api.CmdConnectShim)
				p.Raw(wire)
				p.Expect(api.TypeCommand, api.CmdConnectShim)
				p.Respond(api.CmdConnectShim, "")
				p.ExpectClosed()
			})
			c := Successful(ccproxy.Dial(fake.Path))
			err := c.ConnectShim("tok")
			var perr *ccproxy.ProxyError
			Expect(errors.As(err, &perr)).To(BeTrue(), "want *ProxyError, got %v", err)
			Expect(perr.Opcode).To(Equal(api.CmdConnectShim))
			Expect(perr.Msg).To(ContainSubstring(msg))
			Expect(c.ConnectShim("tok")).To(Succeed())
			Expect(c.Close()).To(Succeed())
			fake.Wait()
		},
		Entry("msg", wireOf([]byte{0, 2, 3, 0, 0, 0, 0x11, 4, 0, 0, 0, 0x17}, []byte(`{"msg":"no such token"}`)), "no such token"),
		Entry("not JSON: the raw text is kept", wireOf([]byte{0, 2, 3, 0, 0, 0, 0x11, 4, 0, 0, 0, 4}, []byte("boom")), "boom"),
		Entry("empty", []byte{0, 2, 3, 0, 0, 0, 0x11, 4, 0, 0, 0, 0}, `{"msg":non-empty}`),
	)

	DescribeTable("takes streams and notifications before a response, and without one (CCP-C-10)",
		func(bytewise bool) {
			var wire []byte
			wire = api.AppendFrame(wire, api.NewFrame(api.TypeStream, api.StreamStdout, false, []byte("out1 ")))
			wire = api.AppendFrame(wire, api.NewFrame(api.TypeStream, api.StreamStderr, false, []byte("err\x00\xff")))
			wire = api.AppendFrame(wire, api.NewFrame(api.TypeStream, api.StreamStdout, false, nil))
			wire = api.AppendFrame(wire, api.NewFrame(api.TypeStream, api.StreamStdout, false, []byte("out2")))
			wire = api.AppendFrame(wire, api.NewFrame(api.TypeNotification, api.NotificationProcessExited, false, []byte{7}))
			response := api.AppendFrame(nil, api.NewFrame(api.TypeResponse, api.CmdSignal, false, nil))
			fake := startFakeProxy(func(p *proxyPeer) {
				p.Expect(api.TypeCommand, api.CmdConnectShim)
				p.Respond(api.CmdConnectShim, "")
				p.Expect(api.TypeCommand, api.CmdSignal)
				if bytewise {
					p.Bytewise(wireOf(wire, response))
				} else {
					p.Raw(wireOf(wire, response))
				}
				p.ExpectClosed()
			})
			var stdout, stderr bytes.Buffer
			c := Successful(ccproxy.Dial(fake.Path, ccproxy.WithStdout(&stdout), ccproxy.WithStderr(&stderr)))
			connected(c)
			Expect(c.Signal(api.Signal{SignalNumber: 15})).To(Succeed())
			// Output and the exit code were delivered before the response.
			Expect(stdout.String()).To(Equal("out1 out2"))
			Expect(stderr.String()).To(Equal("err\x00\xff"))
			Expect(c.Exited()).To(Receive(Equal(uint8(7))))
			Expect(c.Close()).To(Succeed())
			Expect(c.Exited()).To(BeClosed())
			fake.Wait()
		},
		Entry("whole frames", false),
		Entry("one byte per write", true),
	)

	It("takes a ProcessExited with no command outstanding (CCP-C-10)", func() {
		fake := startFakeProxy(func(p *proxyPeer) {
			p.Send(api.TypeNotification, api.NotificationProcessExited, []byte{255})
			p.ExpectClosed()
		})
		c := Successful(ccproxy.Dial(fake.Path))
		Eventually(c.Exited()).Should(Receive(Equal(uint8(255))))
		Expect(c.Err()).NotTo(HaveOccurred())
		Expect(c.Close()).To(Succeed())
		Expect(c.Err()).To(MatchError(ccproxy.ErrClientClosed))
		fake.Wait()
	})

	DescribeTable("closes cleanly on a bad header, naming the field, never resyncing (CCP-C-02, CCP-C-03)",
		func(wire []byte, sentinel error, field string) {
			fake := startFakeProxy(func(p *proxyPeer) {
				p.Expect(api.TypeCommand, api.CmdUnregisterVM)
				p.Raw(wire)
				// A resyncing client would take this for the response.
				_, _ = p.Conn.Write(api.AppendFrame(nil, api.NewFrame(api.TypeResponse, api.CmdUnregisterVM, false, nil)))
				p.ExpectClosed()
			})
			c := Successful(ccproxy.Dial(fake.Path))
			err := c.UnregisterVM(api.UnregisterVM{ContainerID: "c1"})
			Expect(err).To(MatchError(sentinel))
			var herr *api.HeaderError
			Expect(errors.As(err, &herr)).To(BeTrue())
			Expect(herr.Field).To(Equal(field))
			Eventually(c.Done()).Should(BeClosed())
			Expect(c.Err()).To(MatchError(sentinel))
			Expect(c.Exited()).To(BeClosed())
			Expect(c.UnregisterVM(api.UnregisterVM{ContainerID: "c1"})).To(MatchError(sentinel))
			Expect(c.Close()).To(Succeed())
			fake.Wait()
		},
		Entry("HL 2", []byte{0, 2, 2, 0, 0, 0, 0x01, 1, 0, 0, 0, 0}, api.ErrHeaderLength, "HeaderLength"),
		Entry("HL 0", []byte{0, 2, 0, 0, 0, 0, 0x01, 1, 0, 0, 0, 0}, api.ErrHeaderLength, "HeaderLength"),
		Entry("version 1", []byte{0, 1, 3, 0, 0, 0, 0x01, 1, 0, 0, 0, 0}, api.ErrVersion, "Version"),
		Entry("version little-endian", []byte{2, 0, 3, 0, 0, 0, 0x01, 1, 0, 0, 0, 0}, api.ErrVersion, "Version"),
		Entry("type 4", []byte{0, 2, 3, 0, 0, 0, 0x04, 0, 0, 0, 0, 0}, api.ErrType, "Type"),
		Entry("response opcode 7", []byte{0, 2, 3, 0, 0, 0, 0x01, 7, 0, 0, 0, 0}, api.ErrOpcode, "Opcode"),
		Entry("E on a stream", []byte{0, 2, 3, 0, 0, 0, 0x12, 1, 0, 0, 0, 0}, api.ErrErrorFlag, "E"),
		Entry("PayloadLength 0xFFFFFFFF", []byte{0, 2, 3, 0, 0, 0, 0x01, 1, 0xff, 0xff, 0xff, 0xff}, api.ErrPayloadTooLong, "PayloadLength"),
	)

	It("rejects PayloadLength 0xFFFFFFFF without allocating for it (CCP-C-03)", func() {
		fake := startFakeProxy(func(p *proxyPeer) {
			p.Raw([]byte{0, 2, 3, 0, 0, 0, 0x02, 1, 0xff, 0xff, 0xff, 0xff})
			p.ExpectClosed()
		})
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		c := Successful(ccproxy.Dial(fake.Path))
		Eventually(c.Done()).Should(BeClosed())
		runtime.ReadMemStats(&after)
		Expect(c.Err()).To(MatchError(api.ErrPayloadTooLong))
		Expect(after.TotalAlloc - before.TotalAlloc).To(BeNumerically("<", 16<<20))
		Expect(c.Close()).To(Succeed())
		fake.Wait()
	})

	DescribeTable("closes on what a proxy must never send a client, naming it (CCP-C-11)",
		func(violation func(p *proxyPeer), field string) {
			fake := startFakeProxy(func(p *proxyPeer) {
				p.Expect(api.TypeCommand, api.CmdUnregisterVM)
				violation(p)
				p.ExpectClosed()
			})
			c := Successful(ccproxy.Dial(fake.Path))
			err := c.UnregisterVM(api.UnregisterVM{ContainerID: "c1"})
			if err != nil {
				Expect(err).To(MatchError(ccproxy.ErrProxyProtocol))
			}
			Eventually(c.Done()).Should(BeClosed())
			var perr *ccproxy.ProtocolError
			Expect(errors.As(c.Err(), &perr)).To(BeTrue(), "want *ProtocolError, got %v", c.Err())
			Expect(perr.Field).To(Equal(field))
			Expect(c.Close()).To(Succeed())
			fake.Wait()
		},
		Entry("a response with another opcode",
			func(p *proxyPeer) { p.Respond(api.CmdHyper, "") }, "response opcode"),
		Entry("a response nobody asked for",
			func(p *proxyPeer) { p.Respond(api.CmdUnregisterVM, ""); p.Respond(api.CmdUnregisterVM, "") }, "response UnregisterVM"),
		Entry("a command",
			func(p *proxyPeer) { p.Send(api.TypeCommand, api.CmdSignal, nil) }, "frame type"),
		Entry("a stdin stream",
			func(p *proxyPeer) { p.Send(api.TypeStream, api.StreamStdin, []byte("x")) }, "stream opcode"),
		Entry("a log stream",
			func(p *proxyPeer) { p.Send(api.TypeStream, api.StreamLog, []byte("{}")) }, "stream opcode"),
		Entry("a ProcessExited of 2 bytes",
			func(p *proxyPeer) { p.Send(api.TypeNotification, api.NotificationProcessExited, []byte{0, 0}) }, "ProcessExited payload length"),
		Entry("an empty ProcessExited",
			func(p *proxyPeer) { p.Send(api.TypeNotification, api.NotificationProcessExited, nil) }, "ProcessExited payload length"),
		Entry("a second ProcessExited",
			func(p *proxyPeer) {
				p.Send(api.TypeNotification, api.NotificationProcessExited, []byte{0})
				p.Send(api.TypeNotification, api.NotificationProcessExited, []byte{0})
			}, "ProcessExited"),
	)

	It("times out a command without a response and closes the connection", func() {
		fake := startFakeProxy(func(p *proxyPeer) {
			p.Expect(api.TypeCommand, api.CmdUnregisterVM)
			p.ExpectClosed()
		})
		c := Successful(ccproxy.Dial(fake.Path, ccproxy.WithTimeout(100*time.Millisecond)))
		Expect(c.UnregisterVM(api.UnregisterVM{ContainerID: "c1"})).To(MatchError(ccproxy.ErrClientTimeout))
		Eventually(c.Done()).Should(BeClosed())
		Expect(c.Close()).To(Succeed())
		fake.Wait()
	})

	It("times out a frame stalled after its first bytes", func() {
		fake := startFakeProxy(func(p *proxyPeer) {
			p.Raw([]byte{0, 2, 3, 0, 0})
			p.ExpectClosed()
		})
		c := Successful(ccproxy.Dial(fake.Path, ccproxy.WithTimeout(100*time.Millisecond)))
		Eventually(c.Done()).Should(BeClosed())
		Expect(c.Err()).To(MatchError(ccproxy.ErrClientTimeout))
		Expect(c.Close()).To(Succeed())
		fake.Wait()
	})

	It("reports a frame truncated by the proxy closing", func() {
		fake := startFakeProxy(func(p *proxyPeer) {
			p.Raw([]byte{0, 2, 3, 0, 0, 0, 0x02, 1, 0, 0, 0, 9, 'a'})
		})
		c := Successful(ccproxy.Dial(fake.Path))
		Eventually(c.Done()).Should(BeClosed())
		Expect(c.Err()).To(MatchError(api.ErrTruncated))
		Expect(c.Close()).To(Succeed())
		fake.Wait()
	})

	It("returns the ACK payload of Hyper verbatim", func() {
		fake := startFakeProxy(func(p *proxyPeer) {
			p.Expect(api.TypeCommand, api.CmdHyper)
			p.Respond(api.CmdHyper, `{"x": [1, 2]}`)
			p.Expect(api.TypeCommand, api.CmdHyper)
			p.Respond(api.CmdHyper, "")
			p.ExpectClosed()
		})
		c := Successful(ccproxy.Dial(fake.Path))
		Expect(c.Hyper("pscontainer", nil, map[string]string{"container": "c1"})).To(Equal(json.RawMessage(`{"x": [1, 2]}`)))
		Expect(c.Hyper("ping", nil, nil)).To(BeEmpty())
		Expect(c.Close()).To(Succeed())
		fake.Wait()
	})

	It("rejects a RegisterVM response that is not JSON", func() {
		fake := startFakeProxy(func(p *proxyPeer) {
			p.Expect(api.TypeCommand, api.CmdRegisterVM)
			p.Respond(api.CmdRegisterVM, "")
			p.ExpectClosed()
		})
		c := Successful(ccproxy.Dial(fake.Path))
		_, err := c.RegisterVM(api.RegisterVM{ContainerID: "c1", CtlSerial: "/c", IoSerial: "/i"})
		Expect(err).To(MatchError(api.ErrPayload))
		Expect(c.Close()).To(Succeed())
		fake.Wait()
	})

	It("ends a command in flight on Close, and closes idempotently", func() {
		got := make(chan struct{})
		fake := startFakeProxy(func(p *proxyPeer) {
			p.Expect(api.TypeCommand, api.CmdUnregisterVM)
			close(got)
			p.ExpectClosed()
		})
		c := Successful(ccproxy.Dial(fake.Path))
		errc := make(chan error, 1)
		go func() { errc <- c.UnregisterVM(api.UnregisterVM{ContainerID: "c1"}) }()
		Eventually(got).Should(BeClosed())
		Expect(c.Close()).To(Succeed())
		Eventually(errc).Should(Receive(MatchError(ccproxy.ErrClientClosed)))
		Expect(c.Close()).To(Succeed())
		Expect(c.ConnectShim("tok")).To(MatchError(ccproxy.ErrClientClosed))
		Expect(c.Log(api.LogEntry{Source: "shim", Level: "info", Message: "m"})).To(MatchError(ccproxy.ErrClientClosed))
		fake.Wait()
	})

	It("reports a proxy closing while a command waits", func() {
		fake := startFakeProxy(func(p *proxyPeer) {
			p.Expect(api.TypeCommand, api.CmdUnregisterVM)
		})
		c := Successful(ccproxy.Dial(fake.Path))
		Expect(c.UnregisterVM(api.UnregisterVM{ContainerID: "c1"})).To(MatchError(ccproxy.ErrProxyClosed))
		Expect(c.Close()).To(Succeed())
		fake.Wait()
	})
})
