package container_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/scenarios/container"
)

var _ = Describe("engine detection", func() {
	DescribeTable("without an engine, Detect fails at once with ErrNoEngine",
		func(ctx SpecContext, host string) {
			GinkgoT().Setenv("DOCKER_HOST", host)
			err := container.Detect(ctx)
			Expect(err).To(MatchError(container.ErrNoEngine))
			Expect(err.Error()).NotTo(ContainSubstring("\n"), "a one-line reason to skip with")
		},
		// SpecTimeout is the bound: DetectTimeout plus slack, never a hang.
		Entry("a socket that does not exist", "unix:///nonexistent/docker.sock", SpecTimeout(container.DetectTimeout+3*time.Second)),
		Entry("a TCP address nobody answers (unroutable)", "tcp://10.255.255.1:2375", SpecTimeout(container.DetectTimeout+3*time.Second)),
		Entry("a malformed host", "nonsense://", SpecTimeout(container.DetectTimeout+3*time.Second)),
	)
})

var _ = Describe("image, container, copy and cleanup", Ordered, func() {
	var (
		engine *container.Engine
		img    *container.Image
		bin    string
	)

	BeforeAll(func(ctx SpecContext) {
		if err := container.Detect(ctx); err != nil {
			Skip(err.Error())
		}
		var b [4]byte
		_, _ = rand.Read(b[:])
		engine = Successful(container.Connect(ctx, "test-"+hex.EncodeToString(b[:]), GinkgoWriter))
		DeferCleanup(engine.Close)
		DeferCleanup(func(ctx context.Context) {
			// The last line of defence, then the proof.
			Expect(engine.RemoveLeftovers(ctx)).To(Succeed())
			cs, is := Successful2R(engine.Leftovers(ctx))
			Expect(cs).To(BeEmpty(), "containers labelled with the run")
			Expect(is).To(BeEmpty(), "images labelled with the run")
		})
		cs, is := Successful2R(engine.Leftovers(ctx))
		Expect(cs).To(BeEmpty())
		Expect(is).To(BeEmpty())

		bin = filepath.Join(GinkgoT().TempDir(), "ccproxy")
		cmd := exec.Command("go", "build", "-o", bin, "github.com/wirecert/wirecert/reference/ccproxy/cmd/ccproxy")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		out, err := cmd.CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), "%s", out)
	}, NodeTimeout(2*time.Minute))

	It("builds an image FROM scratch of a static binary, labelled with the run", func(ctx SpecContext) {
		img = Successful(engine.BuildImage(ctx, "wirecert-container-test", []container.File{{Path: "/bin/ccproxy", From: bin}}))
		_, is := Successful2R(engine.Leftovers(ctx))
		Expect(is).To(HaveLen(1))
	}, SpecTimeout(container.BuildTimeout))

	It("runs a container privileged, copies a file out, and removes the container", func(ctx SpecContext) {
		Expect(img).NotTo(BeNil())
		out := filepath.Join(GinkgoT().TempDir(), "copied")
		res, err := engine.Run(ctx, container.RunSpec{
			Image:      img.Ref,
			Entrypoint: []string{"/bin/ccproxy"}, // no --socket: says so and exits 2
			Files:      []container.File{{Path: "/data/in", Data: []byte("through the container")}},
			Tmpfs:      map[string]string{"/tmp": "rw"},
			Timeout:    time.Minute,
		}, map[string]string{"/data/in": out})
		Expect(err).NotTo(HaveOccurred())
		Expect(res.ExitCode).To(Equal(2))
		Expect(string(res.Logs)).To(ContainSubstring("--socket is required"))
		Expect(os.ReadFile(out)).To(Equal([]byte("through the container")))
		Expect(res.Privilege).NotTo(BeEmpty())
		AddReportEntry("privilege", res.Privilege)
		cs, _ := Successful2R(engine.Leftovers(ctx))
		Expect(cs).To(BeEmpty(), "the container after Run")
	}, SpecTimeout(2*time.Minute))

	It("removes the container also when it cannot start", func(ctx SpecContext) {
		Expect(img).NotTo(BeNil())
		_, err := engine.Run(ctx, container.RunSpec{Image: img.Ref, Entrypoint: []string{"/no/such/binary"}, Timeout: time.Minute}, nil)
		Expect(err).To(HaveOccurred())
		cs, _ := Successful2R(engine.Leftovers(ctx))
		Expect(cs).To(BeEmpty(), "the container that failed to start")
	}, SpecTimeout(2*time.Minute))

	It("removes the image", func(ctx SpecContext) {
		Expect(img).NotTo(BeNil())
		Expect(img.Remove(ctx)).To(Succeed())
		Expect(img.Remove(ctx)).To(Succeed(), "removing again")
		_, is := Successful2R(engine.Leftovers(ctx))
		Expect(is).To(BeEmpty())
	}, SpecTimeout(time.Minute))
})
