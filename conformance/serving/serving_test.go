package serving_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
	"github.com/thediveo/fdooze"
	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/conformance/serving"
)

// started is one target process of a spec, with its group.
type started struct {
	cmd   *exec.Cmd
	group *serving.Group
	done  chan struct{}
}

// start runs the test binary in role, through the shell command wrap (%s
// is the binary), in a process group of its own, with extra as fd 3; the
// spec's end kills every process of its group.
func start(role, socket, wrap string, extra *os.File) *started {
	GinkgoHelper()
	Expect(serving.EnableSubreaper()).To(Succeed())
	exe, err := os.Executable()
	Expect(err).NotTo(HaveOccurred())
	g := serving.NewGroup()
	cmd := exec.Command("sh", "-c", fmt.Sprintf(wrap, exe))
	if wrap == "" {
		cmd = exec.Command(exe)
	}
	cmd.Env = append(os.Environ(), g.Env(), "SERVING_TEST_ROLE="+role, "SERVING_TEST_SOCKET="+socket)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if extra != nil {
		cmd.ExtraFiles = []*os.File{extra}
	}
	Expect(cmd.Start()).To(Succeed())
	g.Started(cmd.Process.Pid)
	s := &started{cmd: cmd, group: g, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(s.done)
	}()
	DeferCleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		left, err := g.Kill(5 * time.Second)
		Expect(err).NotTo(HaveOccurred(), "left: %v", left)
		Eventually(s.done).WithTimeout(5 * time.Second).Should(BeClosed())
	})
	return s
}

// children returns this process's children, zombies included.
func children() []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var pids []int
	self := os.Getpid()
	for _, st := range stats {
		var pid, ppid int
		var comm string
		var state byte
		b, err := os.ReadFile(st)
		if err != nil {
			continue
		}
		// comm has no spaces here: the test binary and sh
		if _, err := fmt.Sscanf(string(b), "%d %s %c %d", &pid, &comm, &state, &ppid); err == nil && ppid == self {
			pids = append(pids, pid)
		}
	}
	return pids
}

var _ = Describe("finding the serving process", func() {
	BeforeEach(func() {
		fds := fdooze.Filedescriptors()
		gos := gleak.Goroutines()
		kids := children()
		DeferCleanup(func() {
			Eventually(fdooze.Filedescriptors).WithTimeout(2 * time.Second).ShouldNot(fdooze.HaveLeakedFds(fds))
			Eventually(gleak.Goroutines).WithTimeout(2 * time.Second).ShouldNot(gleak.HaveLeaked(gos))
			Eventually(children).WithTimeout(2*time.Second).Should(ConsistOf(kids), "children of this process (zombies included) after the spec")
		})
	})

	DescribeTable("the listener's holder, through",
		func(wrap string, daemon bool) {
			socket := filepath.Join(GinkgoT().TempDir(), "s.sock")
			s := start("listen", socket, wrap, nil)
			var pid int
			Eventually(func() error {
				var err error
				pid, err = serving.Listener(socket, time.Second)
				return err
			}).WithTimeout(5 * time.Second).Should(Succeed())
			Expect(serving.Running(pid)).To(BeTrue())
			exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
			Expect(err).NotTo(HaveOccurred())
			self, _ := os.Executable()
			Expect(exe).To(Equal(self), "the serving process is the test binary, not sh: %s", serving.Describe(pid))
			if wrap == "" {
				Expect(pid).To(Equal(s.cmd.Process.Pid))
			} else {
				Expect(pid).NotTo(Equal(s.cmd.Process.Pid))
			}
			if daemon {
				Eventually(s.done).WithTimeout(5*time.Second).Should(BeClosed(), "the daemon's parent exits")
			}
			running, err := s.group.Running()
			Expect(err).NotTo(HaveOccurred())
			if pid != s.cmd.Process.Pid {
				Expect(running).To(ContainElement(pid), "the group's processes beside the started one hold the serving process")
			} else {
				Expect(running).To(BeEmpty(), "the started process serves and started nothing")
			}
			// as a caller does: the started process (os/exec reaps it), then
			// everything else of the group
			_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
			Eventually(s.done).WithTimeout(5 * time.Second).Should(BeClosed())
			left, err := s.group.Kill(5 * time.Second)
			Expect(err).NotTo(HaveOccurred(), "left: %v", left)
			Expect(serving.Running(pid)).To(BeFalse())
			_, statErr := os.Stat(fmt.Sprintf("/proc/%d", pid))
			Expect(statErr).To(MatchError(os.ErrNotExist), "the serving process is reaped, no zombie")
		},
		Entry("nothing", "", false),
		Entry("sh -c '...; true'", "%s; true", false),
		Entry("a double fork with setsid", "setsid -f %s </dev/null", true),
	)

	DescribeTable("the holder of a socketpair's other end, through",
		func(wrap string) {
			pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
			Expect(err).NotTo(HaveOccurred())
			ours, theirs := os.NewFile(uintptr(pair[0]), "ours"), os.NewFile(uintptr(pair[1]), "theirs")
			defer ours.Close()
			ino, err := serving.Inode(int(theirs.Fd()))
			Expect(err).NotTo(HaveOccurred())
			s := start("hold", "", wrap, theirs)
			Expect(theirs.Close()).To(Succeed())
			self, _ := os.Executable()
			Eventually(func() (string, error) {
				pid, err := serving.Peer(ino)
				if err != nil {
					return "", err
				}
				return os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
			}).WithTimeout(5*time.Second).Should(Equal(self), "the holder deepest in the tree is the test binary, not sh")
			_ = s
		},
		Entry("nothing", ""),
		Entry("sh -c '...; true'", "%s; true"),
	)

	It("finds no listener where none listens, and no peer nobody holds", func() {
		_, err := serving.Listener(filepath.Join(GinkgoT().TempDir(), "none.sock"), time.Second)
		Expect(serving.IsNotFound(err)).To(BeTrue(), "%v", err)
		pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		Expect(err).NotTo(HaveOccurred())
		defer unix.Close(pair[0])
		defer unix.Close(pair[1])
		ino, err := serving.Inode(pair[1])
		Expect(err).NotTo(HaveOccurred())
		_, err = serving.Peer(ino)
		Expect(err).To(MatchError(serving.ErrNotFound))
	})

	It("reads a process's VmSize and VmRSS", func() {
		m, err := serving.ReadMemory(os.Getpid())
		Expect(err).NotTo(HaveOccurred())
		Expect(m.VmSize).To(BeNumerically(">=", m.VmRSS))
		Expect(m.VmRSS).To(BeNumerically(">", 0))
		_, err = serving.ReadMemory(1 << 30)
		Expect(err).To(HaveOccurred())
	})
})
