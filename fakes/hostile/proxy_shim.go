package hostile

import (
	"context"
	"fmt"
	"net"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// RunShim runs a hostile cc-proxy shim against the proxy socket at proxy
// with token, until its misbehaviour is done (the proxy closed, or went
// quiet for the idle timeout) or ctx ends. A hanging or lingering shim
// returns only when ctx ends; an ExitMidRequest shim without Config.Exit
// returns ErrExitMidRequest.
func RunShim(ctx context.Context, proxy, token string, cfg Config) error {
	cfg = cfg.withDefaults()
	if _, err := Lookup(RoleProxyShim, cfg.Mode); err != nil {
		return err
	}
	if cfg.Mode == HangBeforeConnect {
		<-ctx.Done()
		return nil
	}
	d := net.Dialer{Timeout: cfg.IdleTimeout}
	c, err := d.DialContext(ctx, "unix", proxy)
	if err != nil {
		return fmt.Errorf("hostile shim: dialing the proxy: %w", err)
	}
	stop := closeOnDone(ctx, c)
	defer stop()

	connect := connectShimFrame(token)
	switch cfg.Mode {
	case HangAfterConnect:
		if err := write(c, connect, cfg.IdleTimeout); err != nil {
			return fmt.Errorf("hostile shim: sending ConnectShim: %w", err)
		}
		<-ctx.Done()
		return nil
	case Trickle:
		err = trickle(ctx, c, connect, cfg.Interval, cfg.IdleTimeout)
	case Garbage:
		err = write(c, GarbageBytes(), cfg.IdleTimeout)
	case HugeLength:
		err = write(c, hugeProxyHeader(api.TypeCommand, api.CmdConnectShim), cfg.IdleTimeout)
	case CloseMidFrame:
		_ = write(c, halfFrame(connect), cfg.IdleTimeout)
		_ = c.Close()
		<-ctx.Done() // lingers: whoever started it must end it
		return nil
	case ExitMidRequest:
		_ = write(c, halfFrame(connect), cfg.IdleTimeout)
		return cfg.exitMidRequest()
	}
	if err != nil {
		return nil // the proxy is gone: nothing left to misbehave at
	}
	drain(c, cfg.IdleTimeout)
	return nil
}
