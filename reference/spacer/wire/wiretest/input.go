package wiretest

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"testing"

	"github.com/wirecert/wirecert/reference/spacer/api"
	"github.com/wirecert/wirecert/reference/spacer/wire"
)

// Chunks cuts data into at most max sendmsg payloads, each after its
// length in two big-endian bytes; the last takes what is left, and empty
// ones are dropped.
func Chunks(data []byte, max int) [][]byte {
	var chunks [][]byte
	for len(data) >= 2 && len(chunks) < max {
		n := int(binary.BigEndian.Uint16(data))
		data = data[2:]
		if n > len(data) || len(chunks) == max-1 {
			n = len(data)
		}
		if n > 0 {
			chunks = append(chunks, data[:n])
		}
		data = data[n:]
	}
	return chunks
}

// Seed joins chunks the way Chunks cuts them.
func Seed(chunks ...[]byte) []byte {
	var b []byte
	for _, c := range chunks {
		b = binary.BigEndian.AppendUint16(b, uint16(len(c)))
		b = append(b, c...)
	}
	return b
}

// Messages returns the messages a real client's encoder sends for reqs on
// one connection, in the wire's type names: one gob stream, so the first
// carries the type definitions and the others rely on them. A request
// that does not encode fails tb.
func Messages(tb testing.TB, reqs ...api.Request) [][]byte {
	tb.Helper()
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	msgs := make([][]byte, 0, len(reqs))
	for i, req := range reqs {
		buf.Reset()
		if err := enc.Encode(&req); err != nil {
			tb.Fatalf("wiretest: encoding request %d (%T): %v", i+1, req, err)
		}
		msgs = append(msgs, bytes.Clone(wire.ToWire(buf.Bytes())))
	}
	return msgs
}
