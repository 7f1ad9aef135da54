package hostile

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"
)

// Exit statuses of Main besides ExitMidRequestCode.
const (
	exitDone  = 0
	exitError = 1
	exitUsage = 2
)

// spacerServiceFd is where a spacer service process finds its socket.
const spacerServiceFd = 3

// Main runs one hostile peer as told by args and returns its exit status:
//
//	hostile --role ccproxy-server --mode NAME --socket PATH
//	hostile --role ccproxy-shim   --mode NAME --proxy PATH --token TOKEN
//	hostile --role spacer-service --mode NAME        (its socket on fd 3)
//	hostile --list
//
// --ignore-sigterm makes it ignore SIGTERM (only SIGKILL ends it);
// --interval sets the trickle pace. It returns 0 when its misbehaviour is
// done, 1 on an error, 2 on bad arguments; an ExitMidRequest peer exits
// the process with ExitMidRequestCode right where it stops.
func Main(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("hostile", flag.ContinueOnError)
	fs.SetOutput(stderr)
	role := fs.String("role", "", "the peer to play: ccproxy-server, ccproxy-shim or spacer-service")
	mode := fs.String("mode", "", "how it misbehaves (--list shows all)")
	socket := fs.String("socket", "", "ccproxy-server: the unix socket to listen on")
	proxy := fs.String("proxy", "", "ccproxy-shim: the proxy's unix socket")
	token := fs.String("token", "", "ccproxy-shim: the token for ConnectShim")
	ignoreTerm := fs.Bool("ignore-sigterm", false, "ignore SIGTERM: only SIGKILL ends the process")
	interval := fs.Duration("interval", DefaultInterval, "pause between trickled bytes")
	list := fs.Bool("list", false, "list the roles and modes and exit")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *list {
		for _, m := range Modes("") {
			fmt.Fprintf(stdout, "%-15s %-20s %s\n", m.Role, m.Mode, m.What)
		}
		return exitDone
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "hostile: unexpected arguments %q: allowed flags only\n", fs.Args())
		return exitUsage
	}
	if _, err := Lookup(Role(*role), Mode(*mode)); err != nil {
		fmt.Fprintln(stderr, "hostile:", err)
		return exitUsage
	}
	if *ignoreTerm {
		signal.Ignore(syscall.SIGTERM)
	}
	cfg := Config{Mode: Mode(*mode), Interval: *interval, Exit: os.Exit}
	// SIGTERM (unless ignored) and SIGKILL end the process the default
	// way: a hostile peer does not clean up nicely.
	ctx := context.Background()

	var err error
	switch Role(*role) {
	case RoleProxyServer:
		err = runProxyServer(ctx, *socket, cfg)
	case RoleProxyShim:
		if *proxy == "" || *token == "" {
			fmt.Fprintf(stderr, "hostile: --proxy %q and --token %q: both needed for %s\n", *proxy, *token, RoleProxyShim)
			return exitUsage
		}
		err = RunShim(ctx, *proxy, *token, cfg)
	case RoleSpacerService:
		err = runSpacerService(ctx, cfg)
	}
	if err != nil {
		fmt.Fprintln(stderr, "hostile:", err)
		return exitError
	}
	return exitDone
}

// errNoSocket is a missing --socket for the server role.
var errNoSocket = errors.New("--socket is empty, allowed the path of a unix socket to listen on")

func runProxyServer(ctx context.Context, socket string, cfg Config) error {
	if socket == "" {
		return errNoSocket
	}
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: socket, Net: "unix"})
	if err != nil {
		return fmt.Errorf("listening on %s: %w", socket, err)
	}
	return ServeProxy(ctx, l, cfg)
}

func runSpacerService(ctx context.Context, cfg Config) error {
	f := os.NewFile(spacerServiceFd, "spacer socket")
	if f == nil {
		return fmt.Errorf("fd %d: not open, allowed a connected unix socket", spacerServiceFd)
	}
	c, err := net.FileConn(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("fd %d: %w, allowed a connected unix socket", spacerServiceFd, err)
	}
	uc, ok := c.(*net.UnixConn)
	if !ok {
		c.Close()
		return fmt.Errorf("fd %d is a %T, allowed a connected unix socket", spacerServiceFd, c)
	}
	return ServeSpacer(ctx, uc, cfg)
}
