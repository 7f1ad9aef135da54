package fakeproxy

import (
	"time"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// ExtraWordFill fills header words beyond the third in frames Encode
// builds: not zero, so a client that reads the payload at byte 12 instead
// of HeaderLength*4 shows it.
const ExtraWordFill = 0xa5

// Encode gives the wire bytes of f with its header exactly as given
// (PayloadLength included), extra header words when HeaderLength > 3, then
// the payload.
func Encode(f api.Frame) []byte {
	b := api.AppendHeader(nil, f.Header)
	for i := api.HeaderSize; i < int(f.Header.HeaderLength)*4; i++ {
		b = append(b, ExtraWordFill)
	}
	return append(b, f.Payload...)
}

// Stdout is a stdout stream frame carrying data.
func Stdout(data []byte) api.Frame {
	return api.NewFrame(api.TypeStream, api.StreamStdout, false, data)
}

// Stderr is a stderr stream frame carrying data.
func Stderr(data []byte) api.Frame {
	return api.NewFrame(api.TypeStream, api.StreamStderr, false, data)
}

// ProcessExited is the ProcessExited notification: one raw byte, the exit
// code.
func ProcessExited(code uint8) api.Frame {
	return api.NewFrame(api.TypeNotification, api.NotificationProcessExited, false, []byte{code})
}

// Send writes b to the client in one write.
func (p *Proxy) Send(b []byte) error { return p.SendSplit(b, 0) }

// SendSplit writes b in pieces ending at offsets (ascending, inside b),
// pausing gap between the writes.
func (p *Proxy) SendSplit(b []byte, gap time.Duration, offsets ...int) error {
	peer, err := p.connectedPeer()
	if err != nil {
		return err
	}
	p.wmu.Lock()
	defer p.wmu.Unlock()
	return sendPieces(peer, b, offsets, false, gap)
}

// SendBytewise writes b a byte at a time, pausing gap between the writes.
func (p *Proxy) SendBytewise(b []byte, gap time.Duration) error {
	peer, err := p.connectedPeer()
	if err != nil {
		return err
	}
	p.wmu.Lock()
	defer p.wmu.Unlock()
	return sendPieces(peer, b, nil, true, gap)
}

// SendFrames writes each frame (Encode) in a write of its own.
func (p *Proxy) SendFrames(fs ...api.Frame) error {
	peer, err := p.connectedPeer()
	if err != nil {
		return err
	}
	p.wmu.Lock()
	defer p.wmu.Unlock()
	for _, f := range fs {
		if err := peer.Send(Encode(f)); err != nil {
			return err
		}
	}
	return nil
}

// SendStdout sends data as one stdout stream frame.
func (p *Proxy) SendStdout(data []byte) error { return p.SendFrames(Stdout(data)) }

// SendStderr sends data as one stderr stream frame.
func (p *Proxy) SendStderr(data []byte) error { return p.SendFrames(Stderr(data)) }

// SendProcessExited sends the ProcessExited notification with code.
func (p *Proxy) SendProcessExited(code uint8) error { return p.SendFrames(ProcessExited(code)) }
