package hyperstart_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
)

// checkReadError fails unless err is one of the reader's documented
// outcomes: io.EOF between frames, a truncation, or a *LengthError.
func checkReadError(t *testing.T, err error) {
	t.Helper()
	var lerr *hyperstart.LengthError
	if err != io.EOF && !errors.Is(err, hyperstart.ErrTruncated) && !errors.As(err, &lerr) {
		t.Fatalf("untyped error: %v", err)
	}
}

// FuzzReadCtlFrame: arbitrary bytes never panic, frames returned respect the
// channel's maximum and write back to the same bytes.
func FuzzReadCtlFrame(f *testing.F) {
	f.Add(hyperstart.CtlFrame{Code: hyperstart.Ready}.Bytes())
	f.Add(hyperstart.CtlFrame{Code: hyperstart.Ack, Payload: []byte(`{"x":1}`)}.Bytes())
	f.Add([]byte{0, 0, 0, 9, 0, 0, 0, 7})
	f.Add([]byte{0, 0, 0, 9, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, wire []byte) {
		r := bytes.NewReader(wire)
		for {
			start := len(wire) - r.Len()
			fr, err := hyperstart.ReadCtlFrame(r)
			if err != nil {
				checkReadError(t, err)
				return
			}
			if len(fr.Payload) > hyperstart.CtlMaxPayload {
				t.Fatalf("payload of %d bytes above the maximum", len(fr.Payload))
			}
			if got := fr.Bytes(); !bytes.Equal(got, wire[start:len(wire)-r.Len()]) {
				t.Fatalf("frame % x does not write back as read", got)
			}
		}
	})
}

// FuzzReadIOFrame: the same for the io channel.
func FuzzReadIOFrame(f *testing.F) {
	f.Add(hyperstart.IOFrame{Seq: 3, Data: []byte("hello")}.Bytes())
	f.Add(hyperstart.IOFrame{Seq: 3}.Bytes())
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 11})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, wire []byte) {
		r := bytes.NewReader(wire)
		for {
			start := len(wire) - r.Len()
			fr, err := hyperstart.ReadIOFrame(r)
			if err != nil {
				checkReadError(t, err)
				return
			}
			if len(fr.Data) > hyperstart.IOMaxData {
				t.Fatalf("data of %d bytes above the maximum", len(fr.Data))
			}
			if got := fr.Bytes(); !bytes.Equal(got, wire[start:len(wire)-r.Len()]) {
				t.Fatalf("frame % x does not write back as read", got)
			}
		}
	})
}
