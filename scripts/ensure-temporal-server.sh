#!/usr/bin/env bash
# Builds the real Temporal server (bin/temporal-server, bin/temporal-sql-tool
# and bin/temporal-schema) unless that version is there. Idempotent.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_temporal_server
