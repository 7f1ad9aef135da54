package variantshim

import (
	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/reference/ccproxy"
)

// ProcessConfig is the ShimConfig of a variant shim binary: the reference
// shim's (this process's stdio and the ccproxy.ShimSignals, for which it
// calls signal.Notify), with the window size asked of the descriptors the
// variant says.
func ProcessConfig(proxyPath, token string, v Variant) ccproxy.ShimConfig {
	cfg := ccproxy.ProcessShimConfig(proxyPath, token)
	if v.WindowSizeFrom != nil {
		cfg.WindowSize = TerminalWindowSize(v.WindowSizeFrom...)
	}
	return cfg
}

// TerminalWindowSize asks the terminals on fds for their size, in turn,
// and gives the first non-zero answer.
func TerminalWindowSize(fds ...int) func() (rows, columns int, ok bool) {
	fds = append([]int(nil), fds...)
	return func() (int, int, bool) {
		for _, fd := range fds {
			if ws, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ); err == nil && ws.Row > 0 && ws.Col > 0 {
				return int(ws.Row), int(ws.Col), true
			}
		}
		return 0, 0, false
	}
}
