package api

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sync"
)

// Writer writes frames, each in one Write call. It is safe for concurrent
// use: the mutex keeps frames from interleaving (CCP-S-10).
type Writer struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte
}

// NewWriter returns a Writer of frames to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// WriteFrame writes f with the header every sender owes (Version 2,
// HeaderLength 3, zero reserved fields, the exact PayloadLength), whatever
// f.Header says about those fields. It refuses a type, opcode or E flag the
// protocol does not allow.
func (w *Writer) WriteFrame(f Frame) error {
	if len(f.Payload) > math.MaxUint32 {
		return &PayloadError{Field: "PayloadLength", Seen: fmt.Sprint(len(f.Payload)), Allowed: "<= 4294967295", Err: ErrPayloadTooLong}
	}
	h := NewFrame(f.Header.Type, f.Header.Opcode, f.Header.Error, f.Payload).Header
	if err := h.Validate(); err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(AppendHeader(w.buf[:0], h), f.Payload...)
	_, err := w.w.Write(w.buf)
	if cap(w.buf) > DefaultMaxPayload {
		w.buf = nil // don't pin a large stdio chunk's buffer
	}
	return err
}

// WriteJSON writes a frame whose payload is v encoded as JSON; a nil v gives
// an empty payload.
func (w *Writer) WriteJSON(t FrameType, opcode uint8, isError bool, v any) error {
	payload, err := MarshalPayload(v)
	if err != nil {
		return err
	}
	return w.WriteFrame(NewFrame(t, opcode, isError, payload))
}

// WriteError writes an error response {"msg": msg} for the command opcode.
func (w *Writer) WriteError(opcode uint8, msg string) error {
	return w.WriteJSON(TypeResponse, opcode, true, ErrorResponse{Message: msg})
}

// MarshalPayload encodes v as JSON; nil gives an empty payload, []byte and
// json.RawMessage pass verbatim.
func MarshalPayload(v any) ([]byte, error) {
	switch p := v.(type) {
	case nil:
		return nil, nil
	case []byte:
		return p, nil
	case json.RawMessage:
		return p, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, &PayloadError{Field: fmt.Sprintf("%T", v), Seen: err.Error(), Allowed: "JSON-encodable", Err: ErrPayload}
	}
	return b, nil
}
