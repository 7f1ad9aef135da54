package hostile

import (
	"context"
	"net"
	"time"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// AnnouncedLength is the length a HugeLength peer announces.
const AnnouncedLength = 0xFFFFFFFF

// GarbageBytes is what a Garbage peer sends: a cc-proxy header would read
// Version 0xdead and HeaderLength 0xbe; a gob reader sees a count of 0x7f
// followed by too few bytes.
func GarbageBytes() []byte {
	return []byte{0x7f, 0xde, 0xad, 0xbe, 0xef, 0x00, 0xff, 0x13, 0x37, 0xca, 0xfe, 0xba, 0xbe, 0x42}
}

// hugeProxyHeader is a well-formed cc-proxy header announcing a payload of
// 0xFFFFFFFF bytes.
func hugeProxyHeader(t api.FrameType, opcode uint8) []byte {
	h := api.NewFrame(t, opcode, t == api.TypeResponse, nil).Header
	h.PayloadLength = AnnouncedLength
	return h.Bytes()
}

// hugeGobCount is a gob message count of 0xFFFFFFFF: the negated byte
// count 4, then the value big-endian.
func hugeGobCount() []byte { return []byte{0xfc, 0xff, 0xff, 0xff, 0xff} }

// proxyErrorResponse is the error response a hostile proxy answers a
// command with.
func proxyErrorResponse(opcode uint8) []byte {
	payload, _ := api.MarshalPayload(api.ErrorResponse{Message: errorMessage})
	return api.AppendFrame(nil, api.NewFrame(api.TypeResponse, opcode, true, payload))
}

// errorMessage is what every answer of a hostile peer says.
const errorMessage = "hostile peer: nothing is served here"

// connectShimFrame is the ConnectShim command for token.
func connectShimFrame(token string) []byte {
	payload, _ := api.MarshalPayload(api.ConnectShim{Token: token})
	return api.AppendFrame(nil, api.NewFrame(api.TypeCommand, api.CmdConnectShim, false, payload))
}

// halfFrame is a frame's header and half its payload.
func halfFrame(frame []byte) []byte {
	return frame[:api.HeaderSize+(len(frame)-api.HeaderSize)/2]
}

// write writes b in one write within timeout.
func write(c net.Conn, b []byte, timeout time.Duration) error {
	if err := c.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
		return err
	}
	_, err := c.Write(b)
	return err
}

// trickle writes b one byte per interval, each byte one write (one
// sendmsg), until done, ctx ends or a write fails.
func trickle(ctx context.Context, c net.Conn, b []byte, interval, timeout time.Duration) error {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for i := range b {
		if i > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-tick.C:
			}
		}
		if err := write(c, b[i:i+1], timeout); err != nil {
			return err
		}
	}
	return nil
}

// drain reads and drops whatever the peer sends until it closes, a read
// fails (the connection is closed when ctx ends) or timeout passes without
// a byte.
func drain(c net.Conn, timeout time.Duration) {
	buf := make([]byte, 4096)
	for {
		if err := c.SetReadDeadline(time.Now().Add(timeout)); err != nil {
			return
		}
		if _, err := c.Read(buf); err != nil {
			return
		}
	}
}

// closeOnDone closes c once ctx ends, which ends any read or write on it;
// the returned stop undoes that, and closes c too.
func closeOnDone(ctx context.Context, c net.Conn) (stop func()) {
	cancel := context.AfterFunc(ctx, func() { _ = c.Close() })
	return func() {
		cancel()
		_ = c.Close()
	}
}
