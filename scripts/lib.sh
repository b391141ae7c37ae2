# shellcheck shell=bash
# Shared helpers of the scripts under scripts/. Source it; it defines
# functions and the repository root in REPO_ROOT, and changes nothing else.
#
# Progress goes to stderr as "==> ..." lines, so that a function's stdout can
# carry a value (ensure_postgres prints the PostgreSQL bin dir).

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Pinned: newer tags of the CLI cannot be built with the toolchain here.
TEMPORAL_CLI_VERSION="${TEMPORAL_CLI_VERSION:-v1.5.1}"
# The real Temporal server (make cluster, make test-cluster): the newest tag
# on the module proxy that builds with go.mod's pinned toolchain.
TEMPORAL_SERVER_VERSION="${TEMPORAL_SERVER_VERSION:-v1.32.2}"
# Its Web UI: the ui-server the pinned CLI embeds.
TEMPORAL_UI_VERSION="${TEMPORAL_UI_VERSION:-v2.42.1}"

say() { printf '==> %s\n' "$*" >&2; }
warn() { printf '==> WARNING: %s\n' "$*" >&2; }
die() {
	printf '==> ERROR: %s\n' "$*" >&2
	exit 1
}

# ---------------------------------------------------------------------------
# Tools

# ensure_temporal: installs bin/temporal (the Temporal CLI with its dev server)
# when it is missing. Idempotent and silent when present.
ensure_temporal() {
	local bin="$REPO_ROOT/bin/temporal"
	if [[ -x "$bin" ]]; then
		return 0
	fi
	command -v go >/dev/null 2>&1 || die "go is not on PATH; it is needed to install the Temporal CLI"
	say "installing Temporal CLI $TEMPORAL_CLI_VERSION into bin/ (first time only, takes a few minutes)"
	mkdir -p "$REPO_ROOT/bin"
	(cd "$REPO_ROOT" && GOBIN="$REPO_ROOT/bin" go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION") ||
		die "could not install the Temporal CLI"
	[[ -x "$bin" ]] || die "go install finished but $bin is missing"
}

# ensure_temporal_server: installs the real Temporal server into bin/ —
# bin/temporal-server, bin/temporal-sql-tool and its PostgreSQL schemas in
# bin/temporal-schema, and the Web UI server bin/temporal-ui — unless those
# versions are there. Idempotent; built with
# go.mod's toolchain, cached by Go's build cache after the first time.
ensure_temporal_server() {
	local bin="$REPO_ROOT/bin" stamp="$REPO_ROOT/bin/.temporal-server-version"
	local want="$TEMPORAL_SERVER_VERSION ui $TEMPORAL_UI_VERSION"
	if [[ -x "$bin/temporal-server" && -x "$bin/temporal-sql-tool" && -x "$bin/temporal-ui" && -d "$bin/temporal-schema" &&
		"$(cat "$stamp" 2>/dev/null)" == "$want" ]]; then
		return 0
	fi
	command -v go >/dev/null 2>&1 || die "go is not on PATH; it is needed to build the Temporal server"
	local toolchain
	toolchain="$(sed -n 's/^toolchain //p' "$REPO_ROOT/go.mod")"
	say "building Temporal server $TEMPORAL_SERVER_VERSION and UI $TEMPORAL_UI_VERSION ($toolchain) into bin/ (first time only: several minutes)"
	mkdir -p "$bin"
	local tmp
	tmp="$(mktemp -d)"
	(cd "$tmp" && GOTOOLCHAIN="$toolchain" GOBIN="$tmp" GOFLAGS=-buildvcs=false go install \
		"go.temporal.io/server/cmd/server@$TEMPORAL_SERVER_VERSION" \
		"go.temporal.io/server/cmd/tools/sql@$TEMPORAL_SERVER_VERSION") || die "could not build the Temporal server"
	mkdir -p "$tmp/ui"
	(cd "$tmp" && GOTOOLCHAIN="$toolchain" GOBIN="$tmp/ui" GOFLAGS=-buildvcs=false go install \
		"github.com/temporalio/ui-server/v2/cmd/server@$TEMPORAL_UI_VERSION") || die "could not build the Temporal Web UI"
	local src
	src="$(cd "$tmp" && GOTOOLCHAIN="$toolchain" go mod download -json "go.temporal.io/server@$TEMPORAL_SERVER_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
	[[ -d "$src/schema/postgresql/v12" ]] || die "no PostgreSQL schemas in $src"
	rm -rf "$bin/temporal-schema"
	mkdir -p "$bin/temporal-schema"
	cp -r "$src/schema/postgresql/v12/temporal" "$src/schema/postgresql/v12/visibility" "$bin/temporal-schema/"
	chmod -R u+w "$bin/temporal-schema"
	mv "$tmp/server" "$bin/temporal-server"
	mv "$tmp/sql" "$bin/temporal-sql-tool"
	mv "$tmp/ui/server" "$bin/temporal-ui"
	rm -rf "$tmp"
	printf '%s\n' "$want" >"$stamp"
}

# _pg_dir_ok DIR: DIR holds the PostgreSQL server programs.
_pg_dir_ok() {
	local d="$1"
	[[ -n "$d" && -x "$d/initdb" && -x "$d/pg_ctl" && -x "$d/postgres" ]]
}

# find_pg_bin: prints the directory holding initdb, pg_ctl and postgres, or
# fails. The programs on PATH win; else the highest /usr/lib/postgresql/*/bin.
find_pg_bin() {
	local p d
	if [[ -n "${PG_BIN:-}" ]] && _pg_dir_ok "$PG_BIN"; then
		printf '%s\n' "$PG_BIN"
		return 0
	fi
	if p="$(command -v initdb 2>/dev/null)"; then
		# /usr/local/bin/initdb may be a symlink into /usr/lib/postgresql/N/bin,
		# where the client programs of the same version live too.
		d="$(dirname "$(readlink -f "$p")")"
		if _pg_dir_ok "$d"; then
			printf '%s\n' "$d"
			return 0
		fi
		d="$(dirname "$p")"
		if _pg_dir_ok "$d"; then
			printf '%s\n' "$d"
			return 0
		fi
	fi
	local best="" bestv=-1 v
	for d in /usr/lib/postgresql/*/bin; do
		_pg_dir_ok "$d" || continue
		v="$(basename "$(dirname "$d")")"
		v="${v%%.*}"
		[[ "$v" =~ ^[0-9]+$ ]] || v=0
		if ((v > bestv)); then
			best="$d"
			bestv=$v
		fi
	done
	if [[ -n "$best" ]]; then
		printf '%s\n' "$best"
		return 0
	fi
	return 1
}

# ensure_postgres: prints the PostgreSQL bin dir, installing Debian's
# postgresql package first when no server programs are found.
ensure_postgres() {
	local d
	if d="$(find_pg_bin)"; then
		printf '%s\n' "$d"
		return 0
	fi
	if [[ "$(id -u)" != 0 ]]; then
		die "PostgreSQL server programs (initdb, pg_ctl, postgres) not found; install Debian's postgresql package (apt-get install postgresql) as root"
	fi
	command -v apt-get >/dev/null 2>&1 || die "PostgreSQL not found and apt-get is missing; install PostgreSQL by hand"
	say "installing PostgreSQL with apt-get (first time only)"
	{
		DEBIAN_FRONTEND=noninteractive apt-get update -q &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql
	} >&2 || die "apt-get install postgresql failed"
	d="$(find_pg_bin)" || die "postgresql installed but initdb/pg_ctl/postgres still not found"
	printf '%s\n' "$d"
}

# ---------------------------------------------------------------------------
# Addresses

# is_local_host HOST: HOST is this machine.
is_local_host() {
	case "$1" in
	127.* | localhost | ::1 | '[::1]' | 0.0.0.0 | '') return 0 ;;
	*) return 1 ;;
	esac
}

# split_hostport HOST:PORT DEFAULT_PORT: sets HP_HOST and HP_PORT.
split_hostport() {
	local hp="$1" def="${2:-}"
	if [[ "$hp" =~ ^\[([^]]*)\](:([0-9]+))?$ ]]; then # [v6]:port
		HP_HOST="${BASH_REMATCH[1]}"
		HP_PORT="${BASH_REMATCH[3]:-$def}"
	elif [[ "$hp" =~ ^([^:]*):([0-9]+)$ ]]; then
		HP_HOST="${BASH_REMATCH[1]}"
		HP_PORT="${BASH_REMATCH[2]}"
	else
		HP_HOST="$hp"
		HP_PORT="$def"
	fi
	[[ -n "$HP_HOST" ]] || HP_HOST=127.0.0.1
}

# port_open HOST PORT: something accepts TCP connections there.
port_open() {
	local host="$1" port="$2"
	[[ "$host" == 0.0.0.0 || "$host" == localhost || -z "$host" ]] && host=127.0.0.1
	timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$host" "$port" 2>/dev/null
}

# free_port FROM: prints the first port >= FROM that nothing listens on.
free_port() {
	local p="$1"
	while ((p < 65535)); do
		if ! port_open 127.0.0.1 "$p"; then
			printf '%s\n' "$p"
			return 0
		fi
		p=$((p + 1))
	done
	return 1
}

# _urldecode S: percent-decoding of S.
_urldecode() {
	local s="${1//+/ }"
	printf '%b' "${s//%/\\x}"
}

# parse_database_url URL: sets DB_USER, DB_PASSWORD, DB_HOST, DB_PORT, DB_NAME
# from postgres://user[:password]@host[:port]/dbname[?params].
parse_database_url() {
	local url="$1" rest auth hostport
	case "$url" in
	postgres://* | postgresql://*) rest="${url#*://}" ;;
	*) die "DATABASE_URL must be a postgres:// URL, got: $url" ;;
	esac
	rest="${rest%%\?*}"
	rest="${rest%%#*}"
	if [[ "$rest" == */* ]]; then
		DB_NAME="${rest#*/}"
		rest="${rest%%/*}"
	else
		DB_NAME=""
	fi
	if [[ "$rest" == *@* ]]; then
		auth="${rest%@*}"
		hostport="${rest##*@}"
	else
		auth=""
		hostport="$rest"
	fi
	if [[ "$auth" == *:* ]]; then
		DB_USER="$(_urldecode "${auth%%:*}")"
		DB_PASSWORD="$(_urldecode "${auth#*:}")"
	else
		DB_USER="$(_urldecode "$auth")"
		DB_PASSWORD=""
	fi
	split_hostport "$hostport" 5432
	DB_HOST="$HP_HOST"
	DB_PORT="$HP_PORT"
	DB_NAME="$(_urldecode "$DB_NAME")"
	[[ -n "$DB_USER" ]] || DB_USER=postgres
	[[ -n "$DB_NAME" ]] || DB_NAME="$DB_USER"
}

# ---------------------------------------------------------------------------
# Temporal dev server

# start_temporal_dev HOST PORT DATADIR NAMESPACE: starts `temporal server
# start-dev` in the background (PID in TEMPORAL_PID, Web UI port in
# TEMPORAL_UI_PORT, log in DATADIR/temporal.log) and waits until it is healthy.
start_temporal_dev() {
	local host="$1" port="$2" data="$3" ns="${4:-default}" ui
	local cli="$REPO_ROOT/bin/temporal"
	# The Web UI takes the first free port from 8233 up (TEMPORAL_UI_PORT, if
	# set, is the first one tried), never the frontend port itself.
	ui="$(free_port "${TEMPORAL_UI_PORT:-8233}")" || die "no free port for the Temporal Web UI"
	if [[ "$ui" == "$port" ]]; then ui="$(free_port $((port + 1)))"; fi
	local args=(server start-dev --ip "$host" --port "$port" --ui-port "$ui"
		--db-filename "$data/temporal.db" --namespace default --log-level warn)
	# The UI decodes the encrypted payloads through the API (GMS_UI_CODEC).
	[[ -n "${GMS_UI_CODEC:-}" ]] && args+=(--ui-codec-endpoint "$GMS_UI_CODEC")
	[[ "$ns" != default ]] && args+=(--namespace "$ns")
	say "starting Temporal dev server on $host:$port (log: $data/temporal.log)"
	"$cli" "${args[@]}" >>"$data/temporal.log" 2>&1 &
	TEMPORAL_PID=$!
	TEMPORAL_UI_PORT="$ui"
	printf '%s\n' "$ui" >"$data/temporal-ui.port"
	await_temporal "the Temporal dev server" 60 "$data/temporal.log" \
		"$cli" operator cluster health --address "$host:$port"
}

# await_temporal WHAT SECONDS LOG CHECK...: waits until the command CHECK
# succeeds; dies when TEMPORAL_PID exits first (showing LOG's tail) or
# SECONDS pass.
await_temporal() {
	local what="$1" secs="$2" log="$3" i
	shift 3
	for ((i = 0; i < secs * 2; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		if ! kill -0 "$TEMPORAL_PID" 2>/dev/null; then
			tail -n 20 "$log" >&2 || true
			die "$what exited during startup (see $log)"
		fi
		sleep 0.5
	done
	die "$what did not become healthy within $secs s (see $log)"
}

# cluster_ready LOG OFFSET ADDR: the cluster logged its ready line after
# byte OFFSET of LOG and its frontend at ADDR answers a health check.
cluster_ready() {
	tail -c +$(($2 + 1)) "$1" 2>/dev/null | grep -q "Temporal cluster ready" &&
		"$REPO_ROOT/bin/temporal" operator cluster health --address "$3"
}

# start_temporal_cluster PORT DATADIR NAMESPACE: starts a real Temporal
# cluster (cmd/temporal-cluster: its own PostgreSQL, the four services as
# separate processes) with its frontend on 127.0.0.1:PORT and its state in
# DATADIR/cluster, and its Web UI on the first free port from 8233 up; sets
# TEMPORAL_PID and TEMPORAL_UI_PORT. A second start reuses that state.
start_temporal_cluster() {
	local port="$1" data="$2" ns="${3:-default}" ui
	ui="$(free_port "${TEMPORAL_UI_PORT:-8233}")" || die "no free port for the Temporal Web UI"
	if [[ "$ui" == "$port" ]]; then ui="$(free_port $((port + 1)))"; fi
	(cd "$REPO_ROOT" && go build -o bin/temporal-cluster ./cmd/temporal-cluster) || die "could not build cmd/temporal-cluster"
	say "starting a Temporal cluster on 127.0.0.1:$port (state: $data/cluster, log: $data/temporal.log)"
	local from
	from="$(stat -c %s "$data/temporal.log" 2>/dev/null || echo 0)"
	"$REPO_ROOT/bin/temporal-cluster" -dir "$data/cluster" -bin "$REPO_ROOT/bin" -address "127.0.0.1:$port" \
		-namespace "$ns" -ui-port "$ui" -ui-codec "${GMS_UI_CODEC:-}" >>"$data/temporal.log" 2>&1 &
	TEMPORAL_PID=$!
	TEMPORAL_UI_PORT="$ui"
	await_temporal "the Temporal cluster (logs also in $data/cluster/logs)" 180 "$data/temporal.log" \
		cluster_ready "$data/temporal.log" "$from" "127.0.0.1:$port"
}

# wait_temporal HOST:PORT: waits until the Temporal frontend answers a health check.
wait_temporal() {
	local addr="$1" i
	for ((i = 0; i < 60; i++)); do
		"$REPO_ROOT/bin/temporal" operator cluster health --address "$addr" >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	return 1
}

# ---------------------------------------------------------------------------
# PostgreSQL cluster

# as_pg_owner CMD...: runs CMD as the cluster owner (postgres when we are root,
# because initdb and postgres refuse to run as root).
as_pg_owner() {
	if [[ "$(id -u)" == 0 ]]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# pg_cluster_dir DATADIR: prints where the cluster of DATADIR lives:
# DATADIR/pg, or, when we are root and the postgres user cannot reach DATADIR
# (e.g. a checkout under /root), a directory under /var/tmp that DATADIR/pg
# links to.
pg_cluster_dir() {
	local data="$1" dir="$1/pg"
	if [[ -L "$dir" ]]; then
		readlink -f "$dir"
		return 0
	fi
	if [[ "$(id -u)" == 0 && ! -d "$dir" ]]; then
		if ! runuser -u postgres -- test -x "$data" 2>/dev/null; then
			local sum
			sum="$(printf '%s' "$(readlink -f "$data")" | md5sum | cut -c1-12)"
			local alt="/var/tmp/gms-pg-$sum"
			mkdir -p "$alt"
			ln -s "$alt" "$dir"
			warn "postgres cannot reach $data; the cluster lives in $alt (linked from $dir)"
			printf '%s\n' "$alt"
			return 0
		fi
	fi
	printf '%s\n' "$dir"
}

# init_pg_cluster PGBIN DIR SUPERUSER: creates the cluster in DIR unless it
# already holds one (trust authentication, UTF8, C locale).
init_pg_cluster() {
	local pgbin="$1" dir="$2" user="${3:-postgres}"
	if [[ -f "$dir/PG_VERSION" ]]; then
		return 0
	fi
	say "creating PostgreSQL cluster in $dir (first time only)"
	mkdir -p "$dir"
	# A half-made cluster from an interrupted initdb is thrown away.
	if [[ -n "$(ls -A "$dir" 2>/dev/null)" ]]; then
		rm -rf "${dir:?}"/* "${dir:?}"/.[!.]* 2>/dev/null || true
	fi
	chmod 700 "$dir"
	if [[ "$(id -u)" == 0 ]]; then
		id postgres >/dev/null 2>&1 || die "running as root but there is no postgres user to own the cluster"
		chown postgres: "$dir"
	fi
	as_pg_owner "$pgbin/initdb" -D "$dir" -U "$user" --auth=trust -E UTF8 --locale=C >"$dir.initdb.log" 2>&1 || {
		cat "$dir.initdb.log" >&2
		die "initdb failed"
	}
	rm -f "$dir.initdb.log"
}

# start_pg_cluster PGBIN DIR PORT: starts the cluster of DIR on 127.0.0.1:PORT
# (socket in DIR, log in DIR/server.log) and waits until it accepts connections.
start_pg_cluster() {
	local pgbin="$1" dir="$2" port="$3"
	say "starting PostgreSQL on 127.0.0.1:$port (log: $dir/server.log)"
	as_pg_owner "$pgbin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
		-o "-c port=$port -c listen_addresses=127.0.0.1 -c unix_socket_directories='$dir'" start >/dev/null || {
		tail -n 20 "$dir/server.log" >&2 || true
		die "pg_ctl start failed (see $dir/server.log)"
	}
	wait_pg "$pgbin" 127.0.0.1 "$port" || die "PostgreSQL did not accept connections on 127.0.0.1:$port"
}

# stop_pg_cluster PGBIN DIR: fast shutdown of the cluster of DIR.
stop_pg_cluster() {
	local pgbin="$1" dir="$2"
	as_pg_owner "$pgbin/pg_ctl" -D "$dir" -m fast -w -t 30 stop >/dev/null 2>&1 || true
}

# wait_pg PGBIN HOST PORT: waits (30 s at most) until pg_isready succeeds.
wait_pg() {
	local pgbin="$1" host="$2" port="$3" i isready="$1/pg_isready"
	[[ -x "$isready" ]] || isready=pg_isready
	for ((i = 0; i < 60; i++)); do
		"$isready" -q -h "$host" -p "$port" && return 0
		sleep 0.5
	done
	return 1
}

# ensure_database PGBIN HOST PORT USER PASSWORD DBNAME: creates DBNAME when missing.
ensure_database() {
	local pgbin="$1" host="$2" port="$3" user="$4" pass="$5" db="$6" psql="$1/psql" exists
	[[ -x "$psql" ]] || psql=psql
	exists="$(PGPASSWORD="$pass" PGCONNECT_TIMEOUT=5 "$psql" -X -q -h "$host" -p "$port" -U "$user" -d postgres -tAc \
		"SELECT 1 FROM pg_database WHERE datname = '${db//\'/\'\'}'")" ||
		die "cannot query PostgreSQL at $host:$port as $user"
	if [[ "$exists" != 1 ]]; then
		say "creating database $db"
		PGPASSWORD="$pass" "$psql" -X -q -h "$host" -p "$port" -U "$user" -d postgres \
			-c "CREATE DATABASE \"${db//\"/\"\"}\"" >/dev/null ||
			die "cannot create database $db"
	fi
}
