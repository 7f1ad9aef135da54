package ccproxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// WithTerminal gives a command shim a terminal as its stdout, as a
// runtime does: ccshim, like cc-shim, learns the window size it sends with
// SIGWINCH from its terminal (TIOCGWINSZ), and a command target has none.
// The terminal is in raw mode, so output passes byte-exact, and gets the
// size ShimRun.WindowSize reports before each SIGWINCH is forwarded.
func WithTerminal(t ClientTarget) ClientTarget {
	shim := t.Shim
	t.Name += " with a terminal on stdout"
	t.Shim = func(ctx context.Context, run ShimRun) (int, error) {
		master, slave, err := openTerminal()
		if err != nil {
			return -1, err
		}
		resize := func() error {
			if run.WindowSize == nil {
				return nil // no size to give: the terminal keeps 0x0
			}
			rows, cols := run.WindowSize()
			return unix.IoctlSetWinsize(int(master.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: uint16(rows), Col: uint16(cols)})
		}
		if err := resize(); err != nil {
			_ = master.Close()
			_ = slave.Close()
			return -1, fmt.Errorf("setting the terminal's size: %w", err)
		}

		// Output: the master reads EIO once the shim and our copy of the
		// slave are closed and everything written was read.
		stdout := run.Stdout
		copied := make(chan struct{})
		go func() {
			defer close(copied)
			_, _ = io.Copy(stdout, eioAsEOF{master})
		}()

		// Signals: resize before SIGWINCH reaches the shim.
		in, signals := run.Signals, make(chan os.Signal)
		stop := make(chan struct{})
		forwarded := make(chan struct{})
		go func() {
			defer close(forwarded)
			for {
				select {
				case sig, ok := <-in:
					if !ok {
						return
					}
					if sig == syscall.SIGWINCH {
						_ = resize()
					}
					select {
					case signals <- sig:
					case <-stop:
						return
					}
				case <-stop:
					return
				}
			}
		}()

		run.Stdout, run.Signals = slave, signals
		code, err := shim(ctx, run)
		close(stop)
		<-forwarded
		_ = slave.Close()
		select {
		case <-copied:
		case <-time.After(StopGrace):
			// Someone else holds the terminal open: stop copying.
		}
		_ = master.Close()
		<-copied
		return code, err
	}
	return t
}

// openTerminal opens a pseudo-terminal pair with the slave in raw mode.
func openTerminal() (master, slave *os.File, err error) {
	master, err = os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("opening a terminal: %w", err)
	}
	fail := func(what string, err error) (*os.File, *os.File, error) {
		_ = master.Close()
		if slave != nil {
			_ = slave.Close()
		}
		return nil, nil, fmt.Errorf("terminal: %s: %w", what, err)
	}
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		return fail("unlock", err)
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		return fail("slave number", err)
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return fail("open slave", err)
	}
	tio, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if err != nil {
		return fail("get termios", err)
	}
	// cfmakeraw: no translation of output (OPOST), no line discipline.
	tio.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	tio.Oflag &^= unix.OPOST
	tio.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	tio.Cflag &^= unix.CSIZE | unix.PARENB
	tio.Cflag |= unix.CS8
	if err := unix.IoctlSetTermios(int(slave.Fd()), unix.TCSETS, tio); err != nil {
		return fail("set raw mode", err)
	}
	return master, slave, nil
}

// eioAsEOF reads a terminal master, whose end once every slave is closed
// is EIO.
type eioAsEOF struct{ f *os.File }

func (r eioAsEOF) Read(p []byte) (int, error) {
	n, err := r.f.Read(p)
	if errors.Is(err, syscall.EIO) {
		err = io.EOF
	}
	return n, err
}
