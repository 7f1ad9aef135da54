package hostile

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// ServeProxy runs a hostile cc-proxy server on l until ctx ends (or, with
// ExitMidRequest and no Config.Exit, until a command arrived: it then
// returns ErrExitMidRequest). It closes l and every connection it accepted
// before it returns.
func ServeProxy(ctx context.Context, l *net.UnixListener, cfg Config) error {
	cfg = cfg.withDefaults()
	if _, err := Lookup(RoleProxyServer, cfg.Mode); err != nil {
		l.Close()
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopListener := context.AfterFunc(ctx, func() { _ = l.Close() })
	defer stopListener()

	var (
		wg   sync.WaitGroup
		once sync.Once
		exit error
	)
	for {
		c, err := l.AcceptUnix()
		if err != nil {
			break // closed: ctx ended
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := serveProxyConn(ctx, c, cfg); errors.Is(err, ErrExitMidRequest) {
				once.Do(func() { exit = err })
				cancel()
			}
		}()
	}
	cancel()
	_ = l.Close()
	wg.Wait()
	return exit
}

// serveProxyConn misbehaves on one connection.
func serveProxyConn(ctx context.Context, c *net.UnixConn, cfg Config) error {
	stop := closeOnDone(ctx, c)
	defer stop()
	if cfg.Mode == Hang {
		<-ctx.Done()
		return nil
	}
	r := api.NewReader(c)
	for {
		if err := c.SetReadDeadline(time.Now().Add(cfg.IdleTimeout)); err != nil {
			return nil
		}
		f, err := r.ReadFrame()
		if err != nil {
			return nil // gone, idle or not speaking the protocol: drop it
		}
		if cfg.Mode == ExitMidRequest {
			return cfg.exitMidRequest()
		}
		if f.Header.Type != api.TypeCommand {
			continue // only commands get answers
		}
		answer := proxyErrorResponse(f.Header.Opcode)
		switch cfg.Mode {
		case Trickle:
			err = trickle(ctx, c, answer, cfg.Interval, cfg.IdleTimeout)
		case Garbage:
			err = write(c, GarbageBytes(), cfg.IdleTimeout)
		case HugeLength:
			err = write(c, hugeProxyHeader(api.TypeResponse, f.Header.Opcode), cfg.IdleTimeout)
		case CloseMidFrame:
			_ = write(c, halfFrame(answer), cfg.IdleTimeout)
			return nil
		default:
			return fmt.Errorf("%w: mode of %s is %q", ErrUnknownMode, RoleProxyServer, cfg.Mode)
		}
		if err != nil {
			return nil
		}
	}
}
