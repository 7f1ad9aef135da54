package api_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// FuzzReadFrame feeds arbitrary bytes to the Reader: it must never panic,
// return only frames that pass Validate and whose payload matches
// PayloadLength, and stop with a typed error, io.EOF or a truncation.
func FuzzReadFrame(f *testing.F) {
	f.Add([]byte{0, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add(append([]byte{0, 2, 4, 0, 0, 0, 2, 1, 0, 0, 0, 2, 1, 2, 3, 4}, "hi"...))
	f.Add([]byte{0, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{0, 2, 3, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff})
	const maxPayload = 4096
	f.Fuzz(func(t *testing.T, wire []byte) {
		r := api.NewReader(bytes.NewReader(wire), api.WithMaxPayload(maxPayload))
		for {
			fr, err := r.ReadFrame()
			if err != nil {
				var herr *api.HeaderError
				if err != io.EOF && !errors.Is(err, api.ErrTruncated) && !errors.As(err, &herr) {
					t.Fatalf("untyped error: %v", err)
				}
				return
			}
			if verr := fr.Header.Validate(); verr != nil {
				t.Fatalf("returned an invalid header: %v", verr)
			}
			if uint32(len(fr.Payload)) != fr.Header.PayloadLength || len(fr.Payload) > maxPayload {
				t.Fatalf("payload of %d bytes for PayloadLength %d", len(fr.Payload), fr.Header.PayloadLength)
			}
			// The buffer behind it stays within the maximum too (allowing
			// for append's rounding): no allocation beyond what is allowed.
			if cap(fr.Payload) > 2*maxPayload {
				t.Fatalf("payload buffer of %d bytes for a maximum of %d", cap(fr.Payload), maxPayload)
			}
		}
	})
}
