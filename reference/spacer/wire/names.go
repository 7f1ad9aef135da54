package wire

import (
	"github.com/wirecert/wirecert/reference/spacer/api"
)

// gobInterfaceID is gob's predefined type id of an interface value: a
// message whose value is a Request or Response starts with it.
const gobInterfaceID = 8

// ToWire replaces, in b (whole gob messages as this process's encoder
// wrote them), the local gob names of package api by the protocol's wire
// names, in place: the names have the same length. It returns b.
func ToWire(b []byte) []byte {
	eachTypeName(b, func(name []byte) {
		if wire, ok := api.WireName(string(name)); ok {
			copy(name, wire)
		}
	})
	return b
}

// FromWire replaces, in b (bytes a peer sent), the protocol's wire names
// by this process's local names, in place, so that the local decoder
// finds package api's types. Bytes after the last whole gob message are
// left alone. A local name arriving from a peer is no protocol name: it
// is garbled into one nobody registers, so gob refuses it as it refuses
// any unknown name (and still learns the type definitions before it).
func FromWire(b []byte) {
	eachTypeName(b, func(name []byte) {
		if _, ok := api.WireName(string(name)); ok {
			name[len(name)-1] ^= 0x80
			return
		}
		if local, ok := api.LocalName(string(name)); ok {
			copy(name, local)
		}
	})
}

// eachTypeName calls f with the type name of every whole gob message of b
// that carries an interface value at top level: the message's count, the
// type id 8, the singleton field delta 0, the name's length and its bytes.
// Type definitions (negative ids) and other values carry no such name.
func eachTypeName(b []byte, f func(name []byte)) {
	for len(b) > 0 {
		count, size := gobUint(b)
		if size == 0 || count == 0 || count > uint64(len(b)-size) {
			return
		}
		msg := b[size : size+int(count)]
		b = b[size+int(count):]
		id, n := gobUint(msg)
		if n == 0 || id != gobInterfaceID<<1 { // gob ints: the sign in bit 0
			continue
		}
		msg = msg[n:]
		delta, n := gobUint(msg)
		if n == 0 || delta != 0 {
			continue
		}
		msg = msg[n:]
		length, n := gobUint(msg)
		if n == 0 || length > uint64(len(msg)-n) {
			continue
		}
		f(msg[n : n+int(length)])
	}
}
