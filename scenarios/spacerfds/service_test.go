package spacerfds_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/thediveo/success"
	"golang.org/x/sys/unix"

	refspacer "github.com/wirecert/wirecert/reference/spacer"
)

// step bounds each wait for the service.
const step = 5 * time.Second

// service is one spacer service process with a client on its socket.
type service struct {
	*refspacer.Client
	cmd  *exec.Cmd
	done chan struct{} // closed once reaped
}

// startService starts the service with its end of a socketpair as fd 3; with
// pidNS in a new PID namespace, where it is PID 1. The spec's cleanup closes
// the client (which ends the service) and reaps it, killing it after step.
func startService(pidNS bool) *service {
	GinkgoHelper()
	pair := Successful(unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0))
	ours := os.NewFile(uintptr(pair[0]), "spacer client socket")
	theirs := os.NewFile(uintptr(pair[1]), "spacer service socket")
	defer theirs.Close() // the service has its own copy as fd 3

	cmd := exec.Command("/proc/self/exe")
	cmd.Args = []string{refspacer.ServiceArg0}
	if *spacerFlag != "" {
		cmd = exec.Command(*spacerFlag)
	}
	cmd.ExtraFiles = []*os.File{theirs}
	cmd.Stdout, cmd.Stderr = GinkgoWriter, GinkgoWriter
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if pidNS {
		cmd.SysProcAttr.Cloneflags = syscall.CLONE_NEWPID
	}
	conn, err := net.FileConn(ours)
	ours.Close() // FileConn works on a dup
	Expect(err).NotTo(HaveOccurred())
	if err := cmd.Start(); err != nil {
		conn.Close()
		Fail(fmt.Sprintf("starting the spacer service %s: %v", cmd.Path, err))
	}
	s := &service{
		Client: refspacer.NewClient(conn.(*net.UnixConn), refspacer.WithTimeout(step)),
		cmd:    cmd,
		done:   make(chan struct{}),
	}
	go func() {
		_ = cmd.Wait()
		close(s.done)
	}()
	DeferCleanup(func() {
		_ = s.Close()
		select {
		case <-s.done:
		case <-time.After(step):
			_ = cmd.Process.Kill()
			<-s.done
			Fail(fmt.Sprintf("the spacer service (PID %d) outlived its connection by %v", cmd.Process.Pid, step))
		}
	})
	return s
}

// pid is the service's PID in this process's PID namespace.
func (s *service) pid() int { return s.cmd.Process.Pid }

// nsPath is the service's own namespace of the given /proc/PID/ns name.
func (s *service) nsPath(name string) string {
	return fmt.Sprintf("/proc/%d/ns/%s", s.pid(), name)
}

// fdLinks returns the link targets of every fd of process pid, such as
// "net:[4026532281]", by fd number.
func fdLinks(pid int) map[string]string {
	GinkgoHelper()
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	entries := Successful(os.ReadDir(dir))
	links := map[string]string{}
	for _, e := range entries {
		if l, err := os.Readlink(filepath.Join(dir, e.Name())); err == nil {
			links[e.Name()] = l
		}
	}
	return links
}

// fdLink is what /proc/self/fd says fd refers to.
func fdLink(fd int) string {
	GinkgoHelper()
	return Successful(os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd)))
}

// holdsCopy returns the service's fds referring to the same object as link.
func holdsCopy(pid int, link string) []string {
	var fds []string
	for fd, l := range fdLinks(pid) {
		if l == link {
			fds = append(fds, fd)
		}
	}
	return fds
}

// ownerIno is the inode of the user namespace owning the namespace fd
// (ioctl NS_GET_USERNS).
func ownerIno(fd int) uint64 {
	GinkgoHelper()
	userns := Successful(unix.IoctlRetInt(fd, unix.NS_GET_USERNS))
	defer unix.Close(userns)
	var st unix.Stat_t
	Expect(unix.Fstat(userns, &st)).To(Succeed())
	return st.Ino
}

// nsIno is the inode of a namespace given by fd or path.
func nsIno(ref any) uint64 {
	GinkgoHelper()
	var st unix.Stat_t
	switch r := ref.(type) {
	case int:
		Expect(unix.Fstat(r, &st)).To(Succeed())
	case string:
		Expect(unix.Stat(r, &st)).To(Succeed(), "stat %s", r)
	}
	return st.Ino
}

// nsPID is the innermost PID of pid, from the NSpid line of its status.
func nsPID(pid int) string {
	GinkgoHelper()
	status := Successful(os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)))
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "NSpid:" {
			return f[len(f)-1]
		}
	}
	Fail(fmt.Sprintf("/proc/%d/status has no NSpid line", pid))
	return ""
}
