package variantproxy

import (
	"time"

	"github.com/wirecert/wirecert/fakes/faultyproxy"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// pieceGap is the pause between the parts of a frame (FragmentWrites):
// long enough that a client's read returns before the next part comes.
const pieceGap = time.Millisecond

// deliver writes frames to the client, each in parts when FragmentWrites
// is allowed, with no other write in between; false if the write failed.
func (b *behaviour) deliver(l *faultyproxy.Link, frames ...api.Frame) bool {
	return l.ToClientInPieces(pieceGap, framePieces(frames, b.allowed[FragmentWrites])...) == nil
}

// framePieces is the bytes of frames (their PayloadLength set), each frame
// in up to four parts when fragment is set: the header's first 5 bytes,
// its other 7, the payload's first half, its second half.
func framePieces(frames []api.Frame, fragment bool) [][]byte {
	var pieces [][]byte
	for _, f := range frames {
		f.Header.PayloadLength = uint32(len(f.Payload))
		raw := api.AppendFrame(nil, f)
		if !fragment {
			pieces = append(pieces, raw)
			continue
		}
		head, payload := raw[:api.HeaderSize], raw[api.HeaderSize:]
		pieces = append(pieces, head[:5], head[5:])
		switch half := len(payload) / 2; {
		case half > 0:
			pieces = append(pieces, payload[:half], payload[half:])
		case len(payload) > 0:
			pieces = append(pieces, payload)
		}
	}
	return pieces
}

// rechunkOutput splits a stdout or stderr frame of two bytes or more in
// two (RechunkStreams): the client sees the same bytes in more frames.
func (b *behaviour) rechunkOutput(f api.Frame) []api.Frame {
	isOutput := f.Header.Type == api.TypeStream && (f.Header.Opcode == api.StreamStdout || f.Header.Opcode == api.StreamStderr)
	if !b.allowed[RechunkStreams] || !isOutput || len(f.Payload) < 2 {
		return []api.Frame{f}
	}
	half := len(f.Payload) / 2
	first, second := f, f
	first.Payload, second.Payload = f.Payload[:half], f.Payload[half:]
	return []api.Frame{first, second}
}

// response rewrites a response as the allowances say: an error's message
// in the variant's words (ErrorText), no-token answers with [] (EmptyTokens),
// the JSON laid out otherwise (JSONLayout). A Hyper success is the agent's
// ACK payload and stays verbatim.
func (b *behaviour) response(f api.Frame) api.Frame {
	switch {
	case f.Header.Error:
		if b.allowed[ErrorText] {
			return b.errorFrame(f.Header.Opcode, api.OpcodeName(api.TypeCommand, f.Header.Opcode)+" refused by the variant proxy")
		}
		if b.allowed[JSONLayout] {
			f.Payload = relaid(f.Payload, b.layout())
		}
	case isResponse(f, api.CmdRegisterVM) || isResponse(f, api.CmdAttachVM):
		f.Payload = b.ioResponse(f.Payload)
	}
	return f
}

// layout is how the variant writes a cc-proxy JSON payload.
func (b *behaviour) layout() jsonStyle {
	if b.allowed[JSONLayout] {
		return jsonStyle{reverseKeys: true, spaced: true}
	}
	return jsonStyle{}
}

// errorFrame is an error response to op with msg.
func (b *behaviour) errorFrame(op uint8, msg string) api.Frame {
	payload, _ := b.layout().encode(map[string]any{"msg": msg})
	return api.NewFrame(api.TypeResponse, op, true, payload)
}

// ioResponse rewrites a RegisterVM or AttachVM success payload; one it
// cannot read passes untouched.
func (b *behaviour) ioResponse(payload []byte) []byte {
	if !b.allowed[EmptyTokens] && !b.allowed[JSONLayout] {
		return payload
	}
	v, err := decodeOne(payload)
	if err != nil {
		return payload
	}
	if top, ok := v.(map[string]any); ok && b.allowed[EmptyTokens] {
		if io, ok := top["io"].(map[string]any); ok {
			if tokens, has := io["tokens"]; !has || tokens == nil {
				io["tokens"] = []any{}
			}
		}
	}
	out, err := b.layout().encode(v)
	if err != nil {
		return payload
	}
	return out
}

// relaid is payload re-encoded in style, or payload when it is no JSON.
func relaid(payload []byte, style jsonStyle) []byte {
	out, err := reencode(payload, style)
	if err != nil {
		return payload
	}
	return out
}
