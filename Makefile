# GMS-compatible callback service. `make` alone lists the targets.

SHELL := /usr/bin/env bash
.DEFAULT_GOAL := help

GO ?= go
# go.mod pins the toolchain (go1.26.10: the standard library's security
# fixes); the go command fetches it through the module proxy when missing.
export GOTOOLCHAIN := auto
# Test timeout of `go test` (the whole suite must finish well within CI's time).
TEST_TIMEOUT ?= 12m

.PHONY: help run test build tools clean record-histories bench bench-quick chaos cluster test-cluster

help: ## list the targets
	@echo "Targets:"
	@grep -E '^[a-z][a-zA-Z_-]*:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([^:]*):.*## (.*)$$/  make \1\t\2/' | expand -t 16
	@echo
	@echo "Environment (all optional): GMS_CONFIG GMS_HTTP_ADDR GMS_PUBLIC_URL TEMPORAL_ADDRESS"
	@echo "  TEMPORAL_NAMESPACE TEMPORAL_TASK_QUEUE DATABASE_URL GMS_DATA_DIR ORS_SIM_ADDR (see CONTRACT.md)"

run: ## everything locally in the foreground (Temporal, PostgreSQL, ors-sim, worker, api); Ctrl-C stops it
	@scripts/run.sh

test: tools ## go vet and the whole test suite (starts its own Temporal and PostgreSQL where needed)
	@set -euo pipefail; \
	pg_bin="$$(scripts/ensure-postgres.sh | tail -n 1)"; \
	export TEMPORAL_CLI="$(CURDIR)/bin/temporal" PG_BIN="$$pg_bin"; \
	echo "==> go vet ./..."; \
	$(GO) vet ./...; \
	echo "==> go test (TEMPORAL_CLI=$$TEMPORAL_CLI PG_BIN=$$PG_BIN)"; \
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) ./...; \
	echo "==> govulncheck (offline database built from golang.org/x/vulndb)"; \
	scripts/govulncheck.sh; \
	echo "==> fuzz, short: each fuzz target for $(FUZZ_SHORT) (make fuzz runs them longer)"; \
	GO="$(GO)" scripts/fuzz.sh $(FUZZ_SHORT); \
	echo "==> crash test, short (kill -9 of each component under load; make chaos runs the full one)"; \
	GMS_CHAOS=short $(GO) test -count=1 -timeout 5m -run '^TestChaosShort$$' -v ./chaos

cluster: ## like make run, on a real Temporal cluster (frontend, history, matching, worker as processes; 16 shards; its own PostgreSQL)
	@scripts/run.sh --cluster

test-cluster: tools ## the integration suite and the short crash test (kill -9 of history and frontend) on throwaway real Temporal clusters
	@set -euo pipefail; \
	scripts/ensure-temporal-server.sh; \
	pg_bin="$$(scripts/ensure-postgres.sh | tail -n 1)"; \
	export TEMPORAL_CLI="$(CURDIR)/bin/temporal" PG_BIN="$$pg_bin" GMS_TEST_TEMPORAL=cluster; \
	echo "==> go test ./api on a real cluster (GMS_TEST_TEMPORAL=cluster)"; \
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) ./api; \
	echo "==> crash test, short, on a real cluster (kill -9 of worker, API, history, frontend, PostgreSQL under load)"; \
	GMS_CHAOS=short $(GO) test -count=1 -timeout 5m -run '^TestChaosShort$$' -v ./chaos

record-histories: tools ## add this release's histories to the replay corpus (workflows/testdata/histories/RELEASE; never overwrites)
	@pg_bin="$$(scripts/ensure-postgres.sh | tail -n 1)"; \
	TEMPORAL_CLI="$(CURDIR)/bin/temporal" PG_BIN="$$pg_bin" GMS_RECORD_HISTORIES=1 $(GO) test -count=1 ./api

build: ## build bin/api, bin/worker and bin/ors-sim
	@mkdir -p bin
	$(GO) build -o bin/ ./cmd/...

bench: tools ## full benchmark (~7 min, own Temporal and PostgreSQL); table to stdout and BENCHMARKS.md
	@pg_bin="$$(scripts/ensure-postgres.sh | tail -n 1)"; \
	TEMPORAL_CLI="$(CURDIR)/bin/temporal" PG_BIN="$$pg_bin" $(GO) run ./bench

bench-quick: tools ## quick benchmark (under 3 min): fewer starts, 100 000 rows; same table
	@pg_bin="$$(scripts/ensure-postgres.sh | tail -n 1)"; \
	TEMPORAL_CLI="$(CURDIR)/bin/temporal" PG_BIN="$$pg_bin" $(GO) run ./bench -quick

chaos: tools ## crash test (~3 min): kill -9 worker, API, Temporal, PostgreSQL under load, then a 30 s read-model outage; prints the results
	@pg_bin="$$(scripts/ensure-postgres.sh | tail -n 1)"; \
	TEMPORAL_CLI="$(CURDIR)/bin/temporal" PG_BIN="$$pg_bin" $(GO) run ./chaos/cmd/chaos

.PHONY: fuzz vulncheck
# Fuzzing time per target: FUZZTIME for `make fuzz`, FUZZ_SHORT in `make test`;
# FUZZ (a grep -E pattern) picks targets, e.g. make fuzz FUZZ=FuzzHandler FUZZTIME=10m.
FUZZTIME ?= 60s
FUZZ_SHORT ?= 2s
FUZZ ?= .

fuzz: ## run every Go fuzz target for FUZZTIME each (default 60s); failing inputs land in <pkg>/testdata/fuzz/
	@GO="$(GO)" scripts/fuzz.sh $(FUZZTIME) '$(FUZZ)'

vulncheck: ## govulncheck ./... against a local Go vulnerability database built from golang.org/x/vulndb (bin/vulndb)
	@scripts/govulncheck.sh

tools: ## install what is missing: Temporal CLI (bin/temporal), PostgreSQL server programs
	@scripts/ensure-temporal.sh
	@scripts/ensure-postgres.sh >/dev/null

clean: ## remove bin/ and .data/ (built programs, local Temporal and PostgreSQL data)
	@pid="$$(head -n 1 .data/pg/postmaster.pid 2>/dev/null || true)"; \
	if [ -n "$$pid" ] && kill -0 "$$pid" 2>/dev/null; then \
		echo "==> the PostgreSQL of .data/pg is running (pid $$pid); stop make run first" >&2; exit 1; fi
	@for pg in .data/pg .data/cluster/pg; do if [ -L "$$pg" ]; then rm -rf "$$(readlink -f "$$pg")"; fi; done
	rm -rf bin .data
