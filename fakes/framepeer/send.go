package framepeer

import (
	"fmt"
	"time"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// Send writes b in writes of the given chunk sizes, in order, and whatever
// remains in one last write; no chunks means one write of all of b. Chunk
// sizes must be > 0; one reaching past the end of b ends the sending there.
// Back-to-back writes may still reach a slow reader together; SendPaced puts
// time between them.
func (p *Peer) Send(b []byte, chunks ...int) error {
	return p.SendPaced(b, 0, chunks...)
}

// SendPaced is Send with a pause of gap between writes, so that a reader
// waiting in read() sees each chunk on its own.
func (p *Peer) SendPaced(b []byte, gap time.Duration, chunks ...int) error {
	for i, c := range chunks {
		if c <= 0 {
			return fmt.Errorf("framepeer: %w: chunk %d has size %d, allowed > 0", ErrBadArgument, i, c)
		}
	}
	if gap < 0 {
		return fmt.Errorf("framepeer: %w: gap is %v, allowed >= 0", ErrBadArgument, gap)
	}
	// An empty b means no write: a zero-length write sends nothing on a
	// stream socket anyway.
	for i, off := 0, 0; off < len(b); i++ {
		end := len(b)
		if i < len(chunks) {
			end = min(off+chunks[i], len(b))
		}
		if i > 0 && gap > 0 {
			time.Sleep(gap)
		}
		if _, err := p.write(b[off:end]); err != nil {
			return fmt.Errorf("%w (write %d, bytes %d..%d of %d)", err, i, off, end, len(b))
		}
		off = end
	}
	return nil
}

// SendBytewise writes b one byte per write, pausing gap between writes (0:
// no pause): the worst fragmentation a stream socket can deliver.
func (p *Peer) SendBytewise(b []byte, gap time.Duration) error {
	if gap < 0 {
		return fmt.Errorf("framepeer: %w: gap is %v, allowed >= 0", ErrBadArgument, gap)
	}
	for i := range b {
		if i > 0 && gap > 0 {
			time.Sleep(gap)
		}
		if _, err := p.write(b[i : i+1]); err != nil {
			return fmt.Errorf("%w (byte %d of %d)", err, i, len(b))
		}
	}
	return nil
}

// SendFrame writes f in one write through api.Writer: Version 2,
// HeaderLength 3, zero reserved fields and the exact PayloadLength, whatever
// f.Header says about those. It refuses a type, opcode or E flag the
// protocol does not allow; SendRaw sends those.
func (p *Peer) SendFrame(f api.Frame) error {
	if err := p.writer.WriteFrame(f); err != nil {
		return fmt.Errorf("framepeer: send %s: %w", f.Header, err)
	}
	return nil
}

// SendRaw writes header exactly as given, reserved fields, HeaderLength and
// PayloadLength included, followed by payload, in one write. Nothing makes
// PayloadLength agree with len(payload): that is the point.
func (p *Peer) SendRaw(header api.FrameHeader, payload []byte) error {
	b := append(api.AppendHeader(make([]byte, 0, api.HeaderSize+len(payload)), header), payload...)
	if _, err := p.write(b); err != nil {
		return fmt.Errorf("framepeer: send raw header [% x]: %w", b[:api.HeaderSize], err)
	}
	return nil
}
