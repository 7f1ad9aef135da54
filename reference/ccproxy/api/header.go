package api

import (
	"encoding/binary"
	"fmt"
)

// Version is the only protocol version this package speaks.
const Version = 2

// HeaderSize is the size of the header in bytes that every frame carries;
// MinHeaderLength is the same in 32-bit words, the smallest valid
// HeaderLength.
const (
	HeaderSize      = 12
	MinHeaderLength = HeaderSize / 4
)

// Byte 6 of the header: the low nibble is the frame type, bit 0x10 the E flag,
// the high three bits are reserved.
const (
	typeMask     = 0x0f
	errorFlag    = 0x10
	reservedBits = 0xe0
)

// FrameHeader is a decoded frame header. Reserved fields are kept so a
// harness can tell whether a peer zeroed them.
type FrameHeader struct {
	Version       uint16    // bytes 0 and 1
	HeaderLength  uint8     // in 32-bit words
	Reserved3     uint8     // byte 3
	Reserved45    uint16    // bytes 4 and 5
	ReservedBits  uint8     // the high three bits of byte 6, shifted down
	Error         bool      // the E flag
	Type          FrameType // the low nibble of byte 6
	Opcode        uint8     // byte 7, meaning by Type (see OpcodeName)
	PayloadLength uint32    // bytes 8 to 11, the payload's size in bytes
}

// ParseHeader decodes the 12 header bytes without judging them.
func ParseHeader(b []byte) FrameHeader {
	_ = b[HeaderSize-1]
	return FrameHeader{
		Version:       binary.BigEndian.Uint16(b[0:2]),
		HeaderLength:  b[2],
		Reserved3:     b[3],
		Reserved45:    binary.BigEndian.Uint16(b[4:6]),
		ReservedBits:  (b[6] & reservedBits) >> 5,
		Error:         b[6]&errorFlag != 0,
		Type:          FrameType(b[6] & typeMask),
		Opcode:        b[7],
		PayloadLength: binary.BigEndian.Uint32(b[8:12]),
	}
}

// AppendHeader appends the 12 header bytes of h exactly as given, reserved
// fields included, so fakes can build hostile headers too.
func AppendHeader(dst []byte, h FrameHeader) []byte {
	var b [HeaderSize]byte
	binary.BigEndian.PutUint16(b[0:2], h.Version)
	b[2] = h.HeaderLength
	b[3] = h.Reserved3
	binary.BigEndian.PutUint16(b[4:6], h.Reserved45)
	b[6] = (h.ReservedBits<<5)&reservedBits | byte(h.Type)&typeMask
	if h.Error {
		b[6] |= errorFlag
	}
	b[7] = h.Opcode
	binary.BigEndian.PutUint32(b[8:12], h.PayloadLength)
	return append(dst, b[:]...)
}

// Bytes returns the 12 header bytes of h.
func (h FrameHeader) Bytes() []byte { return AppendHeader(make([]byte, 0, HeaderSize), h) }

// String shows every field, for failure messages.
func (h FrameHeader) String() string {
	return fmt.Sprintf("{Version:%d HeaderLength:%d Reserved3:%#x Reserved45:%#x ReservedBits:%#x E:%t Type:%s Opcode:%s PayloadLength:%d}",
		h.Version, h.HeaderLength, h.Reserved3, h.Reserved45, h.ReservedBits, h.Error, h.Type, OpcodeName(h.Type, h.Opcode), h.PayloadLength)
}

// Validate judges a header the way a receiver must: Version 2, HeaderLength
// at least 3, a known type, an opcode in that type's range and E only on
// responses. Reserved fields are not judged here: receivers must ignore them
// (see CheckReserved for what a sender owes).
func (h FrameHeader) Validate() error {
	switch {
	case h.Version != Version:
		return headerError(h, "Version", uint64(h.Version), "2", ErrVersion)
	case h.HeaderLength < MinHeaderLength:
		return headerError(h, "HeaderLength", uint64(h.HeaderLength), ">= 3 (32-bit words)", ErrHeaderLength)
	case h.Type > TypeNotification:
		return headerError(h, "Type", uint64(h.Type), "0..3 (command, response, stream, notification)", ErrType)
	case h.Opcode > maxOpcode[h.Type]:
		return headerError(h, "Opcode", uint64(h.Opcode), fmt.Sprintf("0..%d for %s", maxOpcode[h.Type], h.Type), ErrOpcode)
	case h.Error && h.Type != TypeResponse:
		return headerError(h, "E", 1, "0 on a "+h.Type.String()+" (E only on responses)", ErrErrorFlag)
	}
	return nil
}

// CheckReserved reports reserved header fields that a sender left non-zero.
func (h FrameHeader) CheckReserved() error {
	switch {
	case h.Reserved3 != 0:
		return headerError(h, "Reserved (byte 3)", uint64(h.Reserved3), "0", ErrReserved)
	case h.Reserved45 != 0:
		return headerError(h, "Reserved (bytes 4-5)", uint64(h.Reserved45), "0", ErrReserved)
	case h.ReservedBits != 0:
		return headerError(h, "Reserved (bits 0xE0 of byte 6)", uint64(h.ReservedBits)<<5, "0", ErrReserved)
	}
	return nil
}

// CheckEmitted judges a header a peer sent against what every sender owes:
// a valid header (Validate), HeaderLength exactly 3 and zeroed reserved
// fields.
func (h FrameHeader) CheckEmitted() error {
	if err := h.Validate(); err != nil {
		return err
	}
	if h.HeaderLength != MinHeaderLength {
		return headerError(h, "HeaderLength", uint64(h.HeaderLength), "3 (what this protocol version emits)", ErrHeaderLength)
	}
	return h.CheckReserved()
}
