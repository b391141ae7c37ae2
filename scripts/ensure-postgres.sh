#!/usr/bin/env bash
# Finds the PostgreSQL server programs (initdb, pg_ctl, postgres) on PATH or in
# the highest /usr/lib/postgresql/*/bin, installing Debian's postgresql package
# when they are missing (as root). Prints their directory as the last line of
# stdout; progress goes to stderr. Idempotent; quiet when present.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_postgres
