package spacer_test

import (
	"fmt"
	"net"
	"os"

	"golang.org/x/sys/unix"

	"github.com/wirecert/wirecert/reference/spacer"
)

// Serve answers one connection in this process; the client holds the other
// end of a socketpair. A PID namespace is not for a RoomsRequest, so the
// service answers with an ErrorResponse, which Rooms returns as an error.
func ExampleServe() {
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	var ends [2]*net.UnixConn
	for i, fd := range pair {
		f := os.NewFile(uintptr(fd), "spacer socket")
		conn, err := net.FileConn(f) // a dup of fd
		f.Close()
		if err != nil {
			fmt.Println(err)
			return
		}
		ends[i] = conn.(*net.UnixConn)
	}

	served := make(chan error, 1)
	go func() { served <- spacer.Serve(ends[0]) }()
	client := spacer.NewClient(ends[1])
	_, err = client.Rooms(unix.CLONE_NEWPID)
	fmt.Println(err)
	client.Close()
	fmt.Println("Serve returned", <-served)
	// Output:
	// spacer service failed: out of space: Spaces is 0x20000000 (pid), allowed a non-empty subset of cgroup|ipc|mnt|net|time|uts
	// Serve returned <nil>
}

// NewTransient starts the reference service as a process of its own (this
// binary, re-executed) and connects a client to it; Stop ends and reaps it.
func ExampleNewTransient() {
	service, err := spacer.NewTransient()
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = service.Subspace(unix.CLONE_NEWNET)
	fmt.Println(err)
	fmt.Println("stopped:", service.Stop())
	// Output:
	// spacer service failed: out of space: Spaces is 0x40000000 (net), allowed a non-empty subset of pid|user
	// stopped: <nil>
}

// Rooms hands out fds of new namespaces, which the caller owns. This
// example does not run: creating namespaces takes CAP_SYS_ADMIN.
func ExampleClient_Rooms() {
	service, err := spacer.NewTransient()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer service.Stop()
	rooms, err := service.Rooms(unix.CLONE_NEWNET | unix.CLONE_NEWUTS)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rooms.Close()
	fmt.Println("net namespace fd", rooms.Net, "UTS namespace fd", rooms.UTS)
}
