package hyperstart

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Ctl channel sizes.
const (
	CtlHeaderSize    = 8     // code u32 + length u32
	CtlMaxFrame      = 10240 // whole frame, header included
	CtlMaxPayload    = CtlMaxFrame - CtlHeaderSize
	ctlAllowedLength = "8..10240"
)

// CtlFrame is one frame of the ctl channel: a command from the proxy, or
// READY, ACK or ERROR from the agent.
type CtlFrame struct {
	// Code is the command or reply code.
	Code Code
	// Payload is the JSON payload, empty for most replies.
	Payload []byte
}

// Bytes returns the wire form of f, without checking its size.
func (f CtlFrame) Bytes() []byte {
	b := make([]byte, CtlHeaderSize+len(f.Payload))
	binary.BigEndian.PutUint32(b[0:4], uint32(f.Code))
	binary.BigEndian.PutUint32(b[4:8], uint32(CtlHeaderSize+len(f.Payload)))
	copy(b[CtlHeaderSize:], f.Payload)
	return b
}

// ReadCtlFrame reads one ctl frame from r, which may deliver it in any
// fragments. It returns io.EOF only when r ends cleanly between frames. A
// length field out of range gives a *LengthError wrapping ErrFrameLength, read
// before any payload is allocated; a stream ending inside the frame gives an
// error wrapping ErrTruncated and io.ErrUnexpectedEOF. Deadlines are the
// caller's: set one on the connection.
func ReadCtlFrame(r io.Reader) (CtlFrame, error) {
	var head [CtlHeaderSize]byte
	if n, err := io.ReadFull(r, head[:]); err != nil {
		if n == 0 && errors.Is(err, io.EOF) {
			return CtlFrame{}, io.EOF
		}
		return CtlFrame{}, truncated("ctl", "header", n, CtlHeaderSize, err)
	}
	code := Code(binary.BigEndian.Uint32(head[0:4]))
	length := binary.BigEndian.Uint32(head[4:8])
	if length < CtlHeaderSize || length > CtlMaxFrame {
		return CtlFrame{}, &LengthError{Channel: "ctl", Field: "length", Seen: uint64(length),
			Allowed: ctlAllowedLength, Err: ErrFrameLength}
	}
	payload := make([]byte, length-CtlHeaderSize)
	if n, err := io.ReadFull(r, payload); err != nil {
		return CtlFrame{}, truncated("ctl", fmt.Sprintf("%s payload", code), n, len(payload), err)
	}
	return CtlFrame{Code: code, Payload: payload}, nil
}

// WriteCtlFrame writes f to w with a single Write. A payload above
// CtlMaxPayload gives a *LengthError wrapping ErrFrameTooLarge and nothing is
// written.
func WriteCtlFrame(w io.Writer, f CtlFrame) error {
	if len(f.Payload) > CtlMaxPayload {
		return &LengthError{Channel: "ctl", Field: "payload length", Seen: uint64(len(f.Payload)),
			Allowed: fmt.Sprintf("0..%d", CtlMaxPayload), Err: ErrFrameTooLarge}
	}
	return writeAll(w, "ctl", f.Bytes())
}

// writeAll writes b with one Write and turns a short write into an error.
func writeAll(w io.Writer, channel string, b []byte) error {
	n, err := w.Write(b)
	if err != nil {
		return fmt.Errorf("hyperstart %s frame: write: %w", channel, err)
	}
	if n != len(b) {
		return fmt.Errorf("hyperstart %s frame: wrote %d of %d bytes: %w", channel, n, len(b), io.ErrShortWrite)
	}
	return nil
}
