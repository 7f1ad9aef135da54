package serving_test

import (
	"net"
	"os"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// roleVar makes the test binary, re-executed, a real process to find: a
// listener on the socket path in socketVar, or a holder of fd 3.
const (
	roleVar   = "SERVING_TEST_ROLE"
	socketVar = "SERVING_TEST_SOCKET"
)

func init() {
	switch os.Getenv(roleVar) {
	case "listen":
		ln, err := net.Listen("unix", os.Getenv(socketVar))
		if err != nil {
			os.Exit(1)
		}
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
		time.Sleep(time.Hour) // killed by the test
		os.Exit(0)
	case "hold":
		// fd 3 is inherited: holding it is all there is to do
		time.Sleep(time.Hour)
		os.Exit(0)
	}
}

func TestServing(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "serving")
}
