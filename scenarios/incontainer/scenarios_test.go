package incontainer_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/moby/moby/client"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/scenarios"
	"github.com/wirecert/wirecert/scenarios/container"
	"github.com/wirecert/wirecert/scenarios/incontainer"
)

// Bounds: compiling four binaries cold, and one inner suite's run.
const (
	buildTimeout = 5 * time.Minute
	innerTimeout = 3 * time.Minute
)

// The proxy container's socket, and how the suite container beside it
// reaches it: through PID 1's root, as it joined that PID namespace.
const (
	proxySocket       = "/tmp/proxy.sock"
	proxySocketViaPID = "/proc/1/root" + proxySocket
)

// inner is one inner suite run: its binary and its own flags, given the
// directory its sibling binaries are in.
type inner struct {
	name string
	args func(binDir string) []string
}

var (
	spacerfds = inner{"spacerfds", func(bin string) []string {
		return []string{"-spacer=" + filepath.Join(bin, "spacer")}
	}}
	ccproxyheader = inner{"ccproxyheader", func(bin string) []string {
		return []string{"-ccproxy=" + filepath.Join(bin, "ccproxy")}
	}}
)

// argv is the inner suite's command line, writing its reports into dir.
func (in inner) argv(binDir, reportDir string) []string {
	return append([]string{
		filepath.Join(binDir, in.name+".test"),
		"-test.timeout=" + innerTimeout.String(),
		"-ginkgo.no-color",
		"-" + scenarios.FlagJSON + "=" + filepath.Join(reportDir, in.name+".json"),
		"-" + scenarios.FlagJUnit + "=" + filepath.Join(reportDir, in.name+".junit.xml"),
	}, in.args(binDir)...)
}

// judge fails with the verdict on an inner run, if it is not a pass.
func judge(name, where, path string, exit int, output []byte) {
	GinkgoHelper()
	if msg := verdict(name, where, path, exit, output); msg != "" {
		Fail(msg)
	}
}

// verdict returns "" for an inner run that passed, else every failure of
// the inner run whose JSON report is at path, each with its requirement
// ID, or the run's output when there is no report.
func verdict(name, where, path string, exit int, output []byte) string {
	GinkgoHelper()
	s, err := incontainer.ReadSummary(path)
	if err != nil {
		return fmt.Sprintf("inner suite %s (%s) left no report (exit %d): %v\noutput:\n%s", name, where, exit, err, tail(output, 4000))
	}
	AddReportEntry(name+" ("+where+")", incontainer.Totals(s))
	if failures := incontainer.Failures(s); len(failures) > 0 || s.ExitCode != 0 || exit != 0 {
		return fmt.Sprintf("inner suite %s (%s), exit %d: %s\n  %s", name, where, exit, incontainer.Totals(s), strings.Join(failures, "\n  "))
	}
	return ""
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// hostReports is where the reports are copied to.
func hostReports() string {
	GinkgoHelper()
	if d := os.Getenv(incontainer.EnvReports); d != "" {
		return Successful(filepath.Abs(d))
	}
	gomod := strings.TrimSpace(string(Successful(exec.Command("go", "env", "GOMOD").Output())))
	return filepath.Join(filepath.Dir(gomod), "reports", "scenarios")
}

func elapsed(what string, since time.Time) time.Duration {
	d := time.Since(since).Round(time.Millisecond)
	AddReportEntry(what, d.String())
	return d
}

// binDir holds the static binaries, reports the reports copied out.
var binDir, reports string

var _ = BeforeSuite(func(ctx SpecContext) {
	if os.Getenv(incontainer.EnvEnable) != "1" {
		Skip(fmt.Sprintf("the outer scenario suite compiles and runs containers: set %s=1 (make scenarios) to run it", incontainer.EnvEnable))
	}
	reports = hostReports()
	Expect(os.MkdirAll(reports, 0o755)).To(Succeed())
	binDir = GinkgoT().TempDir()
	t0 := time.Now()
	Expect(incontainer.Build(ctx, binDir, incontainer.Binaries)).To(Succeed())
	elapsed("compiling the static binaries", t0)
}, NodeTimeout(buildTimeout))

var _ = Describe("in privileged containers", Ordered, ContinueOnFailure, func() {
	var (
		engine *container.Engine
		img    *container.Image
	)

	BeforeAll(func(ctx SpecContext) {
		t0 := time.Now()
		if err := container.Detect(ctx); err != nil {
			Skip(fmt.Sprintf("%v (detected in %v): the scenarios run on the host instead", err, time.Since(t0).Round(time.Millisecond)))
		}
		var b [4]byte
		_, _ = rand.Read(b[:])
		engine = Successful(container.Connect(ctx, "scn-"+hex.EncodeToString(b[:]), GinkgoWriter))
		DeferCleanup(engine.Close)
		// Cleanup runs also when a spec failed: first what the specs
		// made, then anything else labelled with the run.
		DeferCleanup(func(ctx context.Context) {
			if img != nil {
				Expect(img.Remove(ctx)).To(Succeed())
			}
			Expect(engine.RemoveLeftovers(ctx)).To(Succeed())
		}, NodeTimeout(time.Minute))
		cs, is := Successful2R(engine.Leftovers(ctx))
		Expect(cs).To(BeEmpty(), "containers of run %s before it started", engine.RunID)
		Expect(is).To(BeEmpty(), "images of run %s before it started", engine.RunID)

		files := make([]container.File, len(incontainer.Binaries))
		for i, bin := range incontainer.Binaries {
			files[i] = container.File{Path: "/bin/" + bin.Name, From: filepath.Join(binDir, bin.Name)}
		}
		t0 = time.Now()
		img = Successful(engine.BuildImage(ctx, "wirecert-scenarios", files))
		elapsed("image build (FROM scratch)", t0)
	}, NodeTimeout(container.BuildTimeout+time.Minute))

	It("runs the spacer fd scenarios in a privileged container", func(ctx SpecContext) {
		res, err := engine.Run(ctx, container.RunSpec{
			Image:      img.Ref,
			Entrypoint: spacerfds.argv("/bin", "/reports"),
			Tmpfs:      map[string]string{"/tmp": "rw"},
			Timeout:    innerTimeout,
		}, map[string]string{
			"/reports/spacerfds.json":      filepath.Join(reports, "container-spacerfds.json"),
			"/reports/spacerfds.junit.xml": filepath.Join(reports, "container-spacerfds.junit.xml"),
		})
		GinkgoWriter.Printf("spacerfds container output:\n%s\n", res.Logs)
		AddReportEntry("spacerfds container", fmt.Sprintf("privilege: %s; start %v, whole run %v",
			res.Privilege, res.Start.Round(time.Millisecond), res.Total.Round(time.Millisecond)))
		Expect(err).NotTo(HaveOccurred())
		judge("spacerfds", "container", filepath.Join(reports, "container-spacerfds.json"), res.ExitCode, res.Logs)
	}, SpecTimeout(innerTimeout+time.Minute))

	It("runs the cc-proxy header scenarios in a privileged container beside the proxy as its container's PID 1", func(ctx SpecContext) {
		t0 := time.Now()
		proxy := Successful(engine.Start(ctx, container.RunSpec{
			Image:      img.Ref,
			Entrypoint: []string{"/bin/ccproxy", "--socket", proxySocket},
			Tmpfs:      map[string]string{"/tmp": "rw"},
		}))
		DeferCleanup(proxy.Remove, NodeTimeout(time.Minute))
		elapsed("proxy container start", t0)

		res, err := engine.Run(ctx, container.RunSpec{
			Image:        img.Ref,
			Entrypoint:   append(ccproxyheader.argv("/bin", "/reports"), "-ccproxy.pid1="+proxySocketViaPID),
			Tmpfs:        map[string]string{"/tmp": "rw"},
			PIDContainer: proxy.ID,
			Timeout:      innerTimeout,
		}, map[string]string{
			"/reports/ccproxyheader.json":      filepath.Join(reports, "container-ccproxyheader.json"),
			"/reports/ccproxyheader.junit.xml": filepath.Join(reports, "container-ccproxyheader.junit.xml"),
		})
		GinkgoWriter.Printf("ccproxyheader container output:\n%s\n", res.Logs)
		AddReportEntry("ccproxyheader container", fmt.Sprintf("privilege: %s; start %v, whole run %v",
			res.Privilege, res.Start.Round(time.Millisecond), res.Total.Round(time.Millisecond)))
		Expect(err).NotTo(HaveOccurred())
		judge("ccproxyheader", "container", filepath.Join(reports, "container-ccproxyheader.json"), res.ExitCode, res.Logs)

		By("the proxy, PID 1 of its container, survived every hostile header and ends on SIGTERM")
		st := Successful(proxy.State(ctx))
		Expect(st.Running).To(BeTrue(), "the proxy container after the hostile headers: %s (exit %d)", st.Status, st.ExitCode)
		t0 = time.Now()
		Expect(proxy.Stop(ctx, container.StopTimeout)).To(Succeed())
		elapsed("proxy container stop (SIGTERM to PID 1)", t0)
		st = Successful(proxy.State(ctx))
		Expect(st.ExitCode).To(Equal(0), "the proxy as PID 1 handles SIGTERM: exit 0, not 137 (SIGKILL after %v)", container.StopTimeout)
		logs := Successful(proxy.Logs(ctx))
		Expect(bytes.Contains(logs, []byte("panic"))).To(BeFalse(), "the proxy container's output:\n%s", logs)
	}, SpecTimeout(innerTimeout+time.Minute))

	It("runs a target's suite in a privileged container through the CLI (wirecert run --in-container)", func(ctx SpecContext) {
		Expect(incontainer.Build(ctx, binDir, []incontainer.Binary{{Name: "wirecert", Package: "github.com/wirecert/wirecert/cmd/wirecert"}})).To(Succeed())
		dir := GinkgoT().TempDir()
		json := filepath.Join(dir, "cli.json")
		cmd := exec.CommandContext(ctx, filepath.Join(binDir, "wirecert"), "run", "--suite", "ccproxy-server", "--in-container",
			"--require", "CCP-S-05,CCP-S-06", "--json", json, "--", filepath.Join(binDir, "ccproxy"), "--socket", "{socket}")
		out, err := cmd.CombinedOutput()
		GinkgoWriter.Printf("wirecert run --in-container:\n%s\n", out)
		Expect(err).NotTo(HaveOccurred(), "wirecert run --in-container:\n%s", out)
		Expect(string(out)).To(ContainSubstring("in container: image wirecert-run:"))
		judge("ccproxy-server via the CLI", "container", json, 0, out)
		is := Successful(engine.Client().ImageList(ctx, client.ImageListOptions{All: true, Filters: client.Filters{}.Add("reference", "wirecert-run")}))
		Expect(is.Items).To(BeEmpty(), "images the CLI built")
	}, SpecTimeout(innerTimeout))

	It("leaves no container and no image of the run", func(ctx SpecContext) {
		Expect(img).NotTo(BeNil())
		Expect(img.Remove(ctx)).To(Succeed())
		cs, is := Successful2R(engine.Leftovers(ctx))
		Expect(cs).To(BeEmpty(), "containers labelled %s=%s", container.LabelRun, engine.RunID)
		Expect(is).To(BeEmpty(), "images labelled %s=%s", container.LabelRun, engine.RunID)
	}, SpecTimeout(time.Minute))
})

var _ = Describe("on the host, when no Docker engine answers", Ordered, func() {
	BeforeAll(func(ctx SpecContext) {
		if container.Detect(ctx) == nil {
			Skip("a Docker engine answers: the scenarios ran in privileged containers")
		}
		if os.Geteuid() != 0 {
			Skip(fmt.Sprintf("the scenarios need root on the host: running as uid %d", os.Geteuid()))
		}
	})

	for _, in := range []inner{spacerfds, ccproxyheader} {
		It("runs the "+in.name+" scenarios directly", func(ctx SpecContext) {
			dir := GinkgoT().TempDir()
			argv := in.argv(binDir, dir)
			cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
			cmd.Dir = dir
			t0 := time.Now()
			out, err := cmd.CombinedOutput()
			elapsed(in.name+" on the host", t0)
			GinkgoWriter.Printf("%s output:\n%s\n", in.name, out)
			exit := 0
			if err != nil {
				exit = -1
				if ee, ok := err.(*exec.ExitError); ok {
					exit = ee.ExitCode()
				}
			}
			for _, ext := range []string{".json", ".junit.xml"} {
				if b, err := os.ReadFile(filepath.Join(dir, in.name+ext)); err == nil {
					Expect(os.WriteFile(filepath.Join(reports, "host-"+in.name+ext), b, 0o644)).To(Succeed())
				}
			}
			judge(in.name, "host", filepath.Join(dir, in.name+".json"), exit, out)
		}, SpecTimeout(innerTimeout+time.Minute))
	}
})
