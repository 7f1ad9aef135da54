package fakeproxy_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/fakes/wiretap"
)

var _ = Describe("fake proxy recording its wire", func() {
	BeforeEach(leakChecked)

	It("records what the shim sent and got as \"shim\"", func() {
		rec := wiretap.Start(time.Time{}, wiretap.Limits{})
		DeferCleanup(rec.Stop)
		p, c := started(nil)
		c.SetChannel("shim's end")
		Expect(c.Send(connectShim)).To(Succeed())
		Expect(c.ReadRaw(12, step)).To(HaveLen(12))
		Expect(c.Close()).To(Succeed())
		Expect(p.WaitClientClosed(ctxFor(step))).To(Succeed())

		var shim []string
		for _, e := range rec.Transcript().Events {
			if e.Channel == "shim" {
				shim = append(shim, string(e.Direction)+" "+e.Decoded)
			}
		}
		Expect(shim).To(Equal([]string{
			// the fake reads a header, then its payload
			"received (command ConnectShim: 0 of 13 body bytes so far)",
			`received command ConnectShim {"token":"x"}`,
			"sent response ConnectShim",
			"received closed by the other end (EOF)",
		}))
	})
})
