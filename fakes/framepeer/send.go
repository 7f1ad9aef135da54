package framepeer

import (
	"fmt"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

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
	if gap < 0 {
		return fmt.Errorf("framepeer: %w: gap is %v, allowed >= 0", ErrBadArgument, gap)
	}
	return p.sendChunks(b, chunks, func(int) error {
		if gap > 0 {
			time.Sleep(gap)
		}
		return nil
	})
}

// sendChunks writes b in chunks (validated by the caller's entry point:
// sizes > 0), calling between before every write but the first.
func (p *Peer) sendChunks(b []byte, chunks []int, between func(write int) error) error {
	for i, c := range chunks {
		if c <= 0 {
			return fmt.Errorf("framepeer: %w: chunk %d has size %d, allowed > 0", ErrBadArgument, i, c)
		}
	}
	// An empty b means no write: a zero-length write sends nothing on a
	// stream socket anyway.
	for i, off := 0, 0; off < len(b); i++ {
		end := len(b)
		if i < len(chunks) {
			end = min(off+chunks[i], len(b))
		}
		if i > 0 {
			if err := between(i); err != nil {
				return err
			}
		}
		if _, err := p.write(b[off:end]); err != nil {
			return fmt.Errorf("%w (write %d, bytes %d..%d of %d)", err, i, off, end, len(b))
		}
		off = end
	}
	return nil
}

// SendEachRead is Send that, before each write after the first, waits until
// the peer has read every byte written so far (SIOCOUTQ, the bytes the peer
// has not consumed, is 0), bounded by timeout. A reader therefore sees each
// chunk on its own, in every run: a proxy that reads a header with one
// read() gets part of it, not the whole by luck. A peer that reads nothing
// within timeout gives an error wrapping ErrNotRead.
func (p *Peer) SendEachRead(b []byte, timeout time.Duration, chunks ...int) error {
	if timeout <= 0 {
		return fmt.Errorf("framepeer: %w: timeout is %v, allowed > 0", ErrBadArgument, timeout)
	}
	return p.sendChunks(b, chunks, func(i int) error {
		if err := p.AwaitRead(timeout); err != nil {
			return fmt.Errorf("%w (before write %d)", err, i)
		}
		return nil
	})
}

// AwaitRead waits until the peer has consumed every byte written so far,
// or closed its end, polling the socket's output queue: the kernel frees a
// unix stream skb, and SIOCOUTQ drops, once the receiver has read all of
// it. A peer that reads nothing within timeout gives an error wrapping
// ErrNotRead.
func (p *Peer) AwaitRead(timeout time.Duration) error {
	sc, ok := p.conn.(syscall.Conn)
	if !ok {
		return fmt.Errorf("framepeer: %w: %T has no file descriptor to ask SIOCOUTQ", ErrBadArgument, p.conn)
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return fmt.Errorf("framepeer: SIOCOUTQ: %w", err)
	}
	deadline := time.Now().Add(timeout)
	for pause := 50 * time.Microsecond; ; pause = min(2*pause, 5*time.Millisecond) {
		var queued int
		var qerr error
		if err := raw.Control(func(fd uintptr) { queued, qerr = unix.IoctlGetInt(int(fd), unix.SIOCOUTQ) }); err != nil {
			return fmt.Errorf("framepeer: SIOCOUTQ: %w", err)
		}
		if qerr != nil {
			return fmt.Errorf("framepeer: SIOCOUTQ: %w", qerr)
		}
		if queued == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("framepeer: %w: %d bytes still unread after %v", ErrNotRead, queued, timeout)
		}
		time.Sleep(pause)
	}
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
