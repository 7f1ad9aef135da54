package ccproxy

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// terminal is the pseudo-terminal a command shim gets as its stdin, stdout
// and stderr in a session with a terminal, as a runtime hands a shim the
// container's console. It is in raw mode, so bytes pass exactly both ways.
// Its master is pollable, so that a Read or Write on it is cut short by
// Close or a deadline.
type terminal struct {
	master, slave *os.File
	size          func() (rows, columns int)
	copied        chan struct{} // closed once the output copier ended; nil before copyOutput
}

// openTerminal opens a pseudo-terminal pair, the slave in raw mode, sized
// as size says (nil keeps 0x0).
func openTerminal(size func() (rows, columns int)) (*terminal, error) {
	master, slave, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("opening a terminal: %w", err)
	}
	t := &terminal{slave: slave, size: size}
	fail := func(what string, err error) (*terminal, error) {
		_ = slave.Close()
		if t.master != nil {
			_ = t.master.Close()
		}
		return nil, fmt.Errorf("terminal: %s: %w", what, err)
	}
	if t.master, err = pollable(master); err != nil {
		return fail("make the master pollable", err)
	}
	// The slave is blocking from here on, as exec makes it anyway.
	if err := makeRaw(int(slave.Fd())); err != nil {
		return fail("set raw mode", err)
	}
	if _, err := t.resize(); err != nil {
		return fail("set the size", err)
	}
	return t, nil
}

// pollable gives f's descriptor, duplicated and nonblocking, as a pollable
// file, and closes f. pty.Open's ioctls called f.Fd, which put f in
// blocking mode for good: a blocked Read on it could not be cut short. A
// file made by os.NewFile from a nonblocking descriptor stays pollable,
// Fd or not, so pty.Setsize can be given the copy.
func pollable(f *os.File) (*os.File, error) {
	defer f.Close()
	fd, err := unix.FcntlInt(f.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		_ = unix.Close(fd)
		return nil, err
	}
	return os.NewFile(uintptr(fd), f.Name()), nil
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
// whether the shim still needs one. It sizes through the master, which
// only the suite holds: Fd on the slave would take the shim's stdin out of
// any nonblocking mode the shim set.
func (t *terminal) resize() (changed bool, err error) {
	if t.size == nil {
		return false, nil // no size to give: the terminal keeps 0x0
	}
	rows, cols := t.size()
	want := pty.Winsize{Rows: uint16(rows), Cols: uint16(cols)}
	was, err := pty.GetsizeFull(t.master)
	if err == nil {
		err = pty.Setsize(t.master, &want)
	}
	if err != nil {
		return false, fmt.Errorf("setting the terminal's size to %dx%d: %w", rows, cols, err)
	}
	return *was != want, nil
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
