package hyperstart

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Io channel sizes.
const (
	IOHeaderSize    = 12    // seq u64 + length u32
	IOMaxFrame      = 10240 // whole frame, header included
	IOMaxData       = IOMaxFrame - IOHeaderSize
	ioAllowedLength = "12..10240"
)

// IOFrame is one frame of the io channel: data for (or from) the process
// stream with sequence number Seq. Empty Data means end of input towards the
// agent; from the agent, an empty frame followed by a 1-byte frame on a
// process's stdio seq reports its exit code.
type IOFrame struct {
	// Seq is the stream's sequence number.
	Seq uint64
	// Data is the stream's bytes.
	Data []byte
}

// Bytes returns the wire form of f, without checking its size.
func (f IOFrame) Bytes() []byte {
	b := make([]byte, IOHeaderSize+len(f.Data))
	binary.BigEndian.PutUint64(b[0:8], f.Seq)
	binary.BigEndian.PutUint32(b[8:12], uint32(IOHeaderSize+len(f.Data)))
	copy(b[IOHeaderSize:], f.Data)
	return b
}

// ReadIOFrame reads one io frame from r, which may deliver it in any
// fragments. Errors as for ReadCtlFrame, with Channel "io".
func ReadIOFrame(r io.Reader) (IOFrame, error) {
	var head [IOHeaderSize]byte
	if n, err := io.ReadFull(r, head[:]); err != nil {
		if n == 0 && errors.Is(err, io.EOF) {
			return IOFrame{}, io.EOF
		}
		return IOFrame{}, truncated("io", "header", n, IOHeaderSize, err)
	}
	seq := binary.BigEndian.Uint64(head[0:8])
	length := binary.BigEndian.Uint32(head[8:12])
	if length < IOHeaderSize || length > IOMaxFrame {
		return IOFrame{}, &LengthError{Channel: "io", Field: "length", Seen: uint64(length),
			Allowed: ioAllowedLength, Err: ErrFrameLength}
	}
	data := make([]byte, length-IOHeaderSize)
	if n, err := io.ReadFull(r, data); err != nil {
		return IOFrame{}, truncated("io", fmt.Sprintf("seq %d data", seq), n, len(data), err)
	}
	return IOFrame{Seq: seq, Data: data}, nil
}

// WriteIOFrame writes f to w with a single Write. Data above IOMaxData gives
// a *LengthError wrapping ErrFrameTooLarge and nothing is written: the caller
// decides whether to split.
func WriteIOFrame(w io.Writer, f IOFrame) error {
	if len(f.Data) > IOMaxData {
		return &LengthError{Channel: "io", Field: "data length", Seen: uint64(len(f.Data)),
			Allowed: fmt.Sprintf("0..%d", IOMaxData), Err: ErrFrameTooLarge}
	}
	return writeAll(w, "io", f.Bytes())
}
