package hyperagent_test

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/fakes/wiretap"
	"github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
)

var _ = Describe("fake hyperstart agent recording its wire", func() {

	It("records both channels, decoded, when the spec records", func() {
		rec := wiretap.Start(time.Time{}, wiretap.Limits{})
		defer rec.Stop()
		a := newAgent()
		p := connect(a)
		Expect(p.readCtl().Code).To(Equal(hyperstart.Ready))
		p.send(hyperstart.Ping, "")
		Expect(p.readCtl().Code).To(Equal(hyperstart.Ack))
		Expect(a.SendIO(3, []byte("out"))).To(Succeed())
		Expect(p.readIO().Data).To(Equal([]byte("out")))
		Expect(a.CloseIO()).To(Succeed())
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		defer cancel()
		Expect(a.WaitCommand(ctx, hyperstart.Ping)).Error().NotTo(HaveOccurred())
		Expect(a.Close()).To(Succeed())

		var got []string
		for _, e := range rec.Transcript().Events {
			got = append(got, e.Channel+" "+string(e.Direction)+" "+e.Decoded)
		}
		Expect(got).To(ContainElements(
			"agent ctl sent ctl ready",
			"agent ctl received ctl ping",
			"agent ctl sent ctl ack",
			"agent io sent io seq 3 out",
			"agent io sent closed (the agent closed io)",
			"agent ctl sent closed (the agent closed)",
		))
		Expect(got).To(HaveLen(6))
	})
})
