package ccproxy_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gleak"
	"github.com/thediveo/fdooze"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/reference/ccproxy"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

var _ = Describe("reference proxy Server accepting", func() {
	var (
		dir  string
		logs *gbytes.Buffer
		cfg  ccproxy.Config
	)

	BeforeEach(func() {
		goods := gleak.Goroutines()
		fds := fdooze.Filedescriptors()
		dir = Successful(os.MkdirTemp("", "ccproxy-accept-"))
		logs = gbytes.NewBuffer()
		cfg = ccproxy.Config{Logger: slog.New(slog.NewTextHandler(logs, nil))}
		DeferCleanup(func() {
			Expect(os.RemoveAll(dir)).To(Succeed())
			Eventually(gleak.Goroutines).ShouldNot(gleak.HaveLeaked(goods))
			Expect(fdooze.Filedescriptors()).NotTo(fdooze.HaveLeakedFds(fds))
		})
	})

	// unknownVM asks for a VM never registered: a served connection answers
	// with an error response.
	unknownVM := func(c *wireConn) {
		GinkgoHelper()
		Expect(c.fails(api.CmdAttachVM, api.AttachVM{ContainerID: "nope"})).To(ContainSubstring("nope"))
	}

	It("closes connections beyond MaxConnections at once, logs it once, and serves again when one ends", func() {
		cfg.MaxConnections = 2
		sock := filepath.Join(dir, "proxy.sock")
		srv := Successful(ccproxy.Listen(sock, cfg))
		defer srv.Close()
		first, second := dialWire(sock), dialWire(sock)
		unknownVM(first)
		unknownVM(second)
		for range 2 {
			dialWire(sock).closed()
		}
		Expect(logs).To(gbytes.Say("connection limit reached"))
		Expect(logs).NotTo(gbytes.Say("connection limit reached"), "logged once while full")
		unknownVM(second)

		Expect(first.Close()).To(Succeed())
		// The first connection's session ends asynchronously: until it
		// has, a new one may still be refused.
		Eventually(func() error {
			c := Successful(net.DialTimeout("unix", sock, 5*time.Second))
			defer c.Close()
			if err := api.NewWriter(c).WriteJSON(api.TypeCommand, api.CmdAttachVM, false, api.AttachVM{ContainerID: "nope"}); err != nil {
				return err
			}
			if err := c.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
				return err
			}
			f, err := api.NewReader(c).ReadFrame()
			if err == nil && !f.Header.Error {
				err = fmt.Errorf("AttachVM of an unknown VM answered %s", f)
			}
			return err
		}).Should(Succeed(), "a connection is served once one of the two ended")
	})

	It("ends Serve with a fatal accept error, logged, not ErrServerClosed", func() {
		ln := Successful(net.Listen("unix", filepath.Join(dir, "proxy.sock")))
		srv := ccproxy.NewServer(cfg)
		defer srv.Close()
		served := make(chan error, 1)
		go func() { served <- srv.Serve(ln) }()
		unknownVM(dialWire(ln.Addr().String()))

		// Closed from under the Server, not by Close: accept cannot go on.
		Expect(ln.Close()).To(Succeed())
		var err error
		Eventually(served).WithTimeout(5 * time.Second).Should(Receive(&err))
		Expect(err).To(MatchError(net.ErrClosed))
		Expect(errors.Is(err, ccproxy.ErrServerClosed)).To(BeFalse())
		Expect(err).To(MatchError(ContainSubstring("ccproxy: accept")))
		Expect(logs).To(gbytes.Say(`level=ERROR msg="no longer accepting connections"`))
		Expect(srv.Wait()).To(Succeed(), "Wait is for Listen's Server")
	})

	It("reports ErrServerClosed from Wait after Close", func() {
		srv := Successful(ccproxy.Listen(filepath.Join(dir, "proxy.sock"), cfg))
		Expect(srv.Close()).To(Succeed())
		Expect(srv.Wait()).To(MatchError(ccproxy.ErrServerClosed))
		Expect(string(logs.Contents())).NotTo(ContainSubstring("ERROR"))
	})
})
