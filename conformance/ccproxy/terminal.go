package ccproxy

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// terminal is the pseudo-terminal a command shim gets as its stdin, stdout
// and stderr in a session with a terminal, as a runtime hands a shim the
// container's console. It is in raw mode, so bytes pass exactly both ways.
// The master is only touched through SyscallConn: os.File.Fd would switch
// it to blocking mode, and a blocked Read could then not be cut short.
type terminal struct {
	master, slave *os.File
	size          func() (rows, columns int)
	copied        chan struct{} // closed once the output copier ended; nil before copyOutput
}

// openTerminal opens a pseudo-terminal pair, the slave in raw mode, sized
// as size says (nil keeps 0x0).
func openTerminal(size func() (rows, columns int)) (*terminal, error) {
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, fmt.Errorf("opening a terminal: %w", err)
	}
	t := &terminal{master: master, size: size}
	fail := func(what string, err error) (*terminal, error) {
		_ = master.Close()
		if t.slave != nil {
			_ = t.slave.Close()
		}
		return nil, fmt.Errorf("terminal: %s: %w", what, err)
	}
	var n int
	err = ioctl(master, func(fd int) error {
		if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
			return err
		}
		n, err = unix.IoctlGetInt(fd, unix.TIOCGPTN)
		return err
	})
	if err != nil {
		return fail("unlock and number", err)
	}
	t.slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return fail("open slave", err)
	}
	if err := ioctl(t.slave, makeRaw); err != nil {
		return fail("set raw mode", err)
	}
	if _, err := t.resize(); err != nil {
		return fail("set the size", err)
	}
	return t, nil
}

// makeRaw is cfmakeraw: no translation of input or output, no line
// discipline, no echo, no signals from control characters.
func makeRaw(fd int) error {
	tio, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	tio.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	tio.Oflag &^= unix.OPOST
	tio.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	tio.Cflag &^= unix.CSIZE | unix.PARENB
	tio.Cflag |= unix.CS8
	return unix.IoctlSetTermios(fd, unix.TCSETS, tio)
}

// resize gives the terminal the size t.size says. When that changed it,
// the kernel sent SIGWINCH to the terminal's foreground process group (the
// shim, whose controlling terminal it is), so changed tells the caller
// whether the shim still needs one.
func (t *terminal) resize() (changed bool, err error) {
	if t.size == nil {
		return false, nil // no size to give: the terminal keeps 0x0
	}
	rows, cols := t.size()
	want := unix.Winsize{Row: uint16(rows), Col: uint16(cols)}
	err = ioctl(t.master, func(fd int) error {
		was, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ)
		if err != nil {
			return err
		}
		changed = *was != want
		return unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, &want)
	})
	if err != nil {
		return false, fmt.Errorf("setting the terminal's size to %dx%d: %w", rows, cols, err)
	}
	return changed, nil
}

// copyOutput copies what the shim writes on the terminal to out, until
// every copy of the slave is closed and everything written was read.
func (t *terminal) copyOutput(out io.Writer) {
	t.copied = make(chan struct{})
	go func() {
		defer close(t.copied)
		_, _ = io.Copy(out, eioAsEOF{t.master})
	}()
}

// close releases the terminal once the shim has ended: the output the shim
// left is copied first, unless a process the shim left behind holds the
// terminal open for longer than StopGrace.
func (t *terminal) close() {
	_ = t.slave.Close()
	if t.copied != nil {
		select {
		case <-t.copied:
		case <-time.After(StopGrace):
		}
	}
	_ = t.master.Close() // ends a copier still reading
	if t.copied != nil {
		<-t.copied
	}
}

// ioctl runs op on f's descriptor without taking it out of the poller.
func ioctl(f *os.File, op func(fd int) error) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var opErr error
	if err := rc.Control(func(fd uintptr) { opErr = op(int(fd)) }); err != nil {
		return err
	}
	return opErr
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
