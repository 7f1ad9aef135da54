package ccproxy_test

import (
	"encoding/json"
	"net"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// wireConn drives the server with raw frames, so server specs do not depend
// on our own Client.
type wireConn struct {
	net.Conn
	r *api.Reader
	w *api.Writer
}

func dialWire(path string) *wireConn {
	GinkgoHelper()
	c := Successful(net.DialTimeout("unix", path, 5*time.Second))
	DeferCleanup(func() { _ = c.Close() })
	return &wireConn{Conn: c, r: api.NewReader(c, api.WithStrictReserved()), w: api.NewWriter(c)}
}

func (c *wireConn) next() api.Frame {
	GinkgoHelper()
	Expect(c.SetReadDeadline(time.Now().Add(10 * time.Second))).To(Succeed())
	f := Successful(c.r.ReadFrame())
	Expect(f.Header.CheckEmitted()).To(Succeed())
	f.Payload = append([]byte(nil), f.Payload...)
	return f
}

// call sends a command and returns its response, checking the opcode.
func (c *wireConn) call(op uint8, payload any) api.Frame {
	GinkgoHelper()
	Expect(c.w.WriteJSON(api.TypeCommand, op, false, payload)).To(Succeed())
	f := c.next()
	Expect(f.Header.Type).To(Equal(api.TypeResponse), "frame %s", f)
	Expect(f.Header.Opcode).To(Equal(op), "frame %s", f)
	return f
}

// ok sends a command that must succeed and decodes its payload into out.
func (c *wireConn) ok(op uint8, payload any, out any) {
	GinkgoHelper()
	f := c.call(op, payload)
	Expect(f.Header.Error).To(BeFalse(), "error response %s", f.Payload)
	if out != nil {
		Expect(json.Unmarshal(f.Payload, out)).To(Succeed())
	}
}

// fails sends a command that must fail and returns the error message.
func (c *wireConn) fails(op uint8, payload any) string {
	GinkgoHelper()
	f := c.call(op, payload)
	Expect(f.Header.Error).To(BeTrue(), "success response %s", f.Payload)
	var e api.ErrorResponse
	Expect(json.Unmarshal(f.Payload, &e)).To(Succeed())
	Expect(e.Message).NotTo(BeEmpty())
	return e.Message
}

// closed expects the server to close the connection.
func (c *wireConn) closed() {
	GinkgoHelper()
	Expect(c.SetReadDeadline(time.Now().Add(10 * time.Second))).To(Succeed())
	var b [1]byte
	_, err := c.Read(b[:])
	Expect(err).To(HaveOccurred())
	Expect(err).NotTo(MatchError(ContainSubstring("timeout")))
}
