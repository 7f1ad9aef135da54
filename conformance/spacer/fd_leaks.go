package spacer

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/sys/unix"
)

// Leak checks of targets in this process (an in-process client or
// service) must not take Ginkgo's fds for the target's: under `ginkgo -p`
// Ginkgo opens the pipe for the next spec's output capture while a spec
// runs. The client specs look for exactly what the fake sent; the others
// leave that one pipe out (newFds).

// fdIdentity is what an fd refers to, whatever its number: a file's
// device and inode (a namespace, a socket, a pipe, a file).
type fdIdentity struct{ dev, ino uint64 }

func identityOf(fd int) (fdIdentity, bool) {
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil {
		return fdIdentity{}, false
	}
	return fdIdentity{dev: st.Dev, ino: st.Ino}, true
}

// sentFds records what the fds a fake service sent referred to.
type sentFds struct {
	mu  sync.Mutex
	ids map[fdIdentity]string
}

// record is a fakespacer.Config.OnSend: it runs before the fds go out.
func (s *sentFds) record(fds []int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ids == nil {
		s.ids = map[fdIdentity]string{}
	}
	for _, fd := range fds {
		if id, ok := identityOf(fd); ok {
			s.ids[id] = fdTarget(fd)
		}
	}
}

func (s *sentFds) has(id fdIdentity) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	what, ok := s.ids[id]
	return what, ok
}

// openFds is this process's open fds and what each refers to.
func openFds() map[int]fdIdentity {
	GinkgoHelper()
	entries, err := os.ReadDir("/proc/self/fd")
	Expect(err).NotTo(HaveOccurred(), "listing this process's fds")
	fds := map[int]fdIdentity{}
	for _, e := range entries {
		fd, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if id, ok := identityOf(fd); ok {
			fds[fd] = id
		}
	}
	return fds
}

// leftOpen lists the fds open now and not before (by number and what they
// refer to) that refer to something the fake sent.
func (r *clientRun) leftOpen(before map[int]fdIdentity) []string {
	now := openFds()
	var left []string
	for _, fd := range freshFds(before, now) {
		if what, ok := r.sent.has(now[fd]); ok {
			left = append(left, fmt.Sprintf("fd %d (%s)", fd, what))
		}
	}
	slices.Sort(left)
	return left
}

// expectSentFdsClosed expects every fd the fake sent closed in the
// client's process, within the step timeout: placed ones closed by the
// spec, the rest by the client.
func (r *clientRun) expectSentFdsClosed(before map[int]fdIdentity) {
	GinkgoHelper()
	Eventually(func() string { return strings.Join(r.leftOpen(before), ", ") }).WithTimeout(r.s.t.stepTimeout()).
		Should(BeEmpty(), "fds the fake sent, left open in the client's process")
}

// newFds lists the fds open now and not before (by number and what they
// refer to), less the pipe Ginkgo's output capture opens for the next
// spec while this one runs: under `ginkgo -p` (output intercepted) one new
// pipe with both ends here, each O_NONBLOCK as Go's os.Pipe makes them.
// A target leaking exactly such a pipe in such a run goes unseen; any
// other leak is seen.
func newFds(before map[int]fdIdentity) string {
	now := openFds()
	fresh := freshFds(before, now)
	if conf, _ := GinkgoConfiguration(); conf.ParallelTotal > 1 && conf.OutputInterceptorMode != "none" {
		fresh = withoutCapturePipe(fresh, now)
	}
	var left []string
	for _, fd := range fresh {
		left = append(left, fmt.Sprintf("fd %d (%s)", fd, fdTarget(fd)))
	}
	slices.Sort(left)
	return strings.Join(left, ", ")
}

// withoutCapturePipe drops from fresh the first pipe both of whose ends
// are among them, both non-blocking.
func withoutCapturePipe(fresh []int, ids map[int]fdIdentity) []int {
	ends := map[fdIdentity][]int{}
	for _, fd := range fresh {
		if strings.HasPrefix(fdTarget(fd), "pipe:") && nonBlocking(fd) {
			ends[ids[fd]] = append(ends[ids[fd]], fd)
		}
	}
	for _, pair := range ends {
		if len(pair) == 2 {
			return slices.DeleteFunc(fresh, func(fd int) bool { return slices.Contains(pair, fd) })
		}
	}
	return fresh
}

// nonBlocking tells whether fd's file has O_NONBLOCK.
func nonBlocking(fd int) bool {
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	return err == nil && flags&unix.O_NONBLOCK != 0
}

// freshFds are the fds of now that before did not have, by number and
// what they refer to.
func freshFds(before, now map[int]fdIdentity) []int {
	var fresh []int
	for fd, id := range now {
		if was, ok := before[fd]; !ok || was != id {
			fresh = append(fresh, fd)
		}
	}
	return fresh
}
