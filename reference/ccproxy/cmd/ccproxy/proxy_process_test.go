package main_test

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// proxyProcess is the ccproxy binary running on a socket of its own.
type proxyProcess struct {
	sock    string
	session *gexec.Session
}

// startProxy runs the binary with args after --socket, waits for its
// socket, and kills it at the end of the spec.
func startProxy(args ...string) *proxyProcess {
	GinkgoHelper()
	dir := Successful(os.MkdirTemp("", "ccproxy-bin-"))
	sock := filepath.Join(dir, "proxy.sock")
	cmd := exec.Command(proxyBin, append([]string{"--socket", sock}, args...)...)
	session := Successful(gexec.Start(cmd, GinkgoWriter, GinkgoWriter))
	DeferCleanup(func() {
		session.Kill().Wait(5 * time.Second)
		Expect(os.RemoveAll(dir)).To(Succeed())
	})
	Eventually(func() error { _, err := os.Stat(sock); return err }).WithTimeout(10 * time.Second).Should(Succeed())
	return &proxyProcess{sock: sock, session: session}
}

func (p *proxyProcess) pid() int { return p.session.Command.Process.Pid }

// dial connects to the proxy; the spec closes the connection at its end.
func (p *proxyProcess) dial() net.Conn {
	GinkgoHelper()
	c := Successful(net.DialTimeout("unix", p.sock, 5*time.Second))
	DeferCleanup(func() { _ = c.Close() })
	return c
}

// served asks c for a VM never registered: a proxy serving c answers with
// an error response within 5 s.
func served(c net.Conn) error {
	if err := api.NewWriter(c).WriteJSON(api.TypeCommand, api.CmdAttachVM, false, api.AttachVM{ContainerID: "nope"}); err != nil {
		return err
	}
	if err := c.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return err
	}
	f, err := api.NewReader(c).ReadFrame()
	if err != nil {
		return err
	}
	if f.Header.Type != api.TypeResponse || !f.Header.Error {
		return fmt.Errorf("AttachVM of an unknown VM answered %s, allowed an error response", f)
	}
	return nil
}

// status reads a field of the process's /proc status in KiB (VmRSS, VmHWM).
func (p *proxyProcess) status(field string) int {
	GinkgoHelper()
	f := Successful(os.Open(fmt.Sprintf("/proc/%d/status", p.pid())))
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			return Successful(strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB")))
		}
	}
	Fail(fmt.Sprintf("no %s in /proc/%d/status", field, p.pid()))
	return 0
}

// openFds counts the process's open file descriptors.
func (p *proxyProcess) openFds() int {
	GinkgoHelper()
	return len(Successful(os.ReadDir(fmt.Sprintf("/proc/%d/fd", p.pid()))))
}
