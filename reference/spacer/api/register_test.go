package api_test

import (
	"bytes"
	"encoding/gob"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/reference/spacer/api"
	"github.com/wirecert/wirecert/reference/spacer/wire"
)

var _ = Describe("gob wire names", func() {

	DescribeTable("puts the protocol's type name on the wire (through package wire)",
		func(value any, name string) {
			var buf bytes.Buffer
			enc := gob.NewEncoder(&buf)
			switch v := value.(type) {
			case api.Request:
				Expect(enc.Encode(&v)).To(Succeed())
			case api.Response:
				Expect(enc.Encode(&v)).To(Succeed())
			}
			// the local name goes out as the wire's: a gob string, its
			// length, then its bytes
			Expect(wire.ToWire(buf.Bytes())).To(ContainSubstring(string(append([]byte{byte(len(name))}, name...))))
			wire.FromWire(buf.Bytes())

			var back any
			if _, ok := value.(api.Request); ok {
				var req api.Request
				Expect(gob.NewDecoder(&buf).Decode(&req)).To(Succeed())
				back = req
			} else {
				var resp api.Response
				Expect(gob.NewDecoder(&buf).Decode(&resp)).To(Succeed())
				back = resp
			}
			Expect(back).To(Equal(value))
		},
		Entry(nil, &api.ErrorResponse{Reason: "out of space"}, "*api.ErrorResponse"),
		Entry(nil, &api.SubspaceRequest{Spaces: 0x10000000}, "*api.SubspaceRequest"),
		Entry(nil, &api.SubspaceResponse{}, "*api.SubspaceResponse"),
		Entry(nil, &api.RoomsRequest{Spaces: 0x40000000}, "*api.RoomsRequest"),
		Entry(nil, &api.RoomsResponse{}, "*api.RoomsResponse"),
	)

	It("leaves UnhandlebarRequest unregistered", func() {
		var req api.Request = &api.UnhandlebarRequest{}
		Expect(gob.NewEncoder(&bytes.Buffer{}).Encode(&req)).To(MatchError(ContainSubstring("not registered")))
	})
})
