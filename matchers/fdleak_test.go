package matchers_test

import (
	"os/exec"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/thediveo/success"

	. "github.com/wirecert/wirecert/matchers"
)

var _ = Describe("fd leaks of another process", func() {

	It("snapshots a process's fds and sees new ones", func() {
		// a shell that opens one more fd when told to, by a line on stdin
		cmd := exec.Command("sh", "-c", "read x; exec 7</dev/null; read x")
		stdin := Successful(cmd.StdinPipe())
		Expect(cmd.Start()).To(Succeed())
		DeferCleanup(func() {
			stdin.Close()
			_ = cmd.Wait()
		})
		pid := cmd.Process.Pid

		before := Successful(ProcessFiledescriptors(pid))
		Expect(before).NotTo(BeEmpty())
		Eventually(pid).ShouldNot(HaveLeakedProcessFds(before))

		Successful(stdin.Write([]byte("\n")))
		Eventually(pid).Should(HaveLeakedProcessFds(before))
		m := HaveLeakedProcessFds(before)
		Expect(m.Match(pid)).To(BeTrue())
		Expect(m.FailureMessage(pid)).To(ContainSubstring("/dev/null"))
	})

	It("reports a process that is gone", func() {
		_, err := ProcessFiledescriptors(1 << 30)
		Expect(err).To(HaveOccurred())
		_, err = HaveLeakedProcessFds(nil).Match("1")
		Expect(err).To(MatchError(ContainSubstring("expects a PID")))
	})
})
