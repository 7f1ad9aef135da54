package api_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// chunkedReader serves wire in reads of varying sizes, cycling through
// sizes (a size 0 read returns nothing and no error, as a Reader may), and
// counts the bytes it has served.
type chunkedReader struct {
	wire   []byte
	sizes  []byte
	i, off int
}

func (c *chunkedReader) Read(p []byte) (int, error) {
	if c.off == len(c.wire) {
		return 0, io.EOF
	}
	n := len(p)
	if len(c.sizes) > 0 {
		n = min(n, int(c.sizes[c.i%len(c.sizes)]))
		c.i++
	}
	n = copy(p[:n], c.wire[c.off:])
	c.off += n
	return n, nil
}

// FuzzReadAhead reads the same bytes with a Reader that reads exactly and
// one that reads ahead (buffer of 1020 + size bytes, reads cut into the
// sizes of chunks): both must give the same frames and the same errors,
// frame by frame, go on alike after a bad header, and after each frame
// have consumed the same bytes once the read-ahead one's Buffered bytes are
// counted back.
func FuzzReadAhead(f *testing.F) {
	valid := api.AppendFrame(nil, api.NewFrame(api.TypeStream, api.StreamStdout, false, []byte("hello")))
	long := api.AppendFrame(nil, api.NewFrame(api.TypeStream, api.StreamStdout, false, bytes.Repeat([]byte{'x'}, 3000)))
	f.Add([]byte{0, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0}, uint16(0), []byte(nil))
	f.Add(append([]byte{0, 2, 4, 0, 0, 0, 2, 1, 0, 0, 0, 2, 1, 2, 3, 4}, "hi"...), uint16(0), []byte{1})
	f.Add([]byte{0, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0}, uint16(4), []byte{5})
	f.Add([]byte{0, 2, 3, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}, uint16(0), []byte{3, 0, 7})
	f.Add(bytes.Join([][]byte{valid, {0, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0}, valid, long, valid[:9]}, nil), uint16(0), []byte{200, 13})
	f.Add(bytes.Join([][]byte{long, valid, long, long[:2000]}, nil), uint16(3000), []byte(nil))
	const maxPayload = 4096
	f.Fuzz(func(t *testing.T, wire []byte, size uint16, chunks []byte) {
		exactIn := &chunkedReader{wire: wire}
		aheadIn := &chunkedReader{wire: wire, sizes: chunks}
		if bytes.Count(chunks, []byte{0}) == len(chunks) {
			aheadIn.sizes = nil // only empty reads would never end
		}
		exact := api.NewReader(exactIn, api.WithMaxPayload(maxPayload))
		ahead := api.NewReader(aheadIn, api.WithMaxPayload(maxPayload), api.WithReadAhead(1020+int(size)))
		for i := 0; ; i++ {
			want, wantErr := exact.ReadFrame()
			got, gotErr := ahead.ReadFrame()
			if fmt.Sprint(wantErr) != fmt.Sprint(gotErr) {
				t.Fatalf("frame %d: read exactly: %v; read ahead: %v", i, wantErr, gotErr)
			}
			if wantErr == nil && (want.Header != got.Header || !bytes.Equal(want.Payload, got.Payload)) {
				t.Fatalf("frame %d: read exactly %v, read ahead %v", i, want, got)
			}
			if cap(got.Payload) > 2*maxPayload {
				t.Fatalf("frame %d: payload buffer of %d bytes for a maximum of %d", i, cap(got.Payload), maxPayload)
			}
			if consumed := aheadIn.off - len(ahead.Buffered()); consumed != exactIn.off {
				t.Fatalf("frame %d: read exactly consumed %d bytes, read ahead %d", i, exactIn.off, consumed)
			}
			var herr *api.HeaderError
			if wantErr != nil && !errors.As(wantErr, &herr) {
				return // io.EOF or a truncation: the stream is over
			}
		}
	})
}
