#!/usr/bin/env bash
# Runs every Go fuzz target of the module (func FuzzXxx in a *_test.go file),
# one `go test -fuzz` per target (go fuzzes one target per invocation), each
# for the given time:
#
#   scripts/fuzz.sh [FUZZTIME] [PATTERN]     e.g. scripts/fuzz.sh 60s   scripts/fuzz.sh 5m FuzzHandler
#
# FUZZTIME is any -fuzztime value (default 10s; 500x = 500 executions).
# PATTERN, a grep -E expression, keeps only the targets whose name matches.
# A failing input is written by go to <package>/testdata/fuzz/<FuzzName>/ and
# is from then on replayed by plain `go test` (commit it with its fix).
# Exit status: 1 when any target failed; every target runs regardless.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

fuzztime="${1:-10s}"
pattern="${2:-.}"
GO="${GO:-go}"
cd "$REPO_ROOT"

# "./pkg FuzzName" per target, from the sources (no build needed to list them).
mapfile -t targets < <(
	grep -rE --include='*_test.go' --exclude-dir=.data --exclude-dir=bin --exclude-dir=node_modules \
		'^func Fuzz[A-Za-z0-9_]*\(f \*testing\.F\)' . |
		sed -E 's#^(.*)/[^/]+_test\.go:func (Fuzz[A-Za-z0-9_]*)\(.*#\1 \2#' | sort -u |
		grep -E " ($pattern)" || true
)
[[ ${#targets[@]} -gt 0 ]] || die "no fuzz target matches $pattern"

failed=()
start=$SECONDS
for t in "${targets[@]}"; do
	read -r pkg name <<<"$t"
	say "fuzz $pkg $name ($fuzztime)"
	# go's fuzzer can stop a short run with a bare "context deadline
	# exceeded" when its workers start slowly on a busy machine: no input
	# failed (none is written to testdata), so that run is tried once more.
	for attempt in 1 2; do
		out="$("$GO" test -run='^$' -fuzz="^${name}\$" -fuzztime="$fuzztime" "$pkg" 2>&1)" && rc=0 || rc=$?
		grep -vE '^fuzz: elapsed: ' <<<"$out" || true
		if ((rc != 0)) && ((attempt == 1)) && grep -q 'context deadline exceeded' <<<"$out" && ! grep -q 'Failing input written' <<<"$out"; then
			say "fuzz $pkg $name: the fuzzer timed out starting, not an input: once more"
			continue
		fi
		break
	done
	((rc == 0)) || failed+=("$pkg $name")
done
say "fuzzed ${#targets[@]} targets in $((SECONDS - start)) s"
if [[ ${#failed[@]} -gt 0 ]]; then
	printf '==> FAILED: %s\n' "${failed[@]}" >&2
	exit 1
fi
