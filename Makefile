# wirecert: every target installs what it needs through the Go module proxy
# (the ginkgo CLI is a go.mod tool, so `go tool ginkgo` is the pinned version).
GO      ?= go
GINKGO  := $(GO) tool ginkgo
export TESTCONTAINERS_RYUK_DISABLED := true

.PHONY: test conformance scenarios examples bench fuzz vet teeth-matrix

## test: vet, every Ginkgo suite with the race detector, the examples/
## modules, then the scenarios in privileged containers (on the host when
## no Docker engine answers), then every fuzz target briefly
test: vet
	$(GINKGO) -r --race --keep-going --timeout=30m --poll-progress-after=120s --randomize-all --output-interceptor-mode=none --no-color --skip-package=examples
	bash ci/examples
	bash ci/scenarios
	bash ci/fuzz 3s

## examples: each examples/ module (a vendored suite) with go test, ginkgo -p
## and ginkgo --label-filter
examples:
	bash ci/examples

## scenarios: the scenario suites in privileged containers
scenarios:
	bash ci/scenarios

vet:
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) vet ./...

## conformance: the conformance suites against the built-in reference
## implementations; the reference spacer's own binary beside the CLI makes
## its process starts cheap
conformance:
	$(GO) build -o bin/wirecert ./cmd/wirecert
	$(GO) build -o bin/wirecert-spacer ./reference/spacer/cmd/spacer
	bin/wirecert reference

## teeth-matrix: every conformance spec against every fault, whole suites
## (about 10 minutes): each spec must fail against at least one fault
teeth-matrix:
	WIRECERT_TEETH_MATRIX=1 $(GINKGO) -v --no-color --label-filter teeth --timeout=60m ./conformance/ccproxy

## bench: the benchmarks, with allocations
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## fuzz: every fuzz target for a bounded time
FUZZTIME ?= 30s
fuzz:
	bash ci/fuzz $(FUZZTIME)
