package main

import (
	"bufio"
	"cmp"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/formatter"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/wirecert/wirecert/conformance/ccproxy"
	"github.com/wirecert/wirecert/conformance/requirement"
)

// listedCommand is the command of the target whose specs list counts. It
// is never started: a dry run only registers the specs.
var listedCommand = []string{"target", ccproxy.SocketPlaceholder, ccproxy.TokenPlaceholder}

// listCommand is `wirecert list`: every requirement of the selected suites
// with the levels its specs check and how many specs do, and under it the
// ID, level and short text of each of its specs (the IDs `run --spec`
// takes). The levels live in the specs' labels and the IDs in their texts,
// so the specs are registered and dry-run (nothing starts, nothing
// connects) to read them.
func listCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wirecert list", flag.ContinueOnError)
	suiteList := fs.String("suite", "", "comma-separated suites to list (default all): "+suiteNames())
	markdown := fs.Bool("markdown", false, "print the requirement reference as Markdown, with each requirement's rationale\n"+
		"(docs/requirements.md is this output for every suite)")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected arguments %q: list takes --suite and --markdown only", fs.Args())
	}
	ss, err := findSuites(*suiteList)
	if err != nil {
		return err
	}

	commands := make([]bool, len(ss))
	for i, s := range ss {
		var reg registration
		reg, commands[i] = listedRegistration(s)
		reg.register()
	}
	var dry types.Report
	ginkgo.ReportAfterSuite("wirecert list", func(r types.Report) { dry = r })
	sc := types.NewDefaultSuiteConfig()
	sc.DryRun = true
	// The dry run's progress output is noise here; the listing is the output.
	formatter.ColorableStdOut = io.Discard
	ginkgo.RunSpecs(&verdictOnly{}, "wirecert list", sc, types.NewDefaultReporterConfig())

	byID := specsByID(dry)
	if *markdown {
		return writeMarkdown(stdout, ss, commands, byID)
	}
	w := bufio.NewWriter(stdout)
	for _, s := range ss {
		fmt.Fprintf(w, "%s (%s)\n", s.name, s.targetHelp)
		fmt.Fprintf(w, "  %-9s  %-11s  %5s  %s\n", "ID", "LEVEL", "SPECS", "TEXT")
		for _, req := range requirement.All(s.prefix) {
			sp := byID[req.ID]
			fmt.Fprintf(w, "  %-9s  %-11s  %5d  %s\n", req.ID, sp.levelsOr("-"), sp.count, req.Text)
			for _, one := range sp.specs {
				fmt.Fprintf(w, "    %-*s  %-6s  %s\n", sp.idWidth(), one.ID, one.Level, one.Short())
			}
		}
		fmt.Fprintln(w)
	}
	return w.Flush()
}

// listedRegistration registers s against the target whose specs list
// counts: a command target, which is what `wirecert run --command` runs,
// rather than the reference, whose targets may add in-process forms (the
// reference spacer service is served both as a process and in-process,
// which would count each spec twice). A suite without a command form is
// counted against its reference, and command is false.
func listedRegistration(s suite) (reg registration, command bool) {
	reg, err := s.target(targetFlags{flag: "--command", command: listedCommand})
	if err != nil {
		return s.reference(timeouts{}), false
	}
	return reg, true
}

// specs are what the dry run saw of one requirement's specs.
type specs struct {
	levels []requirement.Level // sorted
	count  int
	// specs are those with an ID, in naturalLess order of the IDs.
	specs []requirement.SpecText
}

// idWidth is the width of the longest spec ID, to align the listing.
func (sp specs) idWidth() int {
	w := 0
	for _, one := range sp.specs {
		w = max(w, len(one.ID))
	}
	return w
}

// levelsOr joins the levels, or gives none when no spec checks them.
func (sp specs) levelsOr(none string) string {
	if len(sp.levels) == 0 {
		return none
	}
	ls := make([]string, len(sp.levels))
	for i, l := range sp.levels {
		ls[i] = string(l)
	}
	return strings.Join(ls, ",")
}

// specsByID counts a dry run's specs and collects their levels and spec
// IDs, by requirement ID.
func specsByID(dry types.Report) map[string]specs {
	byID := map[string]specs{}
	for _, sr := range dry.SpecReports {
		if !sr.LeafNodeType.Is(types.NodeTypeIt) {
			continue
		}
		id, level := requirement.FromLabels(sr.Labels())
		sp := byID[id]
		sp.count++
		if t, ok := requirement.ParseText(sr.LeafNodeText); ok {
			sp.specs = append(sp.specs, t)
		}
		if level != "" && !slices.Contains(sp.levels, level) {
			sp.levels = append(sp.levels, level)
			slices.Sort(sp.levels)
		}
		byID[id] = sp
	}
	// The dry run's order follows its random seed: the listing must not.
	for id, sp := range byID {
		slices.SortFunc(sp.specs, func(a, b requirement.SpecText) int { return naturalCompare(a.ID, b.ID) })
		byID[id] = sp
	}
	return byID
}

// naturalCompare orders strings with their runs of digits compared as
// numbers, so header-split-after-2 comes before header-split-after-10.
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := digitRun(a), digitRun(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if c := cmp.Compare(len(na), len(nb)); c != 0 {
				return c
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return cmp.Compare(a[0], b[0])
		}
		a, b = a[1:], b[1:]
	}
	return cmp.Compare(len(a), len(b))
}

// digitRun is the length of the digits s starts with.
func digitRun(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

// markdownRegenerate is the command that writes docs/requirements.md.
const markdownRegenerate = "go run ./cmd/wirecert list --markdown > docs/requirements.md"

// writeMarkdown prints the requirement reference: per suite a heading,
// per requirement a heading of its ID (an anchor other documents link to),
// its levels and spec count, its text, its rationale and its specs by ID. commands says
// which suites were counted against a command target.
func writeMarkdown(stdout io.Writer, ss []suite, commands []bool, byID map[string]specs) error {
	w := bufio.NewWriter(stdout)
	fmt.Fprintf(w, "<!-- Generated by `%s`: do not edit. -->\n\n", markdownRegenerate)
	fmt.Fprint(w, `# Requirements

The numbered requirements that the conformance suites check, suite by suite.
Each gives the levels its specs check it at (a failed **must** fails
certification, a failed **should** only with `+"`--strict`"+`), how many specs
check it, what it requires and why. The protocols themselves are described in
[protocol.md](protocol.md).

`)
	for i, s := range ss {
		fmt.Fprintf(w, "## %s\n\n", s.name)
		fmt.Fprintf(w, "Target: %s.\n", markdownText(s.targetHelp))
		if commands[i] {
			fmt.Fprintf(w, "Spec counts are those a command target (`wirecert run --suite %s --command ...`) runs.\n\n", s.name)
		} else {
			fmt.Fprint(w, "Spec counts are those of a Go target, as the reference runs them.\n\n")
		}
		for _, req := range requirement.All(s.prefix) {
			sp := byID[req.ID]
			fmt.Fprintf(w, "### %s\n\n", req.ID)
			fmt.Fprintf(w, "Levels: %s. Specs: %d.\n\n", sp.levelsOr("none (no spec checks it)"), sp.count)
			fmt.Fprintf(w, "%s.\n\n", markdownText(req.Text))
			fmt.Fprintf(w, "*Rationale:* %s\n\n", markdownText(req.Rationale))
			if len(sp.specs) > 0 {
				fmt.Fprint(w, "Specs (`wirecert run --spec ID`):\n\n")
				for _, one := range sp.specs {
					fmt.Fprintf(w, "- `%s` (%s): %s\n", one.ID, one.Level, markdownText(one.Short()))
				}
				fmt.Fprintln(w)
			}
		}
	}
	return w.Flush()
}

// markdownEscapes are the characters of requirement texts that Markdown
// would read as markup (emphasis, links, inline HTML, code, tables).
var markdownEscapes = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `<`, `\<`, `[`, `\[`, `]`, `\]`, `|`, `\|`,
)

// markdownText is s with its markup characters escaped.
func markdownText(s string) string { return markdownEscapes.Replace(s) }
