package fakespacer

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"time"

	"github.com/wirecert/wirecert/fakes/wiretap"
	"github.com/wirecert/wirecert/reference/spacer"
	"github.com/wirecert/wirecert/reference/spacer/api"
	"github.com/wirecert/wirecert/reference/spacer/wire"
	"golang.org/x/sys/unix"
)

// DefaultIdleTimeout bounds the fake's wait for the next request.
const DefaultIdleTimeout = 2 * time.Minute

// Config configures a fake service.
type Config struct {
	// Break is the one departure from the protocol (None if empty).
	Break Break
	// Variant, when set, makes the choices the protocol leaves open
	// otherwise than the reference (see Variants); it takes no Break.
	Variant Variant
	// OwnNamespaces answers RoomsRequests with the fake's own namespaces
	// (needs no privileges) instead of new ones from an in-process
	// reference service; SubspaceRequests then get a stand-in for a
	// sub-service (ownSubspace).
	OwnNamespaces bool
	// Reason, when set, is the Reason of every ErrorResponse for invalid
	// Spaces.
	Reason string
	// IdleTimeout bounds the wait for each request and each send
	// (DefaultIdleTimeout).
	IdleTimeout time.Duration
	// OnRequest, when set, sees every recvmsg's worth of request.
	OnRequest func(RequestArrival)
	// OnSend, when set, sees the fds of every sendmsg just before they go
	// out (the fake closes its copies after): a leak check can then look
	// for exactly what the fake sent.
	OnSend func(fds []int)
}

// RequestArrival is what one recvmsg brought a fake service.
type RequestArrival struct {
	// Bytes is the recvmsg's size; Leftover what remained of it after
	// decoding the request: more than one message in one sendmsg.
	Bytes, Leftover int
	// Framed is false when the data were not whole gob messages.
	Framed bool
	// Fds is the number of fds that came along (the fake closes them).
	Fds int
	// Request is the first request decoded from it, if any.
	Request api.Request
	// Err is the error decoding it, if any.
	Err error
}

// Serve runs a fake service on conn until the client disconnects (or the
// idle timeout passes), then closes conn. A CrashOnGarbage fake panics.
func Serve(conn *net.UnixConn, cfg Config) error {
	if cfg.Break == "" {
		cfg.Break = None
	}
	if _, err := LookupBreak(string(cfg.Break)); err != nil {
		conn.Close()
		return err
	}
	// one byte more than a message may have, to see an oversize one; a
	// variant reads exactly as much as a message may have
	bufSize := MaxMessageSize + 1
	if cfg.Variant != NoVariant {
		if _, err := LookupVariant(string(cfg.Variant)); err != nil {
			conn.Close()
			return err
		}
		if cfg.Break != None {
			conn.Close()
			return fmt.Errorf("%w: --break %s and --variant %s, allowed one of them", ErrBreakAndVariant, cfg.Break, cfg.Variant)
		}
		bufSize = MaxMessageSize
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	s := &service{cfg: cfg, uc: conn, tap: wiretap.Open("spacer conn", wiretap.Spacer), buf: make([]byte, bufSize), oob: oobRoom(16)}
	s.enc = gob.NewEncoder(&s.encBuf)
	s.dec = gob.NewDecoder(&s.pending)
	defer s.close()
	if !cfg.OwnNamespaces {
		if err := s.startBackend(); err != nil {
			return err
		}
	}
	return s.serve()
}

type service struct {
	cfg Config
	uc  *net.UnixConn
	tap *wiretap.Channel // nil when nothing records

	encBuf bytes.Buffer
	enc    *gob.Encoder

	pending bytes.Buffer
	dec     *gob.Decoder
	buf     []byte
	oob     []byte
	// tail is how many bytes of the last recvmsg followed its whole
	// messages (a variant decodes these first); answered is how many
	// requests of the last recvmsg were answered.
	tail, answered int

	backend     *spacer.Client
	backendDone chan error

	kept []int // KeepFds, KeepRequestFds and LeakFd hold these until the end
}

// startBackend runs a reference service in-process, over a socketpair,
// for the namespaces and sub-services the fake hands out.
func (s *service) startBackend() error {
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("backend socketpair: %w", err)
	}
	ours, err := fdConn(pair[0])
	if err != nil {
		unix.Close(pair[1])
		return err
	}
	theirs, err := fdConn(pair[1])
	if err != nil {
		ours.Close()
		return err
	}
	s.backendDone = make(chan error, 1)
	go func() { s.backendDone <- spacer.Serve(theirs, spacer.WithIdleTimeout(s.cfg.IdleTimeout)) }()
	s.backend = spacer.NewClient(ours, spacer.WithTimeout(s.cfg.IdleTimeout))
	return nil
}

func (s *service) close() {
	if s.uc.Close() == nil {
		s.tap.Closed(wiretap.Sent, "closed (the fake service closed)")
	}
	if s.backend != nil {
		s.backend.Close()
		select {
		case <-s.backendDone:
		case <-time.After(s.cfg.IdleTimeout):
		}
	}
	closeFds(s.kept)
	s.kept = nil
}

func (s *service) serve() error {
	if s.cfg.Variant != NoVariant {
		return s.serveVariant()
	}
	for {
		req, err := s.receive()
		switch {
		case err == nil:
		case Closed(err):
			if s.cfg.Break == Linger {
				time.Sleep(s.cfg.IdleTimeout)
			}
			return nil
		case errors.Is(err, errUndecodable):
			if s.cfg.Break == CrashOnGarbage {
				panic(fmt.Sprintf("fakespacer: %v", err))
			}
			if s.cfg.Break == CloseOnUnknown {
				return nil
			}
			if err := s.send([]api.Response{&api.ErrorResponse{Reason: err.Error()}}, nil); err != nil {
				return err
			}
			s.afterAnswer()
			continue
		default:
			if s.cfg.Break == CrashOnGarbage {
				panic(fmt.Sprintf("fakespacer: %v", err))
			}
			return err
		}
		if s.cfg.Break == LeakFd {
			if fd, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0); err == nil {
				s.kept = append(s.kept, fd)
			}
		}
		resps, fds := s.answer(req)
		if err := s.send(resps, fds); err != nil {
			if Closed(err) {
				return nil
			}
			return err
		}
		s.afterAnswer()
	}
}

// afterAnswer counts an answer to the last recvmsg's requests. A
// DropPipelined fake then waits until the client has read the answer, so
// that whatever the client sent before reading it comes in the next
// recvmsg, of which receive keeps only the first request.
func (s *service) afterAnswer() {
	s.answered++
	if s.cfg.Break == DropPipelined {
		// a client that never reads is no matter of this break: the
		// next receive then just comes later
		_ = awaitPeerRead(s.uc, s.cfg.IdleTimeout)
	}
}

// errUndecodable marks a whole message gob could not decode: the stream
// is still in step. errBytesPastEnd marks the bytes that followed the
// whole messages of a recvmsg, which only a variant decodes.
var (
	errUndecodable  = errors.New("undecodable request")
	errBytesPastEnd = errors.New("bytes past the end of a message")
)

// receive decodes the next request, from leftovers or one recvmsg.
func (s *service) receive() (api.Request, error) {
	arr := RequestArrival{Framed: true}
	if s.pending.Len() == 0 {
		if s.tail > 0 {
			n := s.tail
			s.tail = 0
			return nil, fmt.Errorf("request: %w: %d bytes after the last whole message of a recvmsg", errBytesPastEnd, n)
		}
		a, err := recvmsg(s.uc, s.tap, s.cfg.IdleTimeout, s.buf, s.oob)
		if s.cfg.Break == KeepRequestFds {
			s.kept = append(s.kept, a.fds...)
		} else {
			closeFds(a.fds) // requests carry none
		}
		if err != nil {
			return nil, err
		}
		s.answered = 0
		arr.Bytes, arr.Fds = len(a.data), len(a.fds)
		data := a.data
		if whole := gobPrefix(data); s.cfg.Variant != NoVariant && whole > 0 {
			// a variant answers the whole messages before it refuses
			// what follows them
			data, s.tail = data[:whole], len(data)-whole
		}
		arr.Framed = wire.GobFramed(data)
		if !arr.Framed || len(data) > MaxMessageSize || a.flags&unix.MSG_CTRUNC != 0 {
			arr.Err = fmt.Errorf("request: %w: %d bytes, flags %#x", ErrNotGobFramed, len(a.data), a.flags)
			s.observe(arr)
			return nil, arr.Err
		}
		wire.FromWire(data)
		s.pending.Write(data)
	}
	var req api.Request
	err := s.dec.Decode(&req)
	switch {
	case err == nil && req == nil:
		err = fmt.Errorf("%w: request is nil, allowed a registered api.Request", errUndecodable)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		err = fmt.Errorf("request cut short: %w", io.ErrUnexpectedEOF)
	case err != nil:
		// the rest of this recvmsg belongs to the failed message
		s.pending.Reset()
		err = fmt.Errorf("%w: %w", errUndecodable, err)
	}
	arr.Request, arr.Err, arr.Leftover = req, err, s.pending.Len()
	s.observe(arr)
	if s.cfg.Break == DropPipelined {
		// one request per recvmsg, as the real spacer decodes
		s.pending.Reset()
	}
	return req, err
}

func (s *service) observe(a RequestArrival) {
	if s.cfg.OnRequest != nil {
		s.cfg.OnRequest(a)
	}
}

// send encodes resps into one sendmsg with fds, then closes the fds
// (unless KeepFds).
func (s *service) send(resps []api.Response, fds []int) error {
	if s.cfg.Break == FdsOnError {
		if _, ok := resps[0].(*api.ErrorResponse); ok {
			fds = append(fds, s.openOwn(unix.CLONE_NEWNET), s.pipeEnd())
		}
	}
	if s.cfg.Break == KeepFds {
		// namespace fds only: a kept Conn would keep its sub-service alive
		for _, fd := range fds {
			if _, err := api.NamespaceType(fd); err == nil {
				if dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 3); err == nil {
					s.kept = append(s.kept, dup)
				}
			}
		}
	}
	defer closeFds(fds)
	s.encBuf.Reset()
	for _, resp := range resps {
		if err := s.enc.Encode(&resp); err != nil {
			return fmt.Errorf("encoding %T: %w", resp, err)
		}
	}
	sent := validFds(fds)
	if s.cfg.OnSend != nil && len(sent) > 0 {
		s.cfg.OnSend(sent)
	}
	return sendmsg(s.uc, s.tap, s.cfg.IdleTimeout, wire.ToWire(s.encBuf.Bytes()), sent)
}

func validFds(fds []int) []int {
	var valid []int
	for _, fd := range fds {
		if fd > 0 {
			valid = append(valid, fd)
		}
	}
	return valid
}

// answer returns the responses to req (one, unless Coalesce) with their
// fds in wire order; the fds are the caller's.
func (s *service) answer(req api.Request) ([]api.Response, []int) {
	switch req := req.(type) {
	case *api.RoomsRequest:
		return s.rooms(req.Spaces)
	case *api.SubspaceRequest:
		return s.subspace(req.Spaces)
	}
	return []api.Response{&api.ErrorResponse{Reason: fmt.Sprintf("unknown request: %T, allowed *api.RoomsRequest or *api.SubspaceRequest", req)}}, nil
}

// invalid returns the ErrorResponse for Spaces outside allowed, or nil.
func (s *service) invalid(spaces, allowed uint64) *api.ErrorResponse {
	reason, bare := "", ""
	switch {
	case spaces == 0:
		bare = spacer.ReasonNoSpace
		reason = fmt.Sprintf("%s: Spaces is 0, allowed a non-empty subset of %s", bare, api.SpacesString(allowed))
	case spaces&^allowed != 0:
		bare = spacer.ReasonOutOfSpace
		reason = fmt.Sprintf("%s: Spaces is %#x, allowed a non-empty subset of %s", bare, spaces, api.SpacesString(allowed))
	default:
		return nil
	}
	if s.cfg.Variant != NoVariant {
		reason = bare // the protocol's words, nothing more
	}
	if s.cfg.Reason != "" {
		reason = s.cfg.Reason
	}
	return &api.ErrorResponse{Reason: reason}
}

func (s *service) rooms(spaces uint64) ([]api.Response, []int) {
	if errResp := s.invalid(spaces, api.RoomsSpaces); errResp != nil {
		if s.cfg.Break == LaxSpaces {
			return []api.Response{&api.RoomsResponse{}}, nil
		}
		return []api.Response{errResp}, nil
	}
	resp, err := s.newRooms(spaces)
	if err != nil {
		return []api.Response{&api.ErrorResponse{Reason: err.Error()}}, nil
	}
	s.breakRooms(resp, spaces)
	numbers := *resp
	fds := resp.EncodeFds()
	if s.cfg.Break == FdsInBody {
		*resp = numbers // the numbers go into the body too
	}
	if s.cfg.Variant != NoVariant {
		// the receiver sorts them by type, whatever their order
		slices.Reverse(fds)
	}
	switch s.cfg.Break {
	case ExtraFd:
		fds = append(fds, s.pipeEnd())
	case TooManyFds:
		for len(fds) < ScmMaxFd {
			fds = append(fds, s.openNull())
		}
	case Coalesce:
		second, err := s.ownRooms(spaces)
		if err == nil {
			return []api.Response{resp, second}, append(fds, second.EncodeFds()...)
		}
	}
	return []api.Response{resp}, fds
}

// newRooms returns namespaces of the types in spaces: new ones from the
// backend, or the fake's own.
func (s *service) newRooms(spaces uint64) (*api.RoomsResponse, error) {
	if spaces == 0 {
		return &api.RoomsResponse{}, nil
	}
	switch s.cfg.Break {
	case CallerNamespaces:
		pid, err := peerPid(s.uc)
		if err != nil {
			return nil, err
		}
		return s.procRooms(pid, spaces), nil
	case InitNamespaces:
		return s.procRooms(1, spaces), nil
	}
	if s.cfg.OwnNamespaces {
		return s.ownRooms(spaces)
	}
	if s.cfg.Break == ForeignOwner {
		return s.foreignRooms(spaces)
	}
	return s.backend.Rooms(spaces)
}

// foreignRooms gets new namespaces from a sub-service in a new user
// namespace: they are owned by that, not by the fake's user namespace.
func (s *service) foreignRooms(spaces uint64) (*api.RoomsResponse, error) {
	sub, err := s.backend.Subspace(unix.CLONE_NEWUSER)
	if err != nil {
		return nil, err
	}
	defer sub.Close()
	client, err := spacer.NewClientFromFd(sub.Conn, spacer.WithTimeout(s.cfg.IdleTimeout))
	sub.Conn = 0
	if err != nil {
		return nil, err
	}
	defer client.Close()
	return client.Rooms(spaces)
}

func (s *service) ownRooms(spaces uint64) (*api.RoomsResponse, error) {
	resp := &api.RoomsResponse{}
	for _, room := range roomsFields(resp) {
		if spaces&room.flag != 0 {
			*room.field = s.openOwn(room.flag)
		}
	}
	return resp, nil
}

// procRooms returns process pid's namespaces of the types in spaces (-1
// for one it cannot open, which validFds drops).
func (s *service) procRooms(pid int, spaces uint64) *api.RoomsResponse {
	resp := &api.RoomsResponse{}
	for _, room := range roomsFields(resp) {
		if spaces&room.flag != 0 {
			*room.field = openNamespace(fmt.Sprintf("/proc/%d/ns/%s", pid, api.NamespaceTypeName(room.flag)))
		}
	}
	return resp
}

// peerPid returns the PID of the process at the other end of uc as the
// kernel recorded it (SO_PEERCRED): for a socketpair, its creator.
func peerPid(uc *net.UnixConn) (int, error) {
	raw, err := uc.SyscallConn()
	if err != nil {
		return 0, err
	}
	var cred *unix.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) { cred, credErr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED) }); err != nil {
		return 0, err
	}
	if credErr != nil {
		return 0, fmt.Errorf("getsockopt(SO_PEERCRED): %w", credErr)
	}
	return int(cred.Pid), nil
}

type roomField struct {
	flag  uint64
	field *int
}

func roomsFields(resp *api.RoomsResponse) []roomField {
	return []roomField{
		{unix.CLONE_NEWCGROUP, &resp.Cgroup},
		{unix.CLONE_NEWIPC, &resp.IPC},
		{unix.CLONE_NEWNS, &resp.Mnt},
		{unix.CLONE_NEWNET, &resp.Net},
		{unix.CLONE_NEWTIME, &resp.Time},
		{unix.CLONE_NEWUTS, &resp.UTS},
	}
}

// breakRooms applies the breaks that swap a namespace fd for another.
func (s *service) breakRooms(resp *api.RoomsResponse, spaces uint64) {
	if s.cfg.Break == OldTime && resp.Time > 0 {
		unix.Close(resp.Time)
		resp.Time = s.openOwn(unix.CLONE_NEWTIME)
		return
	}
	for _, room := range roomsFields(resp) {
		if *room.field <= 0 {
			continue
		}
		var replacement int
		switch s.cfg.Break {
		case WrongType:
			other := uint64(unix.CLONE_NEWNET)
			if room.flag == unix.CLONE_NEWNET {
				other = unix.CLONE_NEWUTS
			}
			replacement = s.openOwn(other)
		case FileForNamespace:
			replacement = s.openExe()
		case SocketForNamespace:
			replacement = s.socketEnd()
		default:
			return
		}
		unix.Close(*room.field)
		*room.field = replacement
		return // the first requested one only
	}
}

func (s *service) subspace(spaces uint64) ([]api.Response, []int) {
	if errResp := s.invalid(spaces, api.SubspaceSpaces); errResp != nil {
		if s.cfg.Break == LaxSpaces {
			return []api.Response{&api.SubspaceResponse{}}, nil
		}
		return []api.Response{errResp}, nil
	}
	var sub *api.SubspaceResponse
	if s.cfg.OwnNamespaces {
		sub = s.ownSubspace(spaces)
	} else {
		var err error
		if sub, err = s.backend.Subspace(spaces); err != nil {
			return []api.Response{&api.ErrorResponse{Reason: err.Error()}}, nil
		}
	}
	if s.cfg.Variant != NoVariant {
		sub.PIDFd = nonblockingPidfd(sub.PIDFd)
	}
	switch s.cfg.Break {
	case SubspaceFdOrder:
		sub.Conn, sub.PIDFd = sub.PIDFd, sub.Conn
	case PidfdOfSelf:
		unix.Close(sub.PIDFd)
		if fd, err := unix.PidfdOpen(os.Getpid(), 0); err == nil {
			sub.PIDFd = fd
		} else {
			sub.PIDFd = 0
		}
	}
	numbers := *sub
	fds := sub.EncodeFds()
	switch s.cfg.Break {
	case FdsInBody:
		*sub = numbers
	case SubspaceTooFew:
		if len(fds) > 0 {
			unix.Close(fds[len(fds)-1])
			fds = fds[:len(fds)-1]
		}
	case SubspaceTooMany:
		extra := uint64(unix.CLONE_NEWUSER)
		if spaces == unix.CLONE_NEWUSER {
			extra = unix.CLONE_NEWPID
		}
		fds = append(fds, s.openOwn(extra))
	}
	return []api.Response{sub}, fds
}

// ownSubspace stands in for a sub-service where the fake has no backend
// (client specs, no privileges): Conn a socket whose other end is closed,
// PIDFd the fake's own pidfd, and the fake's own user and PID namespaces.
// A client places them as it would a sub-service's.
func (s *service) ownSubspace(spaces uint64) *api.SubspaceResponse {
	sub := &api.SubspaceResponse{Conn: s.socketEnd(), PIDFd: -1}
	if fd, err := unix.PidfdOpen(os.Getpid(), 0); err == nil {
		sub.PIDFd = fd
	}
	if spaces&unix.CLONE_NEWUSER != 0 {
		sub.User = s.openOwn(unix.CLONE_NEWUSER)
	}
	if spaces&unix.CLONE_NEWPID != 0 {
		sub.PID = s.openOwn(unix.CLONE_NEWPID)
	}
	return sub
}

// openOwn opens the fake's own namespace of type flag (-1 on failure, which
// validFds drops).
func (s *service) openOwn(flag uint64) int {
	return openNamespace("/proc/self/ns/" + api.NamespaceTypeName(flag))
}

// openNamespace opens a namespace by its /proc path, -1 on failure.
func openNamespace(path string) int {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1
	}
	return fd
}

func (s *service) openNull() int {
	fd, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1
	}
	return fd
}

// openExe opens a regular file: the fake's own executable.
func (s *service) openExe() int {
	fd, err := unix.Open("/proc/self/exe", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1
	}
	return fd
}

// pipeEnd returns the read end of a pipe whose write end is closed.
func (s *service) pipeEnd() int {
	var p [2]int
	if unix.Pipe2(p[:], unix.O_CLOEXEC) != nil {
		return -1
	}
	unix.Close(p[1])
	return p[0]
}

// socketEnd returns one end of a socketpair whose other end is closed.
func (s *service) socketEnd() int {
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1
	}
	unix.Close(pair[1])
	return pair[0]
}

// fdConn turns a connected unix socket fd into a *net.UnixConn, taking
// ownership of fd.
func fdConn(fd int) (*net.UnixConn, error) {
	f := os.NewFile(uintptr(fd), "spacer socket")
	defer f.Close()
	conn, err := net.FileConn(f)
	if err != nil {
		return nil, fmt.Errorf("fd %d: %w", fd, err)
	}
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		conn.Close()
		return nil, fmt.Errorf("fd %d: is a %T, allowed a connected unix socket", fd, conn)
	}
	return uc, nil
}
