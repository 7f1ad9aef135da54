package fakespacer_test

import (
	"bytes"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/fakes/fakespacer"
	"github.com/wirecert/wirecert/internal/fuzzcheck"
	"github.com/wirecert/wirecert/reference/spacer/api"
	"github.com/wirecert/wirecert/reference/spacer/wire/wiretest"
)

const (
	// fuzzMaxChunks bounds the sendmsgs of one input.
	fuzzMaxChunks = 8
	// fuzzMaxFds is the most fds one sendmsg may carry (the kernel's
	// SCM_MAX_FD), far above the fake's ancillary room for 16.
	fuzzMaxFds = fakespacer.ScmMaxFd
	// fuzzTimeout bounds every wait of one input: Serve's ending, a
	// response, the leak checks.
	fuzzTimeout = 10 * time.Second
	// fuzzIdleTimeout is the fake's wait for a request, well past
	// fuzzTimeout: a fake that missed the client's EOF and ends only by
	// its idle timeout fails the input instead of passing on time.
	fuzzIdleTimeout = 6 * fuzzTimeout
)

// The ways of serving one input may choose, by the bits of its mode.
const (
	// fuzzVariant serves as the Allowances variant, which closes where
	// the unbroken fake goes on.
	fuzzVariant = 0b001
	// fuzzBackend, both bits set, takes namespaces and sub-services from
	// the in-process reference service (real work, as root) instead of
	// the fake's own: two bits, so that only a quarter of the inputs pay
	// for it, as the request decoding is the same either way.
	fuzzBackend = 0b110
)

// FuzzFakeServiceRequests feeds one connection of a fake service (no
// break; the unbroken fake or the Allowances variant, with its own
// namespaces or the in-process reference's) what a hostile client may
// send: up to 8 sendmsgs (whole, cut or glued gob messages, garbage), those
// chosen by fdChunks with up to 253 fds each (/dev/null and pipe ends; above
// 16 the fake sees MSG_CTRUNC), then EOF. Serve must not panic, must end
// once the client stopped sending, must close every fd it received and
// leave no goroutine; what it answers must decode as spacer responses
// until it closes the connection.
func FuzzFakeServiceRequests(f *testing.F) {
	// Race-enabled sub-services (this binary re-executed) would otherwise
	// linger a second on exit, waiting for late race reports.
	if os.Getenv("GORACE") == "" {
		f.Setenv("GORACE", "atexit_sleep_ms=0")
	}
	session := wiretest.Messages(f,
		&api.RoomsRequest{Spaces: unix.CLONE_NEWNET | unix.CLONE_NEWUTS},
		&api.SubspaceRequest{Spaces: unix.CLONE_NEWUSER},
		&api.RoomsRequest{Spaces: 0},
		&api.RoomsRequest{Spaces: unix.CLONE_NEWUSER},
		&api.SubspaceRequest{Spaces: 1 << 40},
	)
	first := session[0]
	pair := wiretest.Messages(f,
		&api.RoomsRequest{Spaces: unix.CLONE_NEWIPC},
		&api.SubspaceRequest{Spaces: unix.CLONE_NEWPID},
	)
	unknown := bytes.Clone(first)
	if i := bytes.Index(unknown, []byte("*api.RoomsRequest")); i >= 0 {
		copy(unknown[i:], "*api.RoomyRequest") // same length, no such type
	}
	// RawClient's encoders need no connection: only its gob stream.
	raw := fakespacer.NewRawClient(nil, 0, 0)
	mismatch, err := raw.EncodeMismatch()
	if err != nil {
		f.Fatal(err)
	}
	noTypes, err := fakespacer.EncodeWithoutTypeDefs(&api.RoomsRequest{Spaces: unix.CLONE_NEWUTS})
	if err != nil {
		f.Fatal(err)
	}
	httpLine := []byte("GET /spacer HTTP/1.1\r\nHost: localhost\r\n\r\n")

	for _, mode := range []uint8{0, fuzzVariant} {
		f.Add(wiretest.Seed(session...), uint8(0), uint8(0), mode)                                 // one request per sendmsg
		f.Add(wiretest.Seed(bytes.Join(pair, nil)), uint8(0), uint8(0), mode)                      // two glued in one write
		f.Add(wiretest.Seed(first[:len(first)/2]), uint8(0), uint8(0), mode)                       // half a request
		f.Add(wiretest.Seed(first[:len(first)/2], first[len(first)/2:]), uint8(0), uint8(0), mode) // both halves
		f.Add(wiretest.Seed(fakespacer.Garbage(), session[0]), uint8(0), uint8(0), mode)
		f.Add(wiretest.Seed([]byte{0xff, 0xff, 0x01, 0x02, 0x00, 0x7f}), uint8(3), uint8(1), mode)
		f.Add(wiretest.Seed(httpLine), uint8(0), uint8(0), mode)
		f.Add(wiretest.Seed(session...), uint8(2), uint8(1), mode)     // fds with the first request
		f.Add(wiretest.Seed(session...), uint8(3), uint8(0b110), mode) // fds with two others
		f.Add(wiretest.Seed(session...), uint8(17), uint8(1), mode)    // one above the fake's room: MSG_CTRUNC
		f.Add(wiretest.Seed(session...), uint8(fuzzMaxFds), uint8(0xff), mode)
		f.Add(wiretest.Seed(unknown, session[1]), uint8(0), uint8(0), mode)
		f.Add(wiretest.Seed(mismatch, session[2]), uint8(0), uint8(0), mode)
		f.Add(wiretest.Seed(noTypes), uint8(0), uint8(0), mode)
		f.Add(wiretest.Seed(append(bytes.Clone(first), make([]byte, fakespacer.MaxMessageSize)...)), uint8(0), uint8(0), mode) // oversize
		f.Add(wiretest.Seed(append(bytes.Join(pair, nil), 0x05, 0x01)), uint8(0), uint8(0), mode)                              // whole ones, then a cut one
	}
	// the reference as backend: real namespaces and a real sub-service
	f.Add(wiretest.Seed(session...), uint8(1), uint8(1), uint8(fuzzBackend))
	f.Add(wiretest.Seed(bytes.Join(pair, nil)), uint8(0), uint8(0), uint8(fuzzBackend|fuzzVariant))

	f.Fuzz(func(t *testing.T, data []byte, nfds, fdChunks, mode uint8) {
		chunks := wiretest.Chunks(data, fuzzMaxChunks)
		if len(chunks) == 0 {
			return // nothing to send
		}
		checkLeaks := fuzzcheck.NoLeaks(t, fuzzTimeout)

		service, client := wiretest.Socketpair(t)
		fds, closeFds := fuzzFds(t, int(nfds)%(fuzzMaxFds+1))
		cfg := fakespacer.Config{OwnNamespaces: mode&fuzzBackend != fuzzBackend, IdleTimeout: fuzzIdleTimeout}
		if mode&fuzzVariant != 0 {
			cfg.Variant = fakespacer.Allowances
		}

		// closed when Serve returns; whatever it returns is fine, as long
		// as it returns (a panic fails the input by itself)
		served := make(chan struct{})
		go func() {
			defer close(served)
			_ = fakespacer.Serve(service, cfg)
		}()
		answered := make(chan error, 1)
		go func() { answered <- wiretest.Responses(client, fuzzTimeout) }()

		for i, chunk := range chunks {
			var oob []byte
			if len(fds) > 0 && fdChunks&(1<<i) != 0 {
				oob = unix.UnixRights(fds...)
			}
			_ = client.SetWriteDeadline(time.Now().Add(fuzzTimeout))
			if _, _, err := client.WriteMsgUnix(chunk, oob, nil); err != nil {
				break // the fake gave up on the connection and closed it
			}
			// Each recvmsg of the fake's gets one chunk (or part of it),
			// not whatever the scheduler let pile up: the input decides.
			if !wiretest.Drained(t, service, served, fuzzTimeout) {
				break
			}
		}
		_ = client.CloseWrite() // EOF after the last chunk
		closeFds()              // ours; what the fake got are copies
		select {
		case <-served:
		case <-time.After(fuzzTimeout):
			client.Close()
			t.Errorf("Serve still running %v after the client stopped sending", fuzzTimeout)
			return // the leak checks would only repeat it
		}
		select {
		case err := <-answered:
			if err != nil {
				t.Errorf("receiving the fake's responses: %v", err)
			}
		case <-time.After(fuzzTimeout):
			t.Errorf("responses still coming %v after Serve ended", fuzzTimeout)
		}
		client.Close()
		// A sub-service of the backend ends once its Conn was closed (by
		// wiretest.Responses) and is reaped a moment later: only then does its
		// reaper goroutine end.
		checkLeaks()
	})
}

// fuzzFds returns n fds to attach, /dev/null and both ends of a pipe by
// turns (kinds a request has no business carrying), and a func closing
// them.
func fuzzFds(t *testing.T, n int) ([]int, func()) {
	if n == 0 {
		return nil, func() {}
	}
	null, err := unix.Open(os.DevNull, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		unix.Close(null)
		t.Fatal(err)
	}
	kinds := []int{null, p[0], p[1]}
	fds := make([]int, n)
	for i := range fds {
		fds[i] = kinds[i%len(kinds)]
	}
	return fds, func() {
		for _, fd := range kinds {
			unix.Close(fd)
		}
	}
}
