package spacer_test

import (
	"bytes"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/internal/fuzzcheck"
	"github.com/wirecert/wirecert/reference/spacer"
	"github.com/wirecert/wirecert/reference/spacer/api"
	"github.com/wirecert/wirecert/reference/spacer/wire"
	"github.com/wirecert/wirecert/reference/spacer/wire/wiretest"
)

const (
	// fuzzMaxChunks bounds the sendmsgs of one input.
	fuzzMaxChunks = 8
	// fuzzMaxFds is the most fds one sendmsg may carry (the kernel's
	// SCM_MAX_FD), far above the service's room for wire.MaxFds.
	fuzzMaxFds = 253
	// fuzzTimeout bounds every wait of one input: Serve's ending, a
	// response, the leak checks.
	fuzzTimeout = 10 * time.Second
)

// FuzzServeRequests feeds the service side of a connection what a client
// may send: up to 8 sendmsgs (whole, cut or glued gob messages, garbage),
// one of them with up to 253 fds (above wire.MaxFds: MSG_CTRUNC), and fd 0
// free or not (then the kernel numbers a received fd 0, below 3). Serve
// must not panic, must end once the client stops sending, and must leave
// no fd and no goroutine behind (sub-services included: their Conn is
// closed as it arrives, and they are reaped). Real requests do their real
// work, so as root a valid one creates namespaces or a sub-service.
func FuzzServeRequests(f *testing.F) {
	session := wiretest.Messages(f,
		&api.RoomsRequest{Spaces: 0},
		&api.SubspaceRequest{Spaces: unix.CLONE_NEWNET},
		&api.RoomsRequest{Spaces: 1 << 40},
		&api.RoomsRequest{Spaces: unix.CLONE_NEWUTS},
	)
	sub := wiretest.Messages(f, &api.SubspaceRequest{Spaces: unix.CLONE_NEWPID})
	unknown := bytes.Clone(session[0])
	if i := bytes.Index(unknown, []byte("*api.RoomsRequest")); i >= 0 {
		copy(unknown[i:], "*api.RoomyRequest") // same length, no such type
	}
	first := session[0]
	f.Add(wiretest.Seed(session...), uint8(0), uint8(0), false)
	f.Add(wiretest.Seed(session...), uint8(2), uint8(1), false)               // fds along with a request
	f.Add(wiretest.Seed(session...), uint8(1), uint8(0), true)                // received as fd 0
	f.Add(wiretest.Seed(session...), uint8(wire.MaxFds+1), uint8(2), false)   // MSG_CTRUNC
	f.Add(wiretest.Seed(session...), uint8(fuzzMaxFds), uint8(0), true)       // the most, one at 0
	f.Add(wiretest.Seed(bytes.Join(session, nil)), uint8(0), uint8(0), false) // glued: one sendmsg
	f.Add(wiretest.Seed(first[:len(first)/2], first[len(first)/2:]), uint8(0), uint8(0), false)
	f.Add(wiretest.Seed(unknown, session[1]), uint8(0), uint8(0), false)
	f.Add(wiretest.Seed(sub...), uint8(0), uint8(0), false)
	f.Add(wiretest.Seed(append(bytes.Clone(first), make([]byte, wire.MaxMessageSize)...)), uint8(0), uint8(0), false)
	f.Add(wiretest.Seed([]byte{0xff, 0xff, 0x01, 0x02}), uint8(3), uint8(0), true)

	f.Fuzz(func(t *testing.T, data []byte, nfds, fdChunk uint8, lowFd bool) {
		chunks := wiretest.Chunks(data, fuzzMaxChunks)
		if len(chunks) == 0 {
			return // nothing to send
		}
		checkLeaks := fuzzcheck.NoLeaks(t, fuzzTimeout)

		service, client := wiretest.Socketpair(t)
		null, err := os.Open(os.DevNull)
		if err != nil {
			t.Fatal(err)
		}
		fds := make([]int, int(nfds)%(fuzzMaxFds+1))
		for i := range fds {
			fds[i] = int(null.Fd())
		}

		var stdin int
		if lowFd {
			stdin = freeFd0(t)
		}
		// closed when Serve returns; whatever it returns is fine, as long
		// as it returns
		served := make(chan struct{})
		go func() {
			defer close(served)
			_ = spacer.Serve(service, spacer.WithIdleTimeout(fuzzTimeout))
		}()
		answered := make(chan error, 1)
		go func() { answered <- wiretest.Responses(client, fuzzTimeout) }()

		for i, chunk := range chunks {
			var oob []byte
			if len(fds) > 0 && i == int(fdChunk)%len(chunks) {
				oob = unix.UnixRights(fds...)
			}
			_ = client.SetWriteDeadline(time.Now().Add(fuzzTimeout))
			if _, _, err := client.WriteMsgUnix(chunk, oob, nil); err != nil {
				break // Serve gave up on the connection and closed it
			}
			// Each recvmsg of Serve's gets one chunk (or part of it), not
			// whatever the scheduler let pile up: the input decides.
			if !wiretest.Drained(t, service, served, fuzzTimeout) {
				break
			}
		}
		_ = client.CloseWrite() // EOF after the last chunk
		select {
		case <-served:
		case <-time.After(fuzzTimeout):
			t.Fatalf("Serve still running %v after the client stopped sending", fuzzTimeout)
		}
		select {
		case err := <-answered:
			if err != nil {
				t.Errorf("receiving the service's responses: %v", err)
			}
		case <-time.After(fuzzTimeout):
			t.Fatalf("responses still coming %v after Serve ended", fuzzTimeout)
		}
		client.Close()
		null.Close()
		if lowFd {
			restoreFd0(t, stdin)
		}
		// Sub-services end after their Conn was closed above, and are
		// reaped a moment later: only then does the reaper end.
		checkLeaks()
	})
}

// freeFd0 moves stdin away, so that the next fd anyone opens or receives
// is fd 0, and returns where it went. Only 0: 1 and 2 must stay, to carry
// a crash's report.
func freeFd0(t *testing.T) int {
	saved, err := unix.FcntlInt(0, unix.F_DUPFD_CLOEXEC, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Close(0); err != nil {
		t.Fatal(err)
	}
	return saved
}

// restoreFd0 puts stdin back, after checking nobody left an fd at 0. The
// service may hold one there a moment longer: its reaper's epoll fd, made
// while fd 0 was free, lives until the last sub-service is reaped.
func restoreFd0(t *testing.T, saved int) {
	for deadline := time.Now().Add(fuzzTimeout); ; time.Sleep(time.Millisecond) {
		if _, err := unix.FcntlInt(0, unix.F_GETFD, 0); err != nil {
			break // free
		}
		if time.Now().After(deadline) {
			what, _ := os.Readlink("/proc/self/fd/0")
			unix.Close(0)
			t.Errorf("fd 0 left open %v after the connection ended, while it was free: %s", fuzzTimeout, what)
			break
		}
	}
	if err := unix.Dup3(saved, 0, 0); err != nil {
		t.Fatal(err)
	}
	unix.Close(saved)
}
