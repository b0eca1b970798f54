# oidcp — developer entry points. `make run` starts a dev server with the
# ID-porten mock; `make test` runs every test (PostgreSQL and browser tests
# run when a server/browser is available, or are required with
# OIDCP_REQUIRE_POSTGRES=1 / OIDCP_REQUIRE_BROWSER=1 as in .ci/run).

GO        ?= go
BIN       ?= bin/oidcp
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X main.version=$(VERSION)
# Per-package test timeout: a guard against a hang, not a speed goal (the
# whole suite should stay well under 10 minutes on 2 cores). cmd/oidcp
# alone takes about 4 minutes here and 5 to 7 beside the other packages on
# a busy machine, so 6m could fail a slower CI machine's run.
TIMEOUT   ?= 15m
# Packages tested with the race detector (it needs cgo and a C compiler).
# Concurrency lives in storage: transactions, one-use flows, token reuse.
RACE_PKGS ?= ./storage/...
# Time per fuzz target: briefly in `make test`, longer in `make fuzz`
# (scripts/fuzz.sh; docs/fuzzing.md lists the targets).
FUZZTIME      ?= 2s
FUZZTIME_LONG ?= 60s

.PHONY: all build run test test-race test-norace test-fuzz fuzz resilience bench lint conformance-peer clean

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/oidcp

# Builds bin/oidcp first, so the commands the banner and the README give
# (bin/oidcp clients create …) run the same binary without rebuilding.
run: build
	$(BIN) serve --dev

test: test-norace test-race test-fuzz

# Everything except the race-tested packages, which run once, under -race.
test-norace:
	$(GO) test -timeout $(TIMEOUT) $$($(GO) list -e ./... | grep -v -x -F "$$($(GO) list -e $(RACE_PKGS))")

test-race:
	@if [ "$$($(GO) env CGO_ENABLED)" = 1 ] && command -v "$$($(GO) env CC)" >/dev/null 2>&1; then \
		echo "$(GO) test -race -timeout $(TIMEOUT) $(RACE_PKGS)"; \
		$(GO) test -race -timeout $(TIMEOUT) $(RACE_PKGS); \
	else \
		echo "race detector unavailable (needs cgo and a C compiler); testing $(RACE_PKGS) without -race"; \
		$(GO) test -timeout $(TIMEOUT) $(RACE_PKGS); \
	fi

# Every fuzz target for FUZZTIME each, two at a time. `go test` above has
# already run their seeds and committed corpora as ordinary tests.
test-fuzz:
	GO=$(GO) FUZZTIME=$(FUZZTIME) bash scripts/fuzz.sh

# The same, for FUZZTIME_LONG each (e.g. make fuzz FUZZTIME_LONG=10m).
fuzz:
	GO=$(GO) FUZZTIME=$(FUZZTIME_LONG) bash scripts/fuzz.sh

# Process-level resilience tests (build tag resilience, docs/resilience.md):
# two nodes on one PostgreSQL with one killed mid-load, a PostgreSQL
# restart (a private cluster made with initdb and pg_ctl; needs the
# postgresql server package, skipped without it unless
# OIDCP_REQUIRE_POSTGRES=1), a SQLite crash, a graceful shutdown. They
# build the real binary and run serve processes; about a minute. -v shows
# the measured figures.
resilience:
	$(GO) test -tags resilience -count=1 -timeout 5m -run '^TestResilience' -v ./cmd/oidcp

# Benchmarks only (no tests): the Go micro-benchmarks, then the load
# driver (cmd/oidcp-load) against a fresh `oidcp serve --dev`
# (scripts/bench.sh; BENCH_DSN=postgres://... to bench PostgreSQL,
# BENCH_DURATION and BENCH_CONCURRENCY to change the run).
bench:
	$(GO) test -run '^$$' -bench . ./...
	GO=$(GO) bash scripts/bench.sh

lint:
	$(GO) vet ./...
	$(GO) vet -tags resilience ./cmd/oidcp

# Runs the certified reference OP the conformance suite is checked against.
conformance-peer:
	bash scripts/conformance-peer/run.sh

clean:
	rm -rf bin coverage.out coverage.html
