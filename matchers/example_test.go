package matchers_test

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"

	"github.com/onsi/gomega"
	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/matchers"
	"github.com/wirecert/wirecert/reference/ccproxy/api"
	"github.com/wirecert/wirecert/reference/spacer"
)

// A matcher that passes says nothing; one that fails hands its message to
// the fail handler, here one that prints it. In a Ginkgo spec, Expect
// fails the spec with the same message.
func ExampleHaveFrameType() {
	g := gomega.NewGomega(func(message string, _ ...int) { fmt.Println(message) })

	f := api.NewFrame(api.TypeResponse, api.CmdHyper, false, nil)
	g.Expect(f).To(matchers.HaveFrameType(api.TypeResponse))
	g.Expect(f.Header).To(matchers.HaveFrameType(api.TypeCommand))
	// Output:
	// Expected
	//     <api.FrameHeader>: {Version:2 HeaderLength:3 Reserved3:0x0 Reserved45:0x0 ReservedBits:0x0 E:false Type:response Opcode:Hyper PayloadLength:0}
	// to have frame type command (0), but it has response (1)
	// header [00 02 03 00 00 00 01 03 00 00 00 00]
}

// Opcodes are named within the actual's frame type: opcode 6 of a
// response is the response to Signal.
func ExampleHaveOpcode() {
	g := gomega.NewGomega(func(message string, _ ...int) { fmt.Println(message) })

	h := api.NewFrame(api.TypeResponse, api.CmdSignal, false, nil).Header
	g.Expect(h).To(matchers.HaveOpcode(api.CmdSignal))
	g.Expect(h).To(matchers.HaveOpcode(api.CmdConnectShim))
	// Output:
	// Expected
	//     <api.FrameHeader>: {Version:2 HeaderLength:3 Reserved3:0x0 Reserved45:0x0 ReservedBits:0x0 E:false Type:response Opcode:Signal PayloadLength:0}
	// to have opcode ConnectShim (4), but it has Signal (6) (frame type response (1))
	// header [00 02 03 00 00 00 01 06 00 00 00 00]
}

// Raw bytes, as read off a connection, are judged as well as decoded
// frames.
func ExampleHaveVersion() {
	g := gomega.NewGomega(func(message string, _ ...int) { fmt.Println(message) })

	raw := api.AppendFrame(nil, api.NewFrame(api.TypeCommand, api.CmdAttachVM, false, nil))
	g.Expect(raw).To(matchers.HaveVersion(api.Version))
	fmt.Println(matchers.HaveVersion(1).Match(raw))
	// Output:
	// false <nil>
}

// A HeaderLength above 3 words is allowed to a receiver, but no sender of
// this protocol version emits one.
func ExampleHaveHeaderLength() {
	g := gomega.NewGomega(func(message string, _ ...int) { fmt.Println(message) })

	h := api.NewFrame(api.TypeCommand, api.CmdHyper, false, nil).Header
	g.Expect(h).To(matchers.HaveHeaderLength(api.MinHeaderLength))
	h.HeaderLength = 4
	g.Expect(h).To(matchers.HaveHeaderLength(api.MinHeaderLength))
	// Output:
	// Expected
	//     <api.FrameHeader>: {Version:2 HeaderLength:4 Reserved3:0x0 Reserved45:0x0 ReservedBits:0x0 E:false Type:command Opcode:Hyper PayloadLength:0}
	// to have HeaderLength 3 (32-bit words), but it has 4
	// header [00 02 04 00 00 00 00 03 00 00 00 00]
}

// The message of an unexpected error response quotes its payload, so the
// proxy's reason shows.
func ExampleHaveErrorFlag() {
	g := gomega.NewGomega(func(message string, _ ...int) { fmt.Println(message) })

	f := api.NewFrame(api.TypeResponse, api.CmdAttachVM, true, []byte(`{"msg":"unknown VM"}`))
	g.Expect(f).To(matchers.HaveErrorFlag())
	g.Expect(f).NotTo(matchers.HaveErrorFlag())
	// Output:
	// Expected
	//     <api.Frame>: {Version:2 HeaderLength:3 Reserved3:0x0 Reserved45:0x0 ReservedBits:0x0 E:true Type:response Opcode:AttachVM PayloadLength:20} payload "{\"msg\":\"unknown VM\"}"
	// not to have the E (error) flag set, but the response AttachVM has it set
	// payload "{\"msg\":\"unknown VM\"}"
	// header [00 02 03 00 00 00 11 02 00 00 00 14]
}

// HaveJSONPayload compares with a value of the payload's type, or applies
// a matcher to the payload decoded generically.
func ExampleHaveJSONPayload() {
	g := gomega.NewGomega(func(message string, _ ...int) { fmt.Println(message) })

	raw := api.AppendFrame(nil, api.NewFrame(api.TypeResponse, api.CmdConnectShim, true, []byte(`{"msg":"bad token"}`)))
	g.Expect(raw).To(matchers.HaveJSONPayload(api.ErrorResponse{Message: "bad token"}))
	g.Expect(raw).To(matchers.HaveJSONPayload(gomega.HaveKey("msg")))

	_, err := matchers.HaveJSONPayload(api.ErrorResponse{}).Match(raw[:12])
	fmt.Println(err)
	// Output:
	// not a cc-proxy frame: HaveJSONPayload needs a frame with a payload: PayloadLength is 19, but the raw frame holds only 0 payload bytes (12 bytes in all, payload at 12)
	// header [00 02 03 00 00 00 11 04 00 00 00 13]
}

// BeValidEmittedFrame judges a frame a peer sent against everything a
// sender owes, reserved fields included.
func ExampleBeValidEmittedFrame() {
	g := gomega.NewGomega(func(message string, _ ...int) { fmt.Println(message) })

	raw := api.AppendFrame(nil, api.NewFrame(api.TypeStream, api.StreamStdin, false, []byte("ls\n")))
	g.Expect(raw).To(matchers.BeValidEmittedFrame())
	raw[3] = 0xff // reserved byte
	fmt.Println(matchers.BeValidEmittedFrame().Match(raw))
	// Output:
	// false <nil>
}

// BeNamespaceFd takes an fd or a /proc/PID/ns path. A spacer client
// checks the fds of a RoomsResponse so:
//
//	Expect(rooms.Net).To(BeNamespaceFd(unix.CLONE_NEWNET))
func ExampleBeNamespaceFd() {
	g := gomega.NewGomega(func(message string, _ ...int) { fmt.Println(message) })

	g.Expect("/proc/self/ns/net").To(matchers.BeNamespaceFd(unix.CLONE_NEWNET))
	fmt.Println(matchers.BeNamespaceFd(unix.CLONE_NEWUTS).Match("/proc/self/ns/net"))
	// Output:
	// false <nil>
}

// A namespace handed out as new must not be the caller's:
//
//	Expect(rooms.Net).To(BeNewNamespace("/proc/self/ns/net"))
//
// Here the caller's own namespace, reached through another path, is
// rightly not new.
func ExampleBeNewNamespace() {
	g := gomega.NewGomega(func(message string, _ ...int) { fmt.Println(message) })

	g.Expect("/proc/thread-self/ns/net").NotTo(matchers.BeNewNamespace("/proc/self/ns/net"))
	fmt.Println(matchers.BeNewNamespace("/proc/self/ns/net").Match("/proc/thread-self/ns/net"))
	// Output:
	// false <nil>
}

// The user and PID namespaces of a SubspaceResponse must be children of
// the service's own, here a reference service this process started. This
// example does not run: creating user namespaces takes privileges not
// every machine grants.
func ExampleBeChildNamespaceOf() {
	g := gomega.NewGomega(func(message string, _ ...int) { fmt.Println(message) })

	service, err := spacer.NewTransient()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer service.Stop()
	sub, err := service.Subspace(unix.CLONE_NEWUSER | unix.CLONE_NEWPID)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sub.Close()
	g.Expect(sub.User).To(matchers.BeChildNamespaceOf("/proc/self/ns/user"))
	g.Expect(sub.PID).To(matchers.BeChildNamespaceOf("/proc/self/ns/pid"))
}

// HaveExited does not wait: poll it with Eventually.
func ExampleHaveExited() {
	g := gomega.NewGomega(func(message string, _ ...int) { fmt.Println(message) })

	pidfd := -1
	cmd := exec.Command("true")
	cmd.SysProcAttr = &syscall.SysProcAttr{PidFD: &pidfd}
	if err := cmd.Start(); err != nil {
		fmt.Println(err)
		return
	}
	defer unix.Close(pidfd)
	g.Eventually(pidfd).Should(matchers.HaveExited())
	fmt.Println(cmd.Wait())
	// Output:
	// <nil>
}

// A snapshot before and a check after tell which fds a process opened and
// kept; here this very process.
func ExampleHaveLeakedProcessFds() {
	g := gomega.NewGomega(func(message string, _ ...int) { fmt.Println(message) })

	before, err := matchers.ProcessFiledescriptors(os.Getpid())
	if err != nil {
		fmt.Println(err)
		return
	}
	f, err := os.Open(os.DevNull)
	if err != nil {
		fmt.Println(err)
		return
	}
	leaked, _ := matchers.HaveLeakedProcessFds(before).Match(os.Getpid())
	fmt.Println("leaked while open:", leaked)
	f.Close()
	g.Eventually(os.Getpid()).ShouldNot(matchers.HaveLeakedProcessFds(before))
	// Output:
	// leaked while open: true
}
