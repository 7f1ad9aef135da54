package faultyshim

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/wirecert/wirecert/fakes/sockdir"
	"github.com/wirecert/wirecert/reference/ccproxy"
)

// relaySocketName is the private socket the reference shim dials, in a
// fresh temp dir per Run.
const relaySocketName = "relay.sock"

// Run runs one shim session like ccproxy.RunShim, with fault applied: it
// dials the proxy at cfg.ProxyPath, runs RunShim against a private socket
// and relays the one connection RunShim makes to the proxy. It returns
// RunShim's exit code and error once the relay has ended too; nothing of it
// outlives Run.
func Run(ctx context.Context, cfg ccproxy.ShimConfig, fault Fault) (int, error) {
	if cfg.ProxyPath == "" || cfg.Token == "" {
		return ccproxy.RunShim(ctx, cfg) // its error names the empty field
	}
	// Dial first, so an unreachable proxy fails as it does for ccshim.
	proxy, err := net.Dial("unix", cfg.ProxyPath)
	if err != nil {
		return -1, fmt.Errorf("dialing cc-proxy at %q: %w", cfg.ProxyPath, err)
	}
	// Beside the proxy's socket, in a directory its owner removes: a shim
	// killed before its cleanup leaves nothing in the system's temp dir.
	dir, err := os.MkdirTemp(filepath.Dir(cfg.ProxyPath), "faultyshim-")
	if err != nil {
		dir, err = sockdir.MkdirTemp("faultyshim-")
	}
	if err != nil {
		_ = proxy.Close()
		return -1, fmt.Errorf("faultyshim: relay socket dir: %w", err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	path := filepath.Join(dir, relaySocketName)
	ln, err := net.Listen("unix", path)
	if err != nil {
		_ = proxy.Close()
		return -1, fmt.Errorf("faultyshim: relay socket: %w", err)
	}

	relayed := make(chan struct{})
	go func() {
		defer close(relayed)
		shim, err := ln.Accept()
		_ = ln.Close() // one shim connection per session
		if err != nil {
			_ = proxy.Close()
			return
		}
		(&Session{fault: fault, shim: shim, proxy: proxy}).run()
	}()

	cfg.ProxyPath = path
	code, err := ccproxy.RunShim(ctx, cfg)
	// RunShim closed its connection: the relay forwards what is left and
	// ends. A proxy that stops reading cannot keep it longer than a write's
	// bound.
	_ = ln.Close()
	select {
	case <-relayed:
	case <-time.After(FrameTimeout):
		_ = proxy.Close()
		<-relayed
	}
	return code, err
}
