package spacer

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/conformance/requirement"
	"github.com/wirecert/wirecert/fakes/fakespacer"
	"github.com/wirecert/wirecert/matchers"
	"github.com/wirecert/wirecert/reference/spacer/api"
)

// fd0Mu serialises the specs that free this process's fd 0.
var fd0Mu sync.Mutex

// fdZeroSpecs: SPC-C-06, an fd received as number 0 is moved above 0 or
// closed with an error, never taken for absent.
//
// The kernel installs a received fd at the lowest free number, so one
// arrives as 0 only where fd 0 is free. The client under test runs in
// this process (ClientTarget.Connect), where fd 0 is stdin: the spec frees
// it for the one call, keeping stdin in a copy, and puts it back after.
// Nothing else in the process may open an fd meanwhile: the fake service
// runs as a process of its own (this binary re-executed as a fake with
// its own namespaces), started before fd 0 is freed, and every fd the
// spec needs is opened before or after. What fd 0 holds after the call
// tells the verdict: free (moved or closed), or the fd the fake sent
// (left where it arrived).
func (s *clientSuite) fdZeroSpecs() {
	DescribeTable("moves an fd received as number 0 above 0, or closes it with an error",
		func(ctx SpecContext, req api.Request, first uint32) {
			client := s.connectFakeProcess()
			warmUpPoller()
			before := openFds()

			resp, held, err := doWithFd0Free(ctx, client, req, s.t.stepTimeout())
			defer closeResponse(resp)
			switch {
			case held.free:
			case held.mode == first:
				Fail(fmt.Sprintf("the fd the client received as number 0 (%s) is still open as fd 0: left where it arrived, taken for absent; the client returned %#v, error %v",
					held.desc, resp, err))
			default:
				Skip(fmt.Sprintf("fd 0 was taken by another open in this process while it was free (%s): the spec cannot tell where the received fd went", held.desc))
			}
			if err == nil {
				expectPlaced(resp, req)
			}
			closeResponse(resp)
			Expect(client.Close()).To(Succeed())
			Eventually(func() string { return newFds(before) }).WithTimeout(s.t.stepTimeout()).
				Should(BeEmpty(), "fds left open in the client's process")
		},
		s.entry("SPC-C-06/rooms-fd-0", requirement.Must, "a RoomsResponse's net namespace fd",
			api.Request(&api.RoomsRequest{Spaces: unix.CLONE_NEWNET}), uint32(0)),
		s.entry("SPC-C-06/subspace-conn-0", requirement.Must, "a SubspaceResponse's Conn",
			api.Request(&api.SubspaceRequest{Spaces: unix.CLONE_NEWUSER}), uint32(unix.S_IFSOCK)),
	)
}

// fd0State is what fd 0 was after the call: free, or of mode (S_IFMT; 0
// for a namespace, which is what the fake's RoomsResponse sends first).
type fd0State struct {
	free bool
	mode uint32
	desc string
}

// doWithFd0Free calls the client with fd 0 free and puts stdin back
// afterwards (which closes whatever the client left at 0). It opens no
// fd while fd 0 is free: fstat and ioctl only.
func doWithFd0Free(ctx context.Context, client ClientConn, req api.Request, step time.Duration) (api.Response, fd0State, error) {
	GinkgoHelper()
	fd0Mu.Lock()
	defer fd0Mu.Unlock()
	stdin, err := unix.FcntlInt(0, unix.F_DUPFD_CLOEXEC, 3)
	if err != nil && err != unix.EBADF {
		Fail(fmt.Sprintf("keeping a copy of fd 0: %v", err))
	}
	hadStdin := err == nil
	if hadStdin {
		Expect(unix.Close(0)).To(Succeed(), "freeing fd 0")
	}
	callCtx, cancel := context.WithTimeout(ctx, step)
	resp, callErr := client.Do(callCtx, req)
	cancel()
	var held fd0State
	var st unix.Stat_t
	switch err := unix.Fstat(0, &st); {
	case err == unix.EBADF:
		held.free = true
	case err != nil:
		held.desc = fmt.Sprintf("fstat: %v", err)
	default:
		held.mode = st.Mode & unix.S_IFMT
		held.desc = fmt.Sprintf("mode %#o, inode %d", held.mode, st.Ino)
		if t, err := api.NamespaceType(0); err == nil {
			held.mode = 0
			held.desc = fmt.Sprintf("a %s namespace, inode %d", api.NamespaceTypeName(t), st.Ino)
		}
	}
	if hadStdin {
		dupErr := unix.Dup3(stdin, 0, 0)
		unix.Close(stdin)
		Expect(dupErr).NotTo(HaveOccurred(), "putting stdin back as fd 0")
	} else {
		unix.Close(0)
	}
	return resp, held, callErr
}

// expectPlaced checks that a response the client returned without an
// error holds the fd that arrived as 0, above 0.
func expectPlaced(resp api.Response, req api.Request) {
	GinkgoHelper()
	switch req.(type) {
	case *api.RoomsRequest:
		rooms, ok := resp.(*api.RoomsResponse)
		Expect(ok).To(BeTrue(), "the response is %T, allowed *api.RoomsResponse", resp)
		Expect(rooms.Net).To(BeNumerically(">", 0), "the net namespace fd that arrived as 0 is placed (moved above 0), not reported absent")
		Expect(rooms.Net).To(matchers.BeNamespaceFd(unix.CLONE_NEWNET))
	case *api.SubspaceRequest:
		sub, ok := resp.(*api.SubspaceResponse)
		Expect(ok).To(BeTrue(), "the response is %T, allowed *api.SubspaceResponse", resp)
		Expect(sub.Conn).To(BeNumerically(">", 0), "Conn, which arrived as 0, is placed (moved above 0), not reported absent")
		var st unix.Stat_t
		Expect(unix.Fstat(sub.Conn, &st)).To(Succeed())
		Expect(st.Mode&unix.S_IFMT).To(Equal(uint32(unix.S_IFSOCK)), "Conn is a socket: %s", fdTarget(sub.Conn))
	}
}

// connectFakeProcess starts an unbroken fake service as a process of its
// own (this binary re-executed, handing out its own namespaces) and
// connects the client under test to it; both end with the spec.
func (s *clientSuite) connectFakeProcess() ClientConn {
	GinkgoHelper()
	path, argv, err := fakespacer.ServiceCommand(fakespacer.None)
	Expect(err).NotTo(HaveOccurred())
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	Expect(err).NotTo(HaveOccurred(), "socketpair")
	theirs := os.NewFile(uintptr(pair[1]), "fake service end")
	ours, err := fileConn(pair[0], "client end")
	if err != nil {
		theirs.Close()
		Fail(err.Error())
	}
	cmd := &exec.Cmd{Path: path, Args: append(argv, "--own-namespaces"), ExtraFiles: []*os.File{theirs}}
	err = cmd.Start()
	theirs.Close()
	if err != nil {
		ours.Close()
		Fail(fmt.Sprintf("starting the fake service %s: %v", path, err))
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	client, err := s.t.Connect(ours)
	// the fake ends once the client is gone, or is killed when it does
	// not within the step timeout
	DeferCleanup(func() {
		if client != nil {
			_ = client.Close()
		}
		select {
		case <-exited:
		case <-time.After(s.t.stepTimeout()):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	Expect(err).NotTo(HaveOccurred(), "connecting the client under test")
	return client
}
