package main

import (
	"bytes"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// These command lines fail before any spec is registered, so they run
// in-process; the end-to-end specs run the built binary.
var _ = Describe("usage errors", func() {
	DescribeTable("exit 2, naming the flag, the value seen and the values allowed",
		func(args []string, want ...string) {
			var stdout, stderr bytes.Buffer
			Expect(wirecert(args, &stdout, &stderr)).To(Equal(exitUsage))
			for _, w := range want {
				Expect(stderr.String()).To(ContainSubstring(w))
			}
		},
		Entry("no command", []string{}, "no command given: allowed run, reference, list"),
		Entry("unknown command", []string{"certify"}, `command "certify": allowed run, reference, list`),
		Entry("unknown flag", []string{"run", "--suite", "ccproxy-server", "--bogus"}, "flag provided but not defined: -bogus"),
		Entry("no suite", []string{"run", "--socket", "/x.sock"}, "--suite is required: allowed ccproxy-server"),
		Entry("unknown suite", []string{"run", "--suite", "ccproxy", "--socket", "/x.sock"}, `--suite "ccproxy": allowed ccproxy-server`),
		Entry("two suites for run", []string{"run", "--suite", "ccproxy-server,ccproxy-server", "--socket", "/x.sock"}, "run takes one suite"),
		Entry("no target", []string{"run", "--suite", "ccproxy-server"}, "needs a target: --socket PATH or --command"),
		Entry("socket and command", []string{"run", "--suite", "ccproxy-server", "--socket", "/x.sock", "--command", "p {socket}"}, `--socket "/x.sock" and --command "p {socket}" both given`),
		Entry("command and argv", []string{"run", "--suite", "ccproxy-server", "--command", "p {socket}", "--", "q"}, "--command \"p {socket}\" and arguments"),
		Entry("command without {socket}", []string{"run", "--suite", "ccproxy-server", "--command", "ccproxy --socket /tmp/p.sock"}, `--command "ccproxy --socket /tmp/p.sock" lacks {socket}`),
		Entry("argv without {socket}", []string{"run", "--suite", "ccproxy-server", "--", "ccproxy"}, `command after -- "ccproxy" lacks {socket}`),
		Entry("open quote in command", []string{"run", "--suite", "ccproxy-server", "--command", "p '{socket}"}, "--command: unterminated quote"),
		Entry("bad duration", []string{"run", "--suite", "ccproxy-server", "--socket", "/x.sock", "--spec-timeout", "soon"}, `invalid value "soon" for flag -spec-timeout`),
		Entry("zero duration", []string{"reference", "--step-timeout", "0s"}, "--step-timeout 0s: allowed a positive duration"),
		Entry("no worker processes", []string{"reference", "-p", "0"}, "-p 0: allowed a number of worker processes of 1 or more"),
		Entry("negative start timeout", []string{"run", "--suite", "ccproxy-server", "--command", "p {socket}", "--start-timeout", "-1s"}, "--start-timeout -1s: allowed a positive duration"),
		Entry("unknown requirement", []string{"reference", "--require", "CCP-S-01,CCP-S-99"}, `--require: unknown requirement ID: "CCP-S-99"`),
		Entry("requirement of another suite", []string{"run", "--suite", "ccproxy-server", "--socket", "/x.sock", "--require", "SPC-S-01"}, `--require "SPC-S-01" is not checked by the selected suites: allowed CCP-S-* (ccproxy-server)`),
		Entry("bad label filter: Ginkgo's whole message, no colour", []string{"reference", "--label-filter", "must &&"}, "--label-filter \"must &&\": Syntax Error Parsing Label Filter:\nmust &&\nUnexpected EOF."),
		Entry("a report path that is a directory", []string{"reference", "--json", "/tmp"}, `--json "/tmp": is a directory: allowed a file path this user can write`),
		Entry("a report path under a file", []string{"reference", "--junit", "/etc/hostname/r.xml"}, `--junit "/etc/hostname/r.xml": /etc/hostname is not a directory`),
		Entry("one file for two reports", []string{"reference", "--json", "r/x", "--junit", "./r/x"}, `--junit "./r/x" and --json name the same file: allowed a file of its own for each report`),
		Entry("bad focus", []string{"reference", "--focus", "CCP-S-0("}, `--focus "CCP-S-0(": error parsing regexp`),
		Entry("arguments to reference", []string{"reference", "extra"}, `unexpected arguments ["extra"]`),
		Entry("unknown suite to list", []string{"list", "--suite", "spacer"}, `--suite "spacer": allowed ccproxy-server, ccproxy-client`),
		Entry("socket for the client suite", []string{"run", "--suite", "ccproxy-client", "--socket", "/x.sock"}, `--socket "/x.sock": suite ccproxy-client runs a command, allowed --command only`),
		Entry("shim command without {token}", []string{"run", "--suite", "ccproxy-client", "--command", "ccshim --proxy {socket}"}, `--command "ccshim --proxy {socket}" lacks {token}: allowed a command using {socket} and {token}`),
		Entry("client requirement for the server suite", []string{"run", "--suite", "ccproxy-server", "--socket", "/x.sock", "--require", "CCP-C-01"}, `--require "CCP-C-01" is not checked`),
	)

	It("prints a command's flags for -h and exits 0", func() {
		var stdout, stderr bytes.Buffer
		Expect(wirecert([]string{"run", "-h"}, &stdout, &stderr)).To(Equal(exitPass))
		Expect(stdout.String()).To(ContainSubstring("-spec-timeout"))
		Expect(stdout.String()).To(ContainSubstring("-require"))
		Expect(stdout.String()).To(ContainSubstring("-dry-run"))
		Expect(stdout.String()).To(ContainSubstring("-procs"))
		Expect(stdout.String()).To(ContainSubstring("-fail-fast"))
		Expect(stdout.String()).To(ContainSubstring("-fixed-steps"))
		Expect(stdout.String()).To(And(ContainSubstring("{socket}"), ContainSubstring("{token}"), ContainSubstring("{container}"), ContainSubstring("fd 3")))
	})

	It("documents every exit status in the usage", func() {
		var stdout, stderr bytes.Buffer
		Expect(wirecert([]string{"help"}, &stdout, &stderr)).To(Equal(exitPass))
		for _, want := range []string{"0  PASS", "1  FAIL", "2  usage error", "3  INCOMPLETE", "4  INTERRUPTED"} {
			Expect(stdout.String()).To(ContainSubstring(want))
		}
		Expect([]int{exitPass, exitFail, exitUsage, exitIncomplete, exitInterrupted}).To(Equal([]int{0, 1, 2, 3, 4}))
	})
})
