package wiretap

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"

	"github.com/wirecert/wirecert/reference/spacer/api"
	"github.com/wirecert/wirecert/reference/spacer/wire"
)

// gobStream follows one direction of a spacer connection with a gob
// decoder of its own, as a receiver keeps one for the connection's life.
// A chunk is one sendmsg or recvmsg.
type gobStream struct {
	pending bytes.Buffer
	dec     *gob.Decoder
}

func newGobStream() *gobStream {
	g := &gobStream{}
	// bytes.Buffer is an io.ByteReader: gob reads no further than each
	// message.
	g.dec = gob.NewDecoder(&g.pending)
	return g
}

func (g *gobStream) decode(b []byte, fds []int) string {
	var out []string
	if len(b) > 0 {
		out = append(out, g.messages(b)...)
	}
	if len(fds) > 0 {
		out = append(out, "fds "+describeFds(fds))
	}
	return strings.Join(out, "; ")
}

// messages decodes the gob messages of one chunk.
func (g *gobStream) messages(b []byte) []string {
	if !wire.GobFramed(b) {
		return []string{fmt.Sprintf("%d bytes, not whole gob messages", len(b))}
	}
	local := bytes.Clone(b)
	wire.FromWire(local) // the wire's type names to the ones this process registered
	g.pending.Write(local)
	var out []string
	for g.pending.Len() > 0 {
		v, err := g.next()
		if err != nil {
			// The rest of the chunk belongs to the failed message; a
			// decoder that failed may be out of step: start afresh, as
			// a fresh stream would (it needs the type definitions again).
			g.pending.Reset()
			g.dec = gob.NewDecoder(&g.pending)
			return append(out, "undecodable: "+err.Error())
		}
		out = append(out, describeValue(v))
	}
	return out
}

// next decodes one value; a panic in gob on hostile bytes is an error.
func (g *gobStream) next() (v any, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("gob panicked: %v", p)
		}
	}()
	if err := g.dec.Decode(&v); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF // the chunk ended inside a message
		}
		return nil, err
	}
	return v, nil
}

// describeValue shows a decoded message: its type and fields, namespace
// sets by name.
func describeValue(v any) string {
	switch m := v.(type) {
	case nil:
		return "nil"
	case *api.RoomsRequest:
		return "RoomsRequest{Spaces: " + api.SpacesString(m.Spaces) + "}"
	case *api.SubspaceRequest:
		return "SubspaceRequest{Spaces: " + api.SpacesString(m.Spaces) + "}"
	case *api.ErrorResponse:
		return "ErrorResponse{Reason: " + strconv.Quote(m.Reason) + "}"
	}
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	return fmt.Sprintf("%s%+v", rv.Type().Name(), rv.Interface())
}

// describeFds names what each fd refers to while it is still open: a
// namespace by its type, anything else as /proc shows it.
func describeFds(fds []int) string {
	parts := make([]string, len(fds))
	for i, fd := range fds {
		parts[i] = strconv.Itoa(fd) + " (" + fdKind(fd) + ")"
	}
	return strings.Join(parts, ", ")
}

func fdKind(fd int) string {
	if t, err := api.NamespaceType(fd); err == nil {
		return api.NamespaceTypeName(t) + " namespace"
	}
	target, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(fd))
	if err != nil {
		return "closed?"
	}
	return target
}
