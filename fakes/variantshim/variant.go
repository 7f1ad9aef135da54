package variantshim

// Variant is a set of allowances: each does something the protocol allows
// and the reference shim does not. The zero Variant behaves like the
// reference shim.
type Variant struct {
	// What says what the variant does.
	What string
	// Allowed quotes the protocol description that allows each thing it
	// does.
	Allowed []string

	// WindowSizeFrom are the descriptors whose terminal a shim binary asks
	// for its size (TIOCGWINSZ), in turn, the first that is a terminal
	// answering; nil asks stdin, then stdout, as the reference shim does.
	// Only ProcessConfig applies it: Run takes ShimConfig.WindowSize.
	WindowSizeFrom []int
	// Logs sends log stream entries {source: shim, level, msg} to the
	// proxy: once ConnectShim succeeded or failed, for each signal it
	// forwards or cannot, and once the process exited.
	Logs bool
	// StdinFrames are the payload sizes stdin is cut into, used in turn;
	// nil sends what each read returns (up to ccproxy.MaxStdinChunk a
	// frame), as the reference shim does.
	StdinFrames []int
	// WindowSizeAtStart sends a Signal for SIGWINCH with the terminal's
	// size as soon as ConnectShim succeeded, when the shim has a terminal,
	// before any SIGWINCH came.
	WindowSizeAtStart bool
	// SplitWrites writes every frame in three writes: the header's first
	// splitAt bytes, the rest of the header, the payload.
	SplitWrites bool
}

// splitAt is where SplitWrites cuts a header: inside the header, so the
// proxy must reassemble it.
const splitAt = 5

// The protocol text behind each allowance (the cc-proxy protocol description),
// quoted. None of it ties the framing of stdin to its reads, a log entry
// to an event, or a Signal for SIGWINCH to a SIGWINCH the shim received.
const (
	allowStdinTerminal = "The real runtime gives a shim with a terminal the same terminal on stdin, stdout and stderr (cc-shim reads the window size from stdin)."
	allowAnyTerminal   = "CCP-C-08 signal payloads (the window size of the shim's terminal, which may be any of its stdin/stdout/stderr)."
	allowLogs          = "Log stream: {source: shim|runtime, containerId?, level: debug|info|warn|error, msg}; no response." +
		" CCP-C-12 never sends notifications, responses or stdout/stderr."
	allowStdinFrames = "Shim: ConnectShim {token}; stdin stream -> agent io packet on ioBase (zero-length = EOF)." +
		" CCP-C-07 stdin verbatim, one zero-length frame on EOF."
	allowWinchAtStart = "Signal {signalNumber, columns?, rows?}: 0 <= n < 31; rows/columns both non-zero only for SIGWINCH (28)." +
		" SIGWINCH -> winsize {seq, row, column} for any session."
	allowSplitWrites = "CCP-S-03 reassembles frames from any fragmentation (1-byte writes, each read by the proxy before the next is sent)."
)
