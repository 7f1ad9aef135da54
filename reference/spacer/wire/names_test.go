package wire_test

import (
	"bytes"
	"encoding/gob"
	"net"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/thediveo/success"
	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/reference/spacer/api"
	"github.com/wirecert/wirecert/reference/spacer/wire"
	seed "github.com/wirecert/wirecert/reference/spacer/wire/internal/seedapi"
)

// interfaceMessage is one gob message holding an interface value named
// name with the value bytes rest: count, type id 8 (16 as a gob int),
// field delta 0, the name's length and bytes.
func interfaceMessage(name string, rest ...byte) []byte {
	body := append([]byte{0x10, 0x00, byte(len(name))}, name...)
	body = append(body, rest...)
	return append([]byte{byte(len(body))}, body...)
}

var _ = Describe("gob names on the wire", func() {

	DescribeTable("ToWire swaps local names for the protocol's, in place",
		func(in, out []byte) {
			b := bytes.Clone(in)
			Expect(wire.ToWire(b)).To(Equal(out))
			Expect(b).To(Equal(out), "in place")
		},
		Entry("a RoomsRequest",
			interfaceMessage("*wc~.RoomsRequest", 0x01, 0x02),
			interfaceMessage("*api.RoomsRequest", 0x01, 0x02)),
		Entry("a type definition before it is left alone",
			append([]byte{0x03, 0xff, 0x83, 0x00}, interfaceMessage("*wc~.ErrorResponse")...),
			append([]byte{0x03, 0xff, 0x83, 0x00}, interfaceMessage("*api.ErrorResponse")...)),
		Entry("a name that is none of api's",
			interfaceMessage("*wirecert.UnknownRequest"),
			interfaceMessage("*wirecert.UnknownRequest")),
		Entry("a local name in a string value, not in the name's place",
			[]byte{0x14, 0x0c, 0x00, 0x11, '*', 'w', 'c', '~', '.', 'R', 'o', 'o', 'm', 's', 'R', 'e', 'q', 'u', 'e', 's', 't'},
			[]byte{0x14, 0x0c, 0x00, 0x11, '*', 'w', 'c', '~', '.', 'R', 'o', 'o', 'm', 's', 'R', 'e', 'q', 'u', 'e', 's', 't'}),
		Entry("bytes past the last whole message",
			append(interfaceMessage("*wc~.RoomsResponse"), 0x7f, 0x10, 0x00),
			append(interfaceMessage("*api.RoomsResponse"), 0x7f, 0x10, 0x00)),
	)

	DescribeTable("FromWire swaps the protocol's names for local ones, and garbles local names a peer sends",
		func(in, out []byte) {
			b := bytes.Clone(in)
			wire.FromWire(b)
			Expect(b).To(Equal(out))
		},
		Entry("a SubspaceResponse",
			interfaceMessage("*api.SubspaceResponse", 0x00),
			interfaceMessage("*wc~.SubspaceResponse", 0x00)),
		Entry("an unregistered request",
			interfaceMessage("*api.UnhandlebarRequest"),
			interfaceMessage("*api.UnhandlebarRequest")),
		Entry("a local name from a peer",
			interfaceMessage("*wc~.RoomsRequest"),
			interfaceMessage("*wc~.RoomsReques\xf4")),
	)

	It("registers local names of the wire names' length, each a different name", func() {
		for _, name := range api.WireNames {
			local, ok := api.LocalName(name)
			Expect(ok).To(BeTrue(), name)
			Expect(local).To(HaveLen(len(name)))
			Expect(local).NotTo(Equal(name))
			back, ok := api.WireName(local)
			Expect(ok).To(BeTrue(), local)
			Expect(back).To(Equal(name))
		}
		_, ok := api.LocalName("*api.UnhandlebarRequest")
		Expect(ok).To(BeFalse(), "UnhandlebarRequest stays unregistered")
	})

	// The seed's package api registers the protocol's names in this test
	// binary, as an implementation vendoring the suites does in its own.
	Describe("beside an implementation's own api package in one process", func() {
		var ours *wire.Conn
		var theirs *bytes.Buffer
		var peer *seedPeer

		BeforeEach(func() {
			pair := Successful(unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0))
			ours = wire.NewConn(unixConn(pair[0]), 2*time.Second)
			peer = &seedPeer{uc: unixConn(pair[1])}
			peer.enc = gob.NewEncoder(&peer.out)
			theirs = &bytes.Buffer{}
			peer.dec = gob.NewDecoder(theirs)
			peer.in = theirs
			DeferCleanup(ours.Close)
			DeferCleanup(peer.uc.Close)
		})

		It("sends requests the implementation's decoder reads as its own types", func() {
			Expect(ours.SendRequest(&api.RoomsRequest{Spaces: unix.CLONE_NEWNET})).To(Succeed())
			Expect(peer.receive()).To(Equal(&seed.RoomsRequest{Spaces: unix.CLONE_NEWNET}))
			Expect(ours.SendRequest(&api.SubspaceRequest{Spaces: unix.CLONE_NEWUSER})).To(Succeed())
			Expect(peer.receive()).To(Equal(&seed.SubspaceRequest{Spaces: unix.CLONE_NEWUSER}))
		})

		It("receives the implementation's responses as api types", func() {
			peer.send(&seed.ErrorResponse{Reason: "out of space"})
			Expect(ours.ReceiveResponse()).To(Equal(&api.ErrorResponse{Reason: "out of space"}))
			peer.send(&seed.RoomsResponse{})
			Expect(ours.ReceiveResponse()).To(Equal(&api.RoomsResponse{}))
		})
	})
})

// seedPeer speaks the protocol with the seed's types and a plain gob
// stream per direction, as an independent implementation does.
type seedPeer struct {
	uc  *net.UnixConn
	out bytes.Buffer
	enc *gob.Encoder
	in  *bytes.Buffer
	dec *gob.Decoder
}

func (p *seedPeer) send(resp seed.Response) {
	GinkgoHelper()
	p.out.Reset()
	Expect(p.enc.Encode(&resp)).To(Succeed())
	Expect(p.uc.Write(p.out.Bytes())).To(Equal(p.out.Len()))
}

func (p *seedPeer) receive() seed.Request {
	GinkgoHelper()
	buf := make([]byte, wire.MaxMessageSize)
	Expect(p.uc.SetReadDeadline(time.Now().Add(2 * time.Second))).To(Succeed())
	n := Successful(p.uc.Read(buf))
	p.in.Write(buf[:n])
	var req seed.Request
	Expect(p.dec.Decode(&req)).To(Succeed())
	return req
}
