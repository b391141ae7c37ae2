#!/usr/bin/env bash
# Installs the Temporal CLI (with its dev server) into bin/temporal unless it
# is already there. Idempotent; silent when present.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_temporal
