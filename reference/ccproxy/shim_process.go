package ccproxy

import (
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// ShimSignals are the signals a user or runtime sends a shim process to
// reach the container process.
var ShimSignals = []os.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGWINCH,
	syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2}

// ProcessShimConfig is the ShimConfig of a shim binary: this process's stdio,
// the ShimSignals it receives (it calls signal.Notify for them), and the
// window size of the terminal on stdin or stdout.
func ProcessShimConfig(proxyPath, token string) ShimConfig {
	signals := make(chan os.Signal, 16)
	signal.Notify(signals, ShimSignals...)
	return ShimConfig{
		ProxyPath:  proxyPath,
		Token:      token,
		Stdin:      os.Stdin,
		Stdout:     os.Stdout,
		Stderr:     os.Stderr,
		Signals:    signals,
		WindowSize: TerminalWindowSize,
	}
}

// TerminalWindowSize asks the terminal on stdin, else stdout, for its size,
// as cc-shim does for SIGWINCH.
func TerminalWindowSize() (rows, columns int, ok bool) {
	for _, fd := range []int{unix.Stdin, unix.Stdout} {
		if ws, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ); err == nil && ws.Row > 0 && ws.Col > 0 {
			return int(ws.Row), int(ws.Col), true
		}
	}
	return 0, 0, false
}
