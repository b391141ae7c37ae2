#!/usr/bin/env bash
# Finds a headless-capable Chromium (the operator page's end-to-end test
# drives it), installing Debian's chromium package when it is missing (as
# root). Prints the binary's path as the last line of stdout; progress goes to
# stderr. Idempotent; quiet when present. $CHROMIUM, when set to an executable,
# wins.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

find_chromium() {
	local c
	if [[ -n "${CHROMIUM:-}" && -x "${CHROMIUM}" ]]; then
		printf '%s\n' "$CHROMIUM"
		return 0
	fi
	for c in chromium chromium-browser google-chrome-stable google-chrome; do
		if command -v "$c" >/dev/null 2>&1; then
			command -v "$c"
			return 0
		fi
	done
	return 1
}

if bin="$(find_chromium)"; then
	printf '%s\n' "$bin"
	exit 0
fi
if [[ "$(id -u)" != 0 ]]; then
	die "chromium not found; install Debian's chromium package (apt-get install chromium) as root"
fi
command -v apt-get >/dev/null 2>&1 || die "chromium not found and apt-get is missing; install Chromium by hand"
say "installing chromium with apt-get (first time only)"
{
	DEBIAN_FRONTEND=noninteractive apt-get update -q &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core
} >&2 || die "apt-get install chromium failed"
bin="$(find_chromium)" || die "chromium installed but not found on PATH"
printf '%s\n' "$bin"
