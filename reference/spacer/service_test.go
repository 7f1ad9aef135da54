package spacer_test

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
	"github.com/thediveo/fdooze"
	. "github.com/thediveo/success"
	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/matchers"
	"github.com/wirecert/wirecert/reference/spacer"
	"github.com/wirecert/wirecert/reference/spacer/api"
	"github.com/wirecert/wirecert/reference/spacer/wire"
)

// target is one way of running the service under test.
type target struct {
	name string
	// start returns a client, the service's PID and a function that stops
	// the service and returns how it ended.
	start func() (client *spacer.Client, pid int, stop func() error)
}

var targets = []target{
	{"in-process Serve", func() (*spacer.Client, int, func() error) {
		pair := Successful(unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0))
		service := unixConn(pair[0])
		done := make(chan error, 1)
		go func() { done <- spacer.Serve(service) }()
		client := spacer.NewClient(unixConn(pair[1]))
		return client, os.Getpid(), func() error {
			client.Close()
			var err error
			Eventually(done).Should(Receive(&err), "Serve ends when the client disconnects")
			return err
		}
	}},
	{"transient test binary", func() (*spacer.Client, int, func() error) {
		t := Successful(spacer.NewTransient())
		return t.Client, t.Pid(), t.Stop
	}},
	{"transient cmd/spacer", func() (*spacer.Client, int, func() error) {
		t := Successful(spacer.NewTransient(spacer.WithServiceBinary(serviceBinary)))
		return t.Client, t.Pid(), t.Stop
	}},
}

func unixConn(fd int) *net.UnixConn {
	f := os.NewFile(uintptr(fd), "socket")
	defer f.Close()
	return Successful(net.FileConn(f)).(*net.UnixConn)
}

var rooms = []struct {
	flag  uint64
	field func(*api.RoomsResponse) int
}{
	{unix.CLONE_NEWCGROUP, func(r *api.RoomsResponse) int { return r.Cgroup }},
	{unix.CLONE_NEWIPC, func(r *api.RoomsResponse) int { return r.IPC }},
	{unix.CLONE_NEWNS, func(r *api.RoomsResponse) int { return r.Mnt }},
	{unix.CLONE_NEWNET, func(r *api.RoomsResponse) int { return r.Net }},
	{unix.CLONE_NEWTIME, func(r *api.RoomsResponse) int { return r.Time }},
	{unix.CLONE_NEWUTS, func(r *api.RoomsResponse) int { return r.UTS }},
}

// expectRooms checks that resp holds exactly the requested namespaces, each
// new compared to the namespaces of process pid.
func expectRooms(resp *api.RoomsResponse, spaces uint64, pid int) {
	GinkgoHelper()
	for _, room := range rooms {
		fd := room.field(resp)
		name := api.NamespaceTypeName(room.flag)
		if spaces&room.flag == 0 {
			Expect(fd).To(BeZero(), "unrequested %s", name)
			continue
		}
		Expect(fd).To(matchers.BeNamespaceFd(room.flag), name)
		Expect(fd).To(matchers.BeNewNamespace(fmt.Sprintf("/proc/%d/ns/%s", pid, name)), name)
		// owned by the service's user namespace (SPC-S-01)
		owner := Successful(unix.IoctlRetInt(fd, unix.NS_GET_USERNS))
		Expect(owner).NotTo(matchers.BeNewNamespace(fmt.Sprintf("/proc/%d/ns/user", pid)), name+" owner")
		unix.Close(owner)
	}
}

// procfsPid tells the PID of the process behind pidfd, from its fdinfo.
func procfsPid(pidfd int) int {
	GinkgoHelper()
	info := string(Successful(os.ReadFile(fmt.Sprintf("/proc/self/fdinfo/%d", pidfd))))
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(line, "Pid:"); ok {
			return Successful(strconv.Atoi(strings.TrimSpace(v)))
		}
	}
	Fail("no Pid in pidfd fdinfo")
	return 0
}

// rawSender sends gob messages with its own encoder on a client's socket,
// bypassing the client's (the two must not be mixed on one connection).
type rawSender struct {
	uc  *net.UnixConn
	buf bytes.Buffer
	enc *gob.Encoder
}

func newRawSender(uc *net.UnixConn) *rawSender {
	s := &rawSender{uc: uc}
	s.enc = gob.NewEncoder(&s.buf)
	return s
}

// encode returns one message's bytes for req.
func (s *rawSender) encode(req api.Request) []byte {
	GinkgoHelper()
	s.buf.Reset()
	Expect(s.enc.Encode(&req)).To(Succeed())
	return bytes.Clone(wire.ToWire(s.buf.Bytes()))
}

func (s *rawSender) send(b []byte, fds ...int) {
	GinkgoHelper()
	var oob []byte
	if len(fds) > 0 {
		oob = unix.UnixRights(fds...)
	}
	n, _, err := s.uc.WriteMsgUnix(b, oob, nil)
	Expect(err).NotTo(HaveOccurred())
	Expect(n).To(Equal(len(b)))
}

// expectClosed checks that the service closed the connection.
func expectClosed(uc *net.UnixConn) {
	GinkgoHelper()
	Expect(uc.SetReadDeadline(time.Now().Add(10 * time.Second))).To(Succeed())
	buf := make([]byte, wire.MaxMessageSize+1)
	n, err := uc.Read(buf)
	Expect(n).To(BeZero())
	Expect(err).To(HaveOccurred())
	Expect(errors.Is(err, os.ErrDeadlineExceeded)).To(BeFalse(), "service closed the connection")
}

var _ = Describe("spacer service", func() {

	BeforeEach(func() {
		if os.Geteuid() != 0 {
			Skip("needs root: creates namespaces and sub-services")
		}
		goodfds := fdooze.Filedescriptors()
		goodgos := gleak.Goroutines()
		DeferCleanup(func() {
			Eventually(gleak.Goroutines).ShouldNot(gleak.HaveLeaked(goodgos))
			Eventually(fdooze.Filedescriptors).ShouldNot(fdooze.HaveLeakedFds(goodfds))
		})
	})

	for _, tgt := range targets {
		Context(tgt.name, func() {
			var client *spacer.Client
			var pid int
			// whether the service must end without error: not so after
			// a raw peer broke the protocol
			var cleanExit bool

			BeforeEach(func() {
				var stop func() error
				client, pid, stop = tgt.start()
				cleanExit = true
				DeferCleanup(func() {
					err := stop()
					if cleanExit {
						Expect(err).NotTo(HaveOccurred(), "service ends cleanly on disconnect")
					}
				})
			})

			// snapshotService records the service's fds, after a first
			// request made it open what a serving process always has, and
			// checks after the spec that it holds no more.
			snapshotService := func() {
				if pid == os.Getpid() {
					return // fdooze covers the in-process service
				}
				before := Successful(matchers.ProcessFiledescriptors(pid))
				DeferCleanup(func() { // runs before stop
					if !cleanExit {
						return // the service has ended
					}
					Eventually(pid).ShouldNot(matchers.HaveLeakedProcessFds(before),
						"the service keeps no fds (SPC-S-04, SPC-S-08)")
				})
			}

			Context("with the client", func() {
				BeforeEach(func() {
					Expect(client.Do(&api.RoomsRequest{})).To(api.HaveFailed())
					snapshotService()
				})

				DescribeTable("creates new namespaces of each requested type (SPC-S-01, SPC-S-02)",
					func(spaces uint64) {
						resp := Successful(client.Rooms(spaces))
						defer resp.Close()
						expectRooms(resp, spaces, pid)
					},
					Entry("cgroup", uint64(unix.CLONE_NEWCGROUP)),
					Entry("ipc", uint64(unix.CLONE_NEWIPC)),
					Entry("mnt", uint64(unix.CLONE_NEWNS)),
					Entry("net", uint64(unix.CLONE_NEWNET)),
					Entry("time, a really new one", uint64(unix.CLONE_NEWTIME)),
					Entry("uts", uint64(unix.CLONE_NEWUTS)),
					Entry("net|uts", uint64(unix.CLONE_NEWNET|unix.CLONE_NEWUTS)),
					Entry("all six at once", uint64(api.RoomsSpaces)),
				)

				It("gives different namespaces on every request", func() {
					first := Successful(client.Rooms(api.RoomsSpaces))
					defer first.Close()
					second := Successful(client.Rooms(api.RoomsSpaces))
					defer second.Close()
					for _, room := range rooms {
						Expect(room.field(second)).To(matchers.BeNewNamespace(room.field(first)))
					}
				})

				DescribeTable("rejects invalid Spaces with an ErrorResponse and stays usable (SPC-S-03)",
					func(request api.Request, reason string) {
						Expect(client.Do(request)).To(api.HaveFailedWith(HavePrefix(reason)))
						resp := Successful(client.Rooms(unix.CLONE_NEWNET))
						resp.Close()
					},
					Entry("Rooms none", &api.RoomsRequest{Spaces: 0}, spacer.ReasonNoSpace),
					Entry("Rooms user", &api.RoomsRequest{Spaces: unix.CLONE_NEWUSER}, spacer.ReasonOutOfSpace),
					Entry("Rooms pid", &api.RoomsRequest{Spaces: unix.CLONE_NEWPID}, spacer.ReasonOutOfSpace),
					Entry("Rooms all|user", &api.RoomsRequest{Spaces: api.RoomsSpaces | unix.CLONE_NEWUSER}, spacer.ReasonOutOfSpace),
					Entry("Rooms bit 40", &api.RoomsRequest{Spaces: 1 << 40}, spacer.ReasonOutOfSpace),
					Entry("Subspace none", &api.SubspaceRequest{Spaces: 0}, spacer.ReasonNoSpace),
					Entry("Subspace net", &api.SubspaceRequest{Spaces: unix.CLONE_NEWNET}, spacer.ReasonOutOfSpace),
					Entry("Subspace user|uts", &api.SubspaceRequest{Spaces: unix.CLONE_NEWUSER | unix.CLONE_NEWUTS}, spacer.ReasonOutOfSpace),
				)

				It("surfaces an ErrorResponse as *api.ErrorResponse error (SPC-C-04)", func() {
					_, err := client.Rooms(0)
					var errResp *api.ErrorResponse
					Expect(errors.As(err, &errResp)).To(BeTrue())
					Expect(errResp.Reason).To(HavePrefix(spacer.ReasonNoSpace))
					_, err = client.Subspace(unix.CLONE_NEWNET)
					Expect(errors.As(err, &errResp)).To(BeTrue())
					Expect(errResp.Reason).To(HavePrefix(spacer.ReasonOutOfSpace))
				})

				DescribeTable("starts sub-services in new namespaces, recursively (SPC-S-05)",
					func(spaces uint64) {
						sub := Successful(client.Subspace(spaces))
						defer sub.Close()
						expectSubspace(sub, spaces, fmt.Sprintf("/proc/%d/ns/", pid))
						pidfd := sub.PIDFd

						subclient := Successful(spacer.NewClientFromFd(sub.Conn))
						sub.Conn = 0 // the client owns it now
						defer subclient.Close()

						resp := Successful(subclient.Rooms(api.RoomsSpaces))
						expectRooms(resp, api.RoomsSpaces, procfsPid(pidfd))
						resp.Close()
						Expect(subclient.Do(&api.RoomsRequest{Spaces: unix.CLONE_NEWUSER})).
							To(api.HaveFailedWith(HavePrefix(spacer.ReasonOutOfSpace)))

						By("nesting another sub-service")
						subsub := Successful(subclient.Subspace(spaces))
						defer subsub.Close()
						expectSubspace(subsub, spaces, fmt.Sprintf("/proc/%d/ns/", procfsPid(pidfd)))
						if spaces&unix.CLONE_NEWUSER != 0 {
							Expect(subsub.User).To(matchers.BeChildNamespaceOf(sub.User))
						}
						subsubclient := Successful(spacer.NewClientFromFd(subsub.Conn))
						subsub.Conn = 0
						resp = Successful(subsubclient.Rooms(unix.CLONE_NEWNET | unix.CLONE_NEWTIME))
						expectRooms(resp, unix.CLONE_NEWNET|unix.CLONE_NEWTIME, procfsPid(subsub.PIDFd))
						resp.Close()

						By("closing Conn ends the sub-services")
						Expect(subsub.PIDFd).NotTo(matchers.HaveExited())
						subsubclient.Close()
						Eventually(subsub.PIDFd).Should(matchers.HaveExited())
						Expect(pidfd).NotTo(matchers.HaveExited())
						subclient.Close()
						Eventually(pidfd).Should(matchers.HaveExited())
					},
					Entry("user", uint64(unix.CLONE_NEWUSER)),
					Entry("pid", uint64(unix.CLONE_NEWPID)),
					Entry("user|pid", uint64(unix.CLONE_NEWUSER|unix.CLONE_NEWPID)),
				)

				It("answers an unknown request with an ErrorResponse (SPC-S-06)", func() {
					// registered on this side only: an in-process service knows
					// the type but not the request, a separate one not even the type
					gob.Register(&api.UnhandlebarRequest{})
					Expect(client.Do(&api.UnhandlebarRequest{})).To(api.HaveFailed())
					resp := Successful(client.Rooms(unix.CLONE_NEWUTS))
					resp.Close()
				})

			})

			Context("with a raw peer", func() {
				// its own gob encoder and decoder: a connection must not
				// mix them with the client's
				var raw *rawSender
				var wc *wire.Conn

				BeforeEach(func() {
					raw = newRawSender(client.UnixConn())
					wc = wire.NewConn(client.UnixConn(), 0)
					raw.send(raw.encode(&api.RoomsRequest{}))
					Expect(wc.ReceiveResponse()).To(api.HaveFailed())
					snapshotService()
				})

				It("closes and ignores fds sent along with a request", func() {
					r, w := Successful2R(os.Pipe())
					raw.send(raw.encode(&api.RoomsRequest{Spaces: unix.CLONE_NEWNET}), int(r.Fd()), int(w.Fd()))
					r.Close()
					w.Close()
					Expect(wc.ReceiveResponse()).To(api.HaveFailedWith(ContainSubstring("request fds")))
					raw.send(raw.encode(&api.RoomsRequest{Spaces: unix.CLONE_NEWNET}))
					resp := Successful(wc.ReceiveResponse())
					Expect(resp).To(BeAssignableToTypeOf(&api.RoomsResponse{}))
					resp.(*api.RoomsResponse).Close()
				})

				DescribeTable("closes the connection on a message it cannot resynchronise after (SPC-S-06)",
					func(mangle func([]byte) []byte) {
						cleanExit = false
						raw.send(mangle(raw.encode(&api.RoomsRequest{Spaces: unix.CLONE_NEWNET})))
						expectClosed(client.UnixConn())
					},
					Entry("first half of a message", func(b []byte) []byte { return b[:len(b)/2] }),
					Entry("message above 8192 bytes", func(b []byte) []byte { return append(b, make([]byte, 8192)...) }),
					Entry("garbage count", func([]byte) []byte { return []byte{0xff, 0xff, 0x01, 0x02} }),
				)
			})
		})
	}

	It("ends Serve promptly when the client disconnects (SPC-S-07)", func() {
		pair := Successful(unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0))
		done := make(chan error, 1)
		go func() { done <- spacer.Serve(unixConn(pair[0])) }()
		unix.Close(pair[1])
		Eventually(done).Should(Receive(BeNil()))
	})

	It("reaps a transient service whose client is gone", func() {
		t := Successful(spacer.NewTransient())
		Expect(t.Client.Close()).To(Succeed())
		Eventually(t.Exited()).Should(BeClosed())
		Expect(t.Stop()).To(Succeed())
	})
})

// expectSubspace checks a SubspaceResponse: Conn a socket, PIDFd a pidfd,
// the requested namespaces children of the ones under nsdir, root mapped.
func expectSubspace(sub *api.SubspaceResponse, spaces uint64, nsdir string) {
	GinkgoHelper()
	var st unix.Stat_t
	Expect(unix.Fstat(sub.Conn, &st)).To(Succeed())
	Expect(st.Mode & unix.S_IFMT).To(Equal(uint32(unix.S_IFSOCK)))
	Expect(sub.PIDFd).NotTo(matchers.HaveExited())
	pid := procfsPid(sub.PIDFd)
	for _, ns := range []struct {
		flag uint64
		fd   int
	}{{unix.CLONE_NEWUSER, sub.User}, {unix.CLONE_NEWPID, sub.PID}} {
		name := api.NamespaceTypeName(ns.flag)
		if spaces&ns.flag == 0 {
			Expect(ns.fd).To(BeZero(), name)
			Expect(fmt.Sprintf("/proc/%d/ns/%s", pid, name)).NotTo(matchers.BeNewNamespace(nsdir+name), "sub-service stays in the %s namespace", name)
			continue
		}
		Expect(ns.fd).To(matchers.BeNamespaceFd(ns.flag), name)
		Expect(ns.fd).To(matchers.BeChildNamespaceOf(nsdir+name), name)
		Expect(fmt.Sprintf("/proc/%d/ns/%s", pid, name)).NotTo(matchers.BeNewNamespace(ns.fd), "the sub-service lives in the %s namespace", name)
	}
	if spaces&unix.CLONE_NEWUSER != 0 {
		for _, file := range []string{"uid_map", "gid_map"} {
			Expect(strings.Fields(string(Successful(os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, file)))))).
				To(Equal([]string{"0", strconv.Itoa(os.Geteuid()), "1"}), "%s maps the caller to root", file)
		}
	}
}
