package api

import "fmt"

// Frame is a header and its payload. A Frame returned by Reader.ReadFrame
// aliases the Reader's buffer until the next ReadFrame.
type Frame struct {
	// Header is the frame's header as read or to be written.
	Header FrameHeader
	// Payload is the frame's payload, Header.PayloadLength bytes.
	Payload []byte
}

// NewFrame builds a frame with the header every sender owes: Version 2,
// HeaderLength 3, zero reserved fields and the exact PayloadLength.
func NewFrame(t FrameType, opcode uint8, isError bool, payload []byte) Frame {
	return Frame{
		Header: FrameHeader{
			Version:       Version,
			HeaderLength:  MinHeaderLength,
			Type:          t,
			Opcode:        opcode,
			Error:         isError,
			PayloadLength: uint32(len(payload)),
		},
		Payload: payload,
	}
}

// AppendFrame appends the header and the payload bytes, the header exactly
// as given.
func AppendFrame(dst []byte, f Frame) []byte {
	return append(AppendHeader(dst, f.Header), f.Payload...)
}

// String shows the header and the payload's size (and text when short).
func (f Frame) String() string {
	if len(f.Payload) <= 128 {
		return fmt.Sprintf("%s payload %q", f.Header, f.Payload)
	}
	return fmt.Sprintf("%s payload of %d bytes", f.Header, len(f.Payload))
}
