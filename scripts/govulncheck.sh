#!/usr/bin/env bash
# Runs govulncheck over the module against a local copy of the Go
# vulnerability database, built from what the Go module proxy serves.
#
# The database host (vuln.go.dev) is not reachable from the project's
# machines, but the database's source is: the module golang.org/x/vulndb
# holds every advisory as OSV JSON (data/osv/GO-*.json), and its command
# cmd/indexdb writes them out in the v1 layout govulncheck reads with
# -db file://... (index/db.json, index/modules.json, ID/GO-*.json). Same
# advisories, same tool the real database is indexed with.
#
#   bin/govulncheck            govulncheck (GOVULNCHECK_VERSION)
#   bin/indexdb                x/vulndb's indexer (same version as the data)
#   bin/vulndb/                the v1 database; bin/vulndb/VERSION = its x/vulndb version
#
# VULNDB_VERSION (default latest) picks the x/vulndb version; the database is
# rebuilt when it resolves to another version than bin/vulndb/VERSION. When
# the proxy cannot be asked, an existing database is used as it is.
# Extra arguments go to govulncheck (default ./...). Exit status: govulncheck's
# (0 clean, 3 vulnerabilities found).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

GOVULNCHECK_VERSION="${GOVULNCHECK_VERSION:-v1.9.0}"
VULNDB_VERSION="${VULNDB_VERSION:-latest}"
BIN="$REPO_ROOT/bin"
DB="$BIN/vulndb"

command -v go >/dev/null 2>&1 || die "go is not on PATH"
mkdir -p "$BIN"

installed_version() { # BINARY -> module version recorded in it, or nothing
	[[ -x "$1" ]] && go version -m "$1" 2>/dev/null | awk '$1 == "mod" { print $3; exit }'
}

if [[ "$(installed_version "$BIN/govulncheck")" != "$GOVULNCHECK_VERSION" ]]; then
	say "installing govulncheck $GOVULNCHECK_VERSION into bin/"
	(cd "$REPO_ROOT" && GOBIN="$BIN" go install "golang.org/x/vuln/cmd/govulncheck@$GOVULNCHECK_VERSION") ||
		die "could not install govulncheck"
fi

# Resolve the x/vulndb version and fetch its module (zip cached by go).
have="$(cat "$DB/VERSION" 2>/dev/null || true)"
if line="$(cd "$REPO_ROOT" && go list -m -f '{{.Version}} {{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' "golang.org/x/vulndb@$VULNDB_VERSION" 2>/dev/null)"; then
	read -r version stamp <<<"$line"
	if [[ "$version" != "$have" ]]; then
		if [[ "$(installed_version "$BIN/indexdb")" != "$version" ]]; then
			say "installing x/vulndb's indexdb $version into bin/ (first time: about 30 s)"
			(cd "$REPO_ROOT" && GOBIN="$BIN" go install "golang.org/x/vulndb/cmd/indexdb@$version") ||
				die "could not install indexdb"
		fi
		(cd "$REPO_ROOT" && go mod download "golang.org/x/vulndb@$version") || die "could not fetch golang.org/x/vulndb@$version"
		dir="$(cd "$REPO_ROOT" && go list -m -f '{{.Dir}}' "golang.org/x/vulndb@$version")"
		[[ -d "$dir/data/osv" ]] || die "golang.org/x/vulndb@$version has no data/osv"
		say "building the vulnerability database from golang.org/x/vulndb@$version ($(find "$dir/data/osv" -name 'GO-*.json' | wc -l) advisories)"
		tmp="$DB.tmp"
		rm -rf "$tmp"
		"$BIN/indexdb" -vulns "$dir/data/osv" -out "$tmp"
		# The OSV files of the repository carry no modified time (the hosted
		# database takes it from git history); date the database with the
		# snapshot's commit time instead of year 1.
		printf '{"modified":"%s"}' "$stamp" >"$tmp/index/db.json"
		gzip -9 -n -c "$tmp/index/db.json" >"$tmp/index/db.json.gz"
		echo "$version" >"$tmp/VERSION"
		rm -rf "$DB"
		mv "$tmp" "$DB"
	fi
elif [[ -n "$have" ]]; then
	warn "cannot resolve golang.org/x/vulndb@$VULNDB_VERSION; using the database of $have"
else
	die "cannot fetch golang.org/x/vulndb@$VULNDB_VERSION and there is no database in $DB"
fi

[[ $# -gt 0 ]] || set -- ./...
say "govulncheck $GOVULNCHECK_VERSION, database golang.org/x/vulndb@$(cat "$DB/VERSION"), $(go env GOVERSION)"
cd "$REPO_ROOT"
exec "$BIN/govulncheck" -db "file://$DB" "$@"
