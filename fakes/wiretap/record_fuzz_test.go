package wiretap_test

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wirecert/wirecert/fakes/wiretap"
	ccapi "github.com/wirecert/wirecert/reference/ccproxy/api"
	"github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
	"github.com/wirecert/wirecert/reference/spacer/api"
	"github.com/wirecert/wirecert/reference/spacer/wire"
)

// fuzzLimits are small, so an input of a few hundred bytes already makes
// the Recorder cut chunks, decoded forms and drop events.
var fuzzLimits = wiretap.Limits{Events: 8, Bytes: 256, EventBytes: 64, DecodedChars: 96}

// FuzzRecordChunks records arbitrary bytes, as a target sends them, on a
// channel of each protocol (the first byte picks it), cut into chunks at
// the sizes the next bytes give, in both directions: the decoders follow
// frames and gob messages across chunks, so a hostile target reaches
// them. No panic; every kept event within the limits (its bytes, its
// decoded form, valid UTF-8); the kept events and the dropped ones add up
// to what was recorded; the transcript encodes as JSON.
func FuzzRecordChunks(f *testing.F) {
	frame := func(t ccapi.FrameType, op uint8, payload string) []byte {
		return ccapi.AppendFrame(nil, ccapi.NewFrame(t, op, false, []byte(payload)))
	}
	var gobs bytes.Buffer
	enc := gob.NewEncoder(&gobs)
	for _, req := range []api.Request{&api.RoomsRequest{Spaces: api.RoomsSpaces}, &api.SubspaceRequest{}} {
		if err := enc.Encode(&req); err != nil {
			f.Fatal(err)
		}
	}
	spacerWire := wire.ToWire(bytes.Clone(gobs.Bytes()))
	// protocol byte, then chunk sizes (one byte each, up to a 0), then
	// the bytes
	seed := func(p wiretap.Protocol, sizes []byte, b []byte) []byte {
		return append(append([]byte{byte(p)}, append(sizes, 0)...), b...)
	}
	f.Add(seed(wiretap.CCProxy, []byte{5, 7, 1}, frame(ccapi.TypeCommand, ccapi.CmdRegisterVM, `{"containerId":"vm"}`)))
	f.Add(seed(wiretap.CCProxy, nil, append(frame(ccapi.TypeResponse, ccapi.CmdHyper, `{"result":1}`), 0, 2, 9, 0, 0xff, 0xff, 0xff, 0xff)))
	f.Add(seed(wiretap.CCProxy, []byte{12}, []byte{0, 2, 3, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 'x'}))
	f.Add(seed(wiretap.HyperCtl, []byte{3}, hyperstart.CtlFrame{Code: hyperstart.ExecCmd, Payload: []byte(`{"container":"c"}`)}.Bytes()))
	f.Add(seed(wiretap.HyperCtl, nil, []byte{0, 0, 0, 1, 0, 0, 0, 2}))
	f.Add(seed(wiretap.HyperIO, []byte{9}, hyperstart.IOFrame{Seq: 1, Data: []byte("out\xff\xfe")}.Bytes()))
	f.Add(seed(wiretap.Spacer, []byte{byte(len(spacerWire) / 2)}, spacerWire))
	f.Add(seed(wiretap.Spacer, nil, []byte("GET / HTTP/1.0\r\n\r\n")))
	f.Add(seed(wiretap.Raw, nil, []byte("\x00\x01")))
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 {
			return
		}
		p := wiretap.Protocol(in[0] % 5)
		in = in[1:]
		var sizes []int
		for len(in) > 0 && in[0] != 0 && len(sizes) < 32 {
			sizes = append(sizes, int(in[0]))
			in = in[1:]
		}
		if len(in) > 0 {
			in = in[1:]
		}
		r := wiretap.New(time.Time{}, fuzzLimits)
		ch := r.Open("target", p)
		chunks, total := 0, 0
		for i := 0; len(in) > 0; i++ {
			n := len(in)
			if i < len(sizes) {
				n = min(sizes[i], len(in))
			}
			if i%2 == 0 {
				ch.Received(in[:n], nil)
			} else {
				ch.Sent(in[:n], nil)
			}
			chunks, total = chunks+1, total+n
			in = in[n:]
		}
		ch.Closed(wiretap.Received, "closed by the other end (EOF)")
		tr := r.Stop()

		if len(tr.Events) > fuzzLimits.Events {
			t.Errorf("%d events kept, allowed %d", len(tr.Events), fuzzLimits.Events)
		}
		if got := len(tr.Events) + tr.DroppedEvents; got != chunks+1 {
			t.Errorf("%d events kept and %d dropped, %d recorded", len(tr.Events), tr.DroppedEvents, chunks+1)
		}
		held, keptSizes := 0, 0
		for _, e := range tr.Events {
			held += len(e.Bytes)
			keptSizes += e.Size
			if len(e.Bytes) > fuzzLimits.EventBytes || len(e.Bytes) > e.Size {
				t.Errorf("an event keeps %d of its %d bytes, allowed at most %d", len(e.Bytes), e.Size, fuzzLimits.EventBytes)
			}
			if len(e.Decoded) > fuzzLimits.DecodedChars {
				t.Errorf("a decoded form of %d bytes, allowed %d: %q", len(e.Decoded), fuzzLimits.DecodedChars, e.Decoded)
			}
			if !utf8.ValidString(e.Decoded) {
				t.Errorf("a decoded form that is not UTF-8: %q", e.Decoded)
			}
		}
		if held > fuzzLimits.Bytes && len(tr.Events) > 1 {
			t.Errorf("the kept events hold %d bytes, allowed %d", held, fuzzLimits.Bytes)
		}
		if int64(keptSizes)+tr.DroppedBytes < int64(total) {
			t.Errorf("%d bytes kept or counted as dropped of %d recorded", int64(keptSizes)+tr.DroppedBytes, total)
		}
		if _, err := json.Marshal(tr); err != nil {
			t.Errorf("the transcript does not encode as JSON: %v", err)
		}
	})
}
