# GMS-compatible callback service. `make` alone lists the targets.

SHELL := /usr/bin/env bash
.DEFAULT_GOAL := help

GO ?= go
# Test timeout of `go test` (the whole suite must finish well within CI's time).
TEST_TIMEOUT ?= 12m

.PHONY: help run test build tools clean record-histories

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
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) ./...

record-histories: tools ## re-record the workflow histories the replay test replays (workflows/testdata/histories)
	@pg_bin="$$(scripts/ensure-postgres.sh | tail -n 1)"; \
	TEMPORAL_CLI="$(CURDIR)/bin/temporal" PG_BIN="$$pg_bin" GMS_RECORD_HISTORIES=1 $(GO) test -count=1 ./api

build: ## build bin/api, bin/worker and bin/ors-sim
	@mkdir -p bin
	$(GO) build -o bin/ ./cmd/...

tools: ## install what is missing: Temporal CLI (bin/temporal), PostgreSQL server programs
	@scripts/ensure-temporal.sh
	@scripts/ensure-postgres.sh >/dev/null

clean: ## remove bin/ and .data/ (built programs, local Temporal and PostgreSQL data)
	@pid="$$(head -n 1 .data/pg/postmaster.pid 2>/dev/null || true)"; \
	if [ -n "$$pid" ] && kill -0 "$$pid" 2>/dev/null; then \
		echo "==> the PostgreSQL of .data/pg is running (pid $$pid); stop make run first" >&2; exit 1; fi
	@if [ -L .data/pg ]; then rm -rf "$$(readlink -f .data/pg)"; fi
	rm -rf bin .data
