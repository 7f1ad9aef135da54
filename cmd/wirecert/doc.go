// Command wirecert runs the wirecert conformance suites against a target
// and reports a verdict per requirement ID.
//
//	wirecert run --suite ccproxy-server --socket /run/cc-proxy.sock
//	wirecert run --suite ccproxy-server --command 'ccproxy --socket {socket}'
//	wirecert run --suite ccproxy-client --command 'ccshim --proxy {socket} --token {token}'
//	wirecert reference              # every suite against the reference implementations
//	wirecert reference -p 4         # the same in 4 worker processes, one merged report
//	wirecert list [--suite S]       # requirement IDs, levels and texts, and spec IDs
//	wirecert run ... --spec CCP-S-05/header-length-0   # one spec, by its ID
//
// Every spec has an ID, its requirement and a slug, that does not depend on
// the target: reports name specs by it, and the target once. Specs run
// in-process under Ginkgo, selected by --require IDs, --label-filter,
// --focus and --spec IDs; with -p N in N worker processes of this
// binary, which claim the specs one by one from the parent, whose merged
// report is the one a run in one process writes. --fail-fast stops at the
// first failed spec. Before the first spec, `wirecert run` checks the target
// (a --socket accepts, a --command is found and, for a proxy or a spacer
// service, starts and listens or answers once): a target failing that is a
// usage error, exit 2, with what it did. The console summary has one line
// per requirement (its verdict and its specs by outcome: passed, failed,
// blocked, skipped, not applicable, interrupted); --junit and --json write
// reports, the same ones a vendored suite writes with package report. The
// exit status is 0 when every selected must-level requirement passed (with
// --strict, every should-level one too) and for a --dry-run, 1 when a
// requirement failed, 2 for a usage error, 3 when the run is INCOMPLETE (a
// selected must-level requirement left unchecked: blocked, skipped, not
// applicable) and 4 when it was INTERRUPTED (Ctrl-C, --timeout) before
// anything failed.
package main
