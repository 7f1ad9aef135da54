package wire_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/reference/spacer/wire"
)

var _ = DescribeTable("GobFramed tells whole gob messages from the rest",
	func(b []byte, framed bool) {
		Expect(wire.GobFramed(b)).To(Equal(framed))
	},
	Entry("one message", []byte{0x02, 0xaa, 0xbb}, true),
	Entry("two messages", []byte{0x01, 0xaa, 0x02, 0xbb, 0xcc}, true),
	Entry("a count beyond the bytes", []byte{0x7f, 0xde, 0xad, 0xbe, 0xef}, false),
	Entry("a two-byte count", append([]byte{0xff, 0x80}, make([]byte, 0x80)...), true),
	Entry("a zero count", []byte{0x00}, false),
	Entry("a count cut short", []byte{0xfe, 0x01}, false),
)
