package hyperstart_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
)

// startView is what a decoder of the hyperstart types reads from a start
// payload: the ids a proxy signals by and the process the agent runs.
type startView struct {
	Container string              `json:"container"`
	ID        string              `json:"id"`
	Process   *hyperstart.Process `json:"process"`
}

// compactRaw compacts every raw value of m, so that values equal but for
// whitespace compare equal.
func compactRaw(t *testing.T, m map[string]json.RawMessage) map[string]string {
	t.Helper()
	out := make(map[string]string, len(m))
	for k, v := range m {
		var b bytes.Buffer
		if err := json.Compact(&b, v); err != nil {
			t.Fatalf("field %q: raw value %q does not compact: %v", k, v, err)
		}
		out[k] = b.String()
	}
	return out
}

// FuzzRelocate rewrites the process of arbitrary execcmd and newcontainer
// payloads, as a proxy does for a runtime: no panic; a failure wraps
// ErrPayload or ErrNoProcess; a success is one JSON object whose process
// has "stdio" and "stderr" set as asked and no other key a case-insensitive
// decoder takes for them, keeps every other field, and decodes (with the
// package's types) to what the original decodes to but for the two numbers.
func FuzzRelocate(f *testing.F) {
	f.Add(true, []byte(`{"container":"c1","process":{"terminal":false,"stdio":0,"stderr":0,"args":["sh"],"workdir":"/","rlimits":[{"type":"nofile","hard":1024}]},"future":{"x":[1,2]}}`), uint64(3), uint64(4))
	f.Add(false, []byte(`{"id":"c2","rootfs":"rootfs","image":"img","process":{"terminal":true,"args":["true"],"envs":[{"env":"PATH","value":"/bin"}],"workdir":"/","user":"1000"}}`), uint64(7), uint64(0))
	f.Add(true, []byte(`{"container":"c","process":{"args":["x"]}}`), uint64(1<<63+1), uint64(1<<63+2))
	f.Add(true, []byte(`{"container":"c","process":null}`), uint64(1), uint64(2))
	f.Add(false, []byte(`{"id":"c","process":"sh"}`), uint64(1), uint64(2))
	f.Add(false, []byte(`[1,2]`), uint64(1), uint64(2))
	f.Add(true, []byte(`{"container":"c","process":{"args":["x"]}} {}`), uint64(1), uint64(2))
	// Keys a case-insensitive decoder folds onto a known field: "ſ" (U+017F)
	// folds to "s", "K" (U+212A) to "k".
	f.Add(true, []byte(`{"container":"c","process":{"args":["x"],"ſtdio":0,"STDERR":0}}`), uint64(3), uint64(4))
	f.Add(true, []byte(`{"container":"c","process":{"terminal":true,"TERMINAL":false,"args":["x"]}}`), uint64(3), uint64(4))
	f.Add(false, []byte(`{"id":"a","ID":"b","process":{"args":["x"]}}`), uint64(3), uint64(4))
	f.Add(false, []byte(`{"id":"a","process":{"args":["x"]},"proceſs":{"args":["y"]}}`), uint64(3), uint64(4))
	f.Add(true, []byte(`{"container":"c","process":{"args":["x"],"worKdir":"/a","workdir":"/b"}}`), uint64(3), uint64(4))
	f.Fuzz(func(t *testing.T, execcmd bool, data []byte, stdio, stderr uint64) {
		name := "newcontainer"
		if execcmd {
			name = "execcmd"
		}
		got, err := hyperstart.RelocateProcess(name, data, stdio, stderr)
		if err != nil {
			if !errors.Is(err, hyperstart.ErrPayload) && !errors.Is(err, hyperstart.ErrNoProcess) {
				t.Fatalf("error wraps no sentinel of the package: %v", err)
			}
			return
		}

		// The raw result: one object, its process's numbers as asked, every
		// other field at either level as it was.
		var before, after map[string]json.RawMessage
		if err := json.Unmarshal(data, &before); err != nil {
			t.Fatalf("relocated a payload that is no JSON object: %v", err)
		}
		if err := json.Unmarshal(got, &after); err != nil {
			t.Fatalf("relocated payload %q is no JSON object: %v", got, err)
		}
		var procBefore, procAfter map[string]json.RawMessage
		if err := json.Unmarshal(before["process"], &procBefore); err != nil {
			t.Fatalf("relocated a process that is no JSON object: %v", err)
		}
		if err := json.Unmarshal(after["process"], &procAfter); err != nil {
			t.Fatalf("relocated process %q is no JSON object: %v", after["process"], err)
		}
		delete(before, "process")
		delete(after, "process")
		if b, a := compactRaw(t, before), compactRaw(t, after); !reflect.DeepEqual(b, a) {
			t.Fatalf("top-level fields changed:\nbefore %v\nafter  %v", b, a)
		}
		for key, want := range map[string]uint64{"stdio": stdio, "stderr": stderr} {
			var n uint64
			if err := json.Unmarshal(procAfter[key], &n); err != nil || n != want {
				t.Fatalf("process.%s is %s, allowed %d", key, procAfter[key], want)
			}
			for k := range procAfter {
				if k != key && strings.EqualFold(k, key) {
					t.Fatalf("process key %q is left beside %q: a case-insensitive decoder takes either", k, key)
				}
			}
			for k := range procBefore {
				if strings.EqualFold(k, key) {
					delete(procBefore, k)
				}
			}
			delete(procAfter, key)
		}
		if b, a := compactRaw(t, procBefore), compactRaw(t, procAfter); !reflect.DeepEqual(b, a) {
			t.Fatalf("process fields changed:\nbefore %v\nafter  %v", b, a)
		}

		// The decoded result: what an agent and a proxy read from it.
		var viewBefore, viewAfter startView
		if json.Unmarshal(data, &viewBefore) != nil || viewBefore.Process == nil {
			return // not the package's types: nothing more to compare
		}
		if err := json.Unmarshal(got, &viewAfter); err != nil || viewAfter.Process == nil {
			t.Fatalf("the original decodes, the relocated %q does not: %v", got, err)
		}
		if viewAfter.Process.Stdio != stdio || viewAfter.Process.Stderr != stderr {
			t.Fatalf("relocated process decodes with stdio/stderr %d/%d, allowed %d/%d (payload %q)",
				viewAfter.Process.Stdio, viewAfter.Process.Stderr, stdio, stderr, got)
		}
		pb, pa := *viewBefore.Process, *viewAfter.Process
		pb.Stdio, pb.Stderr = stdio, stderr
		ub, ua := compactRaw(t, pb.Unknown), compactRaw(t, pa.Unknown)
		pb.Unknown, pa.Unknown = nil, nil
		if viewBefore.Container != viewAfter.Container || viewBefore.ID != viewAfter.ID ||
			!reflect.DeepEqual(pb, pa) || !reflect.DeepEqual(ub, ua) {
			t.Fatalf("decodes otherwise once relocated:\nbefore %+v %+v %v\nafter  %+v %+v %v (payload %q)",
				viewBefore, pb, ub, viewAfter, pa, ua, got)
		}
	})
}
