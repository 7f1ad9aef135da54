package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"slices"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/formatter"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/wirecert/wirecert/conformance/requirement"
)

// listCommand is `wirecert list`: every requirement of the selected suites
// with the levels its specs check and how many specs do. The levels live
// in the specs' labels, so the specs are registered and dry-run (nothing
// starts, nothing connects) to read them.
func listCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wirecert list", flag.ContinueOnError)
	suiteList := fs.String("suite", "", "comma-separated suites to list (default all): "+suiteNames())
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected arguments %q: list takes --suite only", fs.Args())
	}
	ss, err := findSuites(*suiteList)
	if err != nil {
		return err
	}

	for _, s := range ss {
		s.reference(timeouts{}).register()
	}
	var dry types.Report
	ginkgo.ReportAfterSuite("wirecert list", func(r types.Report) { dry = r })
	sc := types.NewDefaultSuiteConfig()
	sc.DryRun = true
	// The dry run's progress output is noise here; the listing is the output.
	formatter.ColorableStdOut = io.Discard
	ginkgo.RunSpecs(&verdictOnly{}, "wirecert list", sc, types.NewDefaultReporterConfig())

	type specs struct {
		levels []requirement.Level
		count  int
	}
	byID := map[string]*specs{}
	for _, sr := range dry.SpecReports {
		if !sr.LeafNodeType.Is(types.NodeTypeIt) {
			continue
		}
		id, level := requirement.FromLabels(sr.Labels())
		if byID[id] == nil {
			byID[id] = &specs{}
		}
		byID[id].count++
		if level != "" && !slices.Contains(byID[id].levels, level) {
			byID[id].levels = append(byID[id].levels, level)
		}
	}

	w := bufio.NewWriter(stdout)
	for _, s := range ss {
		fmt.Fprintf(w, "%s (%s)\n", s.name, s.targetHelp)
		fmt.Fprintf(w, "  %-9s  %-11s  %5s  %s\n", "ID", "LEVEL", "SPECS", "TEXT")
		for _, req := range requirement.All(s.prefix) {
			level, count := "-", 0
			if sp := byID[req.ID]; sp != nil {
				slices.Sort(sp.levels)
				level, count = joinLevels(sp.levels), sp.count
			}
			fmt.Fprintf(w, "  %-9s  %-11s  %5d  %s\n", req.ID, level, count, req.Text)
		}
		fmt.Fprintln(w)
	}
	return w.Flush()
}

func joinLevels(ls []requirement.Level) string {
	s := ""
	for i, l := range ls {
		if i > 0 {
			s += ","
		}
		s += string(l)
	}
	return s
}
