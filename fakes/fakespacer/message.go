package fakespacer

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/fakes/wiretap"
)

// MaxMessageSize is the largest message one sendmsg may carry.
const MaxMessageSize = 8192

// ScmMaxFd is the kernel's limit of fds in one SCM_RIGHTS message.
const ScmMaxFd = 253

// Errors of the message layer, wrapped with what was seen.
var (
	// ErrNotGobFramed: what one recvmsg brought is not whole gob messages.
	ErrNotGobFramed = errors.New("not whole gob messages")
	// ErrControlTruncated: the kernel set MSG_CTRUNC.
	ErrControlTruncated = errors.New("ancillary data truncated")
)

// sendmsg sends b with fds as SCM_RIGHTS in one sendmsg, within timeout,
// and records it on tap.
func sendmsg(uc *net.UnixConn, tap *wiretap.Channel, timeout time.Duration, b []byte, fds []int) error {
	var oob []byte
	if len(fds) > 0 {
		oob = unix.UnixRights(fds...)
	}
	if err := uc.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
		return err
	}
	var begun time.Time
	if tap != nil {
		begun = time.Now()
	}
	n, _, err := uc.WriteMsgUnix(b, oob, nil)
	if n > 0 || (err == nil && len(fds) > 0) {
		tap.SentAt(begun, b[:n], fds)
	}
	if err != nil {
		return err
	}
	if n != len(b) {
		return fmt.Errorf("short write: bytes sent is %d, allowed %d", n, len(b))
	}
	return nil
}

// arrival is what one recvmsg brought.
type arrival struct {
	data  []byte
	fds   []int
	flags int
}

// recvmsg receives one message within timeout into buf, with ancillary
// room oob, and records it on tap. The fds are the caller's, also on
// error; io.EOF on a closed connection.
func recvmsg(uc *net.UnixConn, tap *wiretap.Channel, timeout time.Duration, buf, oob []byte) (arrival, error) {
	if err := uc.SetReadDeadline(time.Now().Add(timeout)); err != nil {
		return arrival{}, err
	}
	n, oobn, flags, _, err := uc.ReadMsgUnix(buf, oob)
	a := arrival{data: buf[:max(n, 0)], fds: parseRights(oob[:oobn]), flags: flags}
	if len(a.data) > 0 || len(a.fds) > 0 {
		tap.Received(a.data, a.fds)
	}
	if err != nil {
		tap.ReadClosed(err)
		return a, err
	}
	if n == 0 && len(a.fds) == 0 {
		tap.ReadClosed(io.EOF)
		return a, io.EOF
	}
	return a, nil
}

func parseRights(oob []byte) []int {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil
	}
	var fds []int
	for i := range msgs {
		if rights, err := unix.ParseUnixRights(&msgs[i]); err == nil {
			fds = append(fds, rights...)
		}
	}
	return fds
}

func closeFds(fds []int) {
	for _, fd := range fds {
		_ = unix.Close(fd)
	}
}

// oobRoom returns an ancillary buffer with room for n fds.
func oobRoom(n int) []byte { return make([]byte, unix.CmsgSpace(n*4)) }

// gobPrefix returns how many bytes at the start of b are whole gob
// messages, each a non-zero unsigned count followed by that many bytes.
func gobPrefix(b []byte) int {
	whole := 0
	for whole < len(b) {
		count, size := gobCount(b[whole:])
		if size == 0 || count == 0 || count > uint64(len(b)-whole-size) {
			break
		}
		whole += size + int(count)
	}
	return whole
}

// gobCount decodes a gob unsigned integer: one byte below 0x80, or a byte
// holding the negated length of the big-endian value that follows. It
// returns the bytes used, 0 if b is too short or the length above 8.
func gobCount(b []byte) (uint64, int) {
	if len(b) == 0 {
		return 0, 0
	}
	if b[0] < 0x80 {
		return uint64(b[0]), 1
	}
	n := 256 - int(b[0])
	if n > 8 || len(b) < 1+n {
		return 0, 0
	}
	var v uint64
	for _, c := range b[1 : 1+n] {
		v = v<<8 | uint64(c)
	}
	return v, 1 + n
}

// awaitPeerRead waits, up to timeout, until the peer has read everything
// sent on uc: for a unix socket, SIOCOUTQ counts the bytes sent that the
// peer has not read yet (a peer that closes drops them, which counts too).
func awaitPeerRead(uc *net.UnixConn, timeout time.Duration) error {
	raw, err := uc.SyscallConn()
	if err != nil {
		return err
	}
	deadline := time.Now().Add(timeout)
	for {
		var unread int
		var ioctlErr error
		if err := raw.Control(func(fd uintptr) { unread, ioctlErr = unix.IoctlGetInt(int(fd), unix.SIOCOUTQ) }); err != nil {
			return err
		}
		if ioctlErr != nil {
			return fmt.Errorf("ioctl(SIOCOUTQ): %w", ioctlErr)
		}
		if unread == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: the peer left %d bytes unread for %v", os.ErrDeadlineExceeded, unread, timeout)
		}
		time.Sleep(time.Millisecond)
	}
}
