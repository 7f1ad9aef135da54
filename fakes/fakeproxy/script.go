package fakeproxy

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/wirecert/wirecert/fakes/framepeer"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// Response says how the fake answers one command. The zero Response is an
// empty success with the command's opcode, in one write.
type Response struct {
	// Before are frames sent ahead of the response, one write each (built
	// with Stdout, Stderr, ProcessExited or by hand).
	Before []api.Frame
	// Silent sends no response at all (Before and After still go out).
	Silent bool
	// Error sets the E flag; Failure builds the {"msg": ...} payload.
	Error bool
	// Payload is the response's payload, verbatim.
	Payload []byte
	// Opcode, when set, replaces the command's opcode in the response.
	Opcode *uint8
	// HeaderLength, when above 3, adds extra header words (filled with
	// ExtraWordFill) before the payload.
	HeaderLength uint8
	// Raw, when set, is sent instead of a response built from the fields
	// above: garbage headers, PayloadLength 0xFFFFFFFF, anything.
	Raw []byte
	// Split writes the response in pieces ending at these offsets
	// (ascending, inside the response).
	Split []int
	// Bytewise writes the response a byte at a time.
	Bytewise bool
	// Gap pauses between the writes so a reader sees each piece alone.
	Gap time.Duration
	// After are frames sent right after the response, one write each.
	After []api.Frame
}

// Success is an empty success response.
func Success() Response { return Response{} }

// Failure is an error response: E set, payload {"msg": msg}.
func Failure(msg string) Response {
	b, _ := json.Marshal(api.ErrorResponse{Message: msg}) // a string always encodes
	return Response{Error: true, Payload: b}
}

// NoResponse sends nothing back.
func NoResponse() Response { return Response{Silent: true} }

// OnCommand queues responses for the next commands with opcode, used in
// order; once they are used up, a command gets the default: an empty
// success, or no response for DisconnectShim (the proxy closes instead).
// Script before the client connects to answer its first command.
func (p *Proxy) OnCommand(opcode uint8, rs ...Response) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.script[opcode] = append(p.script[opcode], rs...)
}

// next pops the scripted response for opcode, or gives the default.
func (p *Proxy) next(opcode uint8) Response {
	p.mu.Lock()
	defer p.mu.Unlock()
	if q := p.script[opcode]; len(q) > 0 {
		p.script[opcode] = q[1:]
		return q[0]
	}
	if opcode == api.CmdDisconnectShim {
		return NoResponse()
	}
	return Success()
}

// answer sends the scripted response to cmd; a failed send is kept for
// SendErrors, as the client may well have gone.
func (p *Proxy) answer(peer *framepeer.Peer, cmd api.Frame) {
	r := p.next(cmd.Header.Opcode)
	if err := p.sendResponse(peer, cmd.Header.Opcode, r); err != nil {
		p.mu.Lock()
		p.sendErrs = append(p.sendErrs, fmt.Errorf("answering %s: %w", cmd.Header, err))
		p.mu.Unlock()
	}
}

func (p *Proxy) sendResponse(peer *framepeer.Peer, opcode uint8, r Response) error {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	for _, f := range r.Before {
		if err := peer.Send(Encode(f)); err != nil {
			return err
		}
	}
	if !r.Silent {
		b, err := r.bytes(opcode)
		if err != nil {
			return err
		}
		if err := sendPieces(peer, b, r.Split, r.Bytewise, r.Gap); err != nil {
			return err
		}
	}
	for _, f := range r.After {
		if err := peer.Send(Encode(f)); err != nil {
			return err
		}
	}
	return nil
}

// bytes builds the response to a command with opcode.
func (r Response) bytes(opcode uint8) ([]byte, error) {
	if r.Raw != nil {
		return r.Raw, nil
	}
	if r.Opcode != nil {
		opcode = *r.Opcode
	}
	f := api.NewFrame(api.TypeResponse, opcode, r.Error, r.Payload)
	if r.HeaderLength != 0 {
		if r.HeaderLength < api.MinHeaderLength {
			return nil, fmt.Errorf("fakeproxy: %w: Response.HeaderLength is %d, allowed 0 (3) or 3..255; use Raw for shorter ones",
				ErrBadArgument, r.HeaderLength)
		}
		f.Header.HeaderLength = r.HeaderLength
	}
	return Encode(f), nil
}

// sendPieces writes b split at offsets, or a byte at a time, pausing gap
// between writes.
func sendPieces(peer *framepeer.Peer, b []byte, offsets []int, bytewise bool, gap time.Duration) error {
	if bytewise {
		return peer.SendBytewise(b, gap)
	}
	chunks, err := chunkSizes(offsets, len(b))
	if err != nil {
		return err
	}
	return peer.SendPaced(b, gap, chunks...)
}

// chunkSizes turns split offsets into the chunk sizes framepeer writes.
func chunkSizes(offsets []int, n int) ([]int, error) {
	chunks := make([]int, 0, len(offsets))
	prev := 0
	for _, off := range offsets {
		if off <= prev || off >= n {
			return nil, fmt.Errorf("fakeproxy: %w: split offset %d after %d in %d bytes, allowed ascending offsets in 1..%d",
				ErrBadArgument, off, prev, n, n-1)
		}
		chunks = append(chunks, off-prev)
		prev = off
	}
	return chunks, nil
}
