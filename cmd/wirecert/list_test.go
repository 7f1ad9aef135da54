package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
	. "github.com/thediveo/success"

	"github.com/wirecert/wirecert/conformance/requirement"
)

// listedCounts parses the spec counts of a `wirecert list` text listing,
// by requirement ID.
func listedCounts(listing []byte) map[string]int {
	GinkgoHelper()
	counts := map[string]int{}
	for _, m := range regexp.MustCompile(`(?m)^  ([A-Z]+-[SC]-\d+)  +\S+  +(\d+)  `).FindAllSubmatch(listing, -1) {
		counts[string(m[1])] = Successful(strconv.Atoi(string(m[2])))
	}
	Expect(counts).NotTo(BeEmpty(), "no requirement lines in the listing:\n%s", listing)
	return counts
}

// The listing runs a Ginkgo dry run of its own, which cannot run inside
// this suite's, so these specs run the built CLI: wirecertRun's binary,
// built here because the e2e container that also builds it may run after
// this one.
var _ = Describe("wirecert list", Ordered, ContinueOnFailure, func() {
	BeforeAll(func() {
		wirecertBin = Successful(gexec.Build("github.com/wirecert/wirecert/cmd/wirecert"))
		DeferCleanup(os.RemoveAll, filepath.Dir(wirecertBin))
	})

	It("prints what docs/requirements.md holds with --markdown", func() {
		session := wirecertRun(GinkgoT().TempDir(), "list", "--markdown")
		Expect(session).To(gexec.Exit(exitPass))
		committed := Successful(os.ReadFile(filepath.Join("..", "..", "docs", "requirements.md")))
		Expect(string(committed)).To(Equal(string(session.Out.Contents())),
			"docs/requirements.md is not what `wirecert list --markdown` prints: regenerate it from the module root with\n\t%s", markdownRegenerate)
	})

	It("gives every requirement its rationale and links the protocol reference in Markdown", func() {
		session := wirecertRun(GinkgoT().TempDir(), "list", "--markdown", "--suite", "ccproxy-server")
		Expect(session).To(gexec.Exit(exitPass))
		out := string(session.Out.Contents())
		Expect(out).To(ContainSubstring("[protocol.md](protocol.md)"))
		Expect(out).To(ContainSubstring("## ccproxy-server\n"))
		Expect(out).To(MatchRegexp(`### CCP-S-05\n\nLevels: must\. Specs: [1-9]\d*\.\n\nOn HeaderLength \\< 3 the server closes that connection.*\n\n\*Rationale:\* HeaderLength below 3 panics`))
		Expect(out).To(MatchRegexp(`### CCP-S-16\n\nLevels: should\. `))
		Expect(out).NotTo(ContainSubstring("## ccproxy-client"), "--suite selects")
	})

	// Counting against the reference would count its in-process extras
	// too: the reference spacer service runs every spec as a process and
	// in-process.
	DescribeTable("counts the specs a command target runs",
		func(suite string, dryRun ...string) {
			dir := GinkgoT().TempDir()
			list := wirecertRun(dir, "list", "--suite", suite)
			Expect(list).To(gexec.Exit(exitPass))
			jsonFile := filepath.Join(dir, "dry.json")
			dry := wirecertRun(dir, append(dryRun, "--suite", suite, "--dry-run", "--json", jsonFile, "--junit", "")...)
			Expect(dry).To(gexec.Exit(exitPass))
			ran := map[string]int{}
			for _, sp := range readSummary(jsonFile).Specs {
				ran[sp.Requirement]++
			}
			listed := listedCounts(list.Out.Contents())
			for id, n := range listed {
				if n == 0 {
					delete(listed, id) // unchecked: the dry run has no entry for it
				}
			}
			Expect(listed).To(Equal(ran))
		},
		Entry("ccproxy-server", "ccproxy-server", "run", "--command", "target {socket}"),
		Entry("ccproxy-client", "ccproxy-client", "run", "--command", "target {socket} {token}"),
		Entry("spacer-service: the specs of one form", "spacer-service", "run", "--command", "target"),
		Entry("spacer-client: no command form, its reference", "spacer-client", "reference"),
	)

	// Every spec has an ID: well-formed, of the requirement it is labelled
	// with, unique in its suite; and the listing lists exactly those a
	// command target runs.
	DescribeTable("gives every spec a well-formed ID, unique in its suite, and lists them",
		func(suite string, dryRun ...string) {
			dir := GinkgoT().TempDir()
			jsonFile := filepath.Join(dir, "dry.json")
			dry := wirecertRun(dir, append(dryRun, "--suite", suite, "--dry-run", "--json", jsonFile, "--junit", "")...)
			Expect(dry).To(gexec.Exit(exitPass))
			var ids []string
			for _, sp := range readSummary(jsonFile).Specs {
				Expect(sp.ID).NotTo(BeEmpty(), "a spec without an ID: %s", sp.Text)
				req, _, err := requirement.ParseSpecID(sp.ID)
				Expect(err).NotTo(HaveOccurred())
				Expect(req).To(Equal(sp.Requirement), "the ID's requirement is the one the spec is labelled with")
				Expect(ids).NotTo(ContainElement(sp.ID), "a duplicate ID in %s", suite)
				ids = append(ids, sp.ID)
			}
			Expect(ids).NotTo(BeEmpty())
			if dryRun[0] == "reference" {
				return // the listing counts a command target's specs, not the reference's
			}
			list := wirecertRun(dir, "list", "--suite", suite)
			Expect(list).To(gexec.Exit(exitPass))
			var listed []string
			for _, m := range regexp.MustCompile(`(?m)^    (\S+/\S+)  +(must|should)  +\S`).FindAllSubmatch(list.Out.Contents(), -1) {
				listed = append(listed, string(m[1]))
			}
			Expect(listed).To(ConsistOf(ids))
		},
		Entry("ccproxy-server", "ccproxy-server", "run", "--command", "target {socket}"),
		Entry("ccproxy-client", "ccproxy-client", "run", "--command", "target {socket} {token}"),
		Entry("spacer-service", "spacer-service", "run", "--command", "target"),
		Entry("spacer-service and spacer-client, both forms of the reference service", "spacer-service,spacer-client", "reference"),
		Entry("the reference of every suite", "", "reference"),
	)
})
