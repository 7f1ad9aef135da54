package hostile

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"
	"net"
	"time"

	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/reference/spacer/api"
	"github.com/wirecert/wirecert/reference/spacer/wire"
)

// spacerMessageSize is the largest spacer message (one recvmsg).
const spacerMessageSize = 8192

// spacerFdRoom is how many fds a hostile service accepts (and closes) with
// a request: requests carry none.
const spacerFdRoom = 16

// ServeSpacer runs a hostile spacer service on conn until the client
// disconnects or goes quiet for the idle timeout (a Hang service: until
// ctx ends), then closes conn. An ExitMidRequest service without
// Config.Exit returns ErrExitMidRequest once a request arrived.
func ServeSpacer(ctx context.Context, conn *net.UnixConn, cfg Config) error {
	cfg = cfg.withDefaults()
	stop := closeOnDone(ctx, conn)
	defer stop()
	if _, err := Lookup(RoleSpacerService, cfg.Mode); err != nil {
		return err
	}
	if cfg.Mode == Hang {
		<-ctx.Done()
		return nil
	}
	var encoded bytes.Buffer
	enc := gob.NewEncoder(&encoded) // one per connection: type definitions go first
	buf, oob := make([]byte, spacerMessageSize), make([]byte, unix.CmsgSpace(spacerFdRoom*4))
	for {
		if err := conn.SetReadDeadline(time.Now().Add(cfg.IdleTimeout)); err != nil {
			return nil
		}
		n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
		closeRights(oob[:oobn])
		if err != nil || n == 0 {
			return nil // the client left, or went quiet
		}
		if cfg.Mode == ExitMidRequest {
			return cfg.exitMidRequest()
		}
		encoded.Reset()
		var resp api.Response = &api.ErrorResponse{Reason: errorMessage}
		if err := enc.Encode(&resp); err != nil {
			return fmt.Errorf("hostile service: encoding the ErrorResponse: %w", err)
		}
		wire.ToWire(encoded.Bytes())
		switch cfg.Mode {
		case Trickle:
			err = trickle(ctx, conn, encoded.Bytes(), cfg.Interval, cfg.IdleTimeout)
		case Garbage:
			err = write(conn, GarbageBytes(), cfg.IdleTimeout)
		case HugeLength:
			err = write(conn, hugeGobCount(), cfg.IdleTimeout)
		case CloseMidFrame:
			_ = write(conn, encoded.Bytes()[:encoded.Len()/2], cfg.IdleTimeout)
			return nil
		}
		if err != nil {
			return nil
		}
	}
}

// closeRights closes the fds of SCM_RIGHTS messages in oob: a hostile
// service keeps nothing it is sent.
func closeRights(oob []byte) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return
	}
	for i := range msgs {
		fds, err := unix.ParseUnixRights(&msgs[i])
		if err != nil {
			continue
		}
		for _, fd := range fds {
			_ = unix.Close(fd)
		}
	}
}
