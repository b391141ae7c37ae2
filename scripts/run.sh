#!/usr/bin/env bash
# `make run`: the whole system on this machine, in the foreground.
#
#   Temporal dev server (+ Web UI)   unless a server answers at TEMPORAL_ADDRESS
#   PostgreSQL cluster in $GMS_DATA_DIR/pg   unless one answers at DATABASE_URL
#   ors-sim, worker, api             built from ./cmd/...
#
# Ctrl-C (or SIGTERM) stops everything this script started. A second run reuses
# $GMS_DATA_DIR (Temporal database, PostgreSQL cluster) and is up in seconds.
#
# Usage: scripts/run.sh [--infra] [--cluster]
#   --infra     start only Temporal and PostgreSQL (to run api/worker by hand)
#   --cluster   a real Temporal cluster instead of the dev server (make
#               cluster): frontend, history, matching and worker services as
#               separate processes, 16 history shards, its own PostgreSQL
#               under $GMS_DATA_DIR/cluster
#
# Environment (CONTRACT.md): GMS_CONFIG, GMS_HTTP_ADDR, GMS_PUBLIC_URL,
# TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE, DATABASE_URL,
# GMS_DATA_DIR, ORS_SIM_ADDR. Two copies with different ports and GMS_DATA_DIR
# run side by side.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

INFRA_ONLY=0
CLUSTER=0
for arg in "$@"; do
	case "$arg" in
	--infra) INFRA_ONLY=1 ;;
	--cluster) CLUSTER=1 ;;
	-h | --help)
		sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*) die "unknown argument: $arg (try --help)" ;;
	esac
done

GMS_CONFIG_SET="${GMS_CONFIG:+1}"
export GMS_CONFIG="${GMS_CONFIG:-config/gms.ini}"
export GMS_HTTP_ADDR="${GMS_HTTP_ADDR:-127.0.0.1:8080}"
export GMS_PUBLIC_URL="${GMS_PUBLIC_URL:-http://$GMS_HTTP_ADDR}"
export TEMPORAL_ADDRESS="${TEMPORAL_ADDRESS:-127.0.0.1:7233}"
export TEMPORAL_NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
export TEMPORAL_TASK_QUEUE="${TEMPORAL_TASK_QUEUE:-callbacks}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:55432/gms?sslmode=disable}"
export ORS_SIM_ADDR="${ORS_SIM_ADDR:-127.0.0.1:8090}"
GMS_DATA_DIR="${GMS_DATA_DIR:-.data}"
mkdir -p "$GMS_DATA_DIR"
GMS_DATA_DIR="$(cd "$GMS_DATA_DIR" && pwd)"
export GMS_DATA_DIR
LOG_DIR="$GMS_DATA_DIR/logs"
mkdir -p "$LOG_DIR"

# ---------------------------------------------------------------------------
# Cleanup: everything started here, newest first.

PROC_PIDS=()  # app processes (ors-sim, worker, api)
PROC_NAMES=()
TEMPORAL_PID=""
PG_STARTED_DIR=""
PG_BIN=""
CLEANED=0

stop_pid() { # NAME PID SECONDS
	local name="$1" pid="$2" secs="$3" i
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < secs * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		warn "$name did not stop within ${secs}s; killing it"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

cleanup() {
	((CLEANED)) && return 0
	CLEANED=1
	# Finish the job whatever happens meanwhile: a second Ctrl-C, a closed
	# terminal or output pipe (SIGPIPE), a failing command.
	set +e
	trap '' INT TERM PIPE HUP
	local i
	if ((${#PROC_PIDS[@]} > 0)) || [[ -n "$TEMPORAL_PID$PG_STARTED_DIR" ]]; then
		say "stopping"
	fi
	for ((i = ${#PROC_PIDS[@]} - 1; i >= 0; i--)); do
		stop_pid "${PROC_NAMES[i]}" "${PROC_PIDS[i]}" 15
	done
	if [[ -n "$TEMPORAL_PID" ]]; then
		say "stopping Temporal"
		stop_pid temporal "$TEMPORAL_PID" 60
	fi
	if [[ -n "$PG_STARTED_DIR" ]]; then
		say "stopping PostgreSQL"
		stop_pg_cluster "$PG_BIN" "$PG_STARTED_DIR"
	fi
	# Let the log pipes drain.
	wait 2>/dev/null || true
}
trap cleanup EXIT
# A stop asked for (Ctrl-C, SIGTERM) is a normal end of `make run`.
trap 'exit 0' INT
trap 'exit 0' TERM
trap 'exit 129' HUP

# ---------------------------------------------------------------------------
# Tools

say "checking tools"
ensure_temporal
((CLUSTER)) && ensure_temporal_server
PG_BIN="$(ensure_postgres | tail -n 1)"
[[ -n "$PG_BIN" ]] || die "PostgreSQL bin dir not found"

# ---------------------------------------------------------------------------
# Temporal

split_hostport "$TEMPORAL_ADDRESS" 7233
T_HOST="$HP_HOST"
T_PORT="$HP_PORT"
TEMPORAL_UI=""
# The Temporal UI shows payloads decrypted by the API's codec endpoint
# (admin credentials: the browser asks for them on the API's origin).
export GMS_UI_CODEC="$GMS_PUBLIC_URL/codec"
if port_open "$T_HOST" "$T_PORT"; then
	say "using the Temporal server already answering at $TEMPORAL_ADDRESS"
	wait_temporal "$TEMPORAL_ADDRESS" || die "something listens at $TEMPORAL_ADDRESS but it is not a healthy Temporal frontend"
	TEMPORAL_UI="(not started by make run)"
elif is_local_host "$T_HOST" && ((CLUSTER)); then
	start_temporal_cluster "$T_PORT" "$GMS_DATA_DIR" "$TEMPORAL_NAMESPACE"
	TEMPORAL_UI="http://127.0.0.1:$TEMPORAL_UI_PORT"
	export GMS_CODEC_ORIGINS="${GMS_CODEC_ORIGINS:-$TEMPORAL_UI,http://localhost:$TEMPORAL_UI_PORT}"
	export TEMPORAL_UI_URL="${TEMPORAL_UI_URL:-$TEMPORAL_UI}"
elif is_local_host "$T_HOST"; then
	start_temporal_dev "$T_HOST" "$T_PORT" "$GMS_DATA_DIR" "$TEMPORAL_NAMESPACE"
	TEMPORAL_UI="http://127.0.0.1:$TEMPORAL_UI_PORT"
	export GMS_CODEC_ORIGINS="${GMS_CODEC_ORIGINS:-$TEMPORAL_UI,http://localhost:$TEMPORAL_UI_PORT}"
	# The operator page links each callback to its workflow in this UI.
	export TEMPORAL_UI_URL="${TEMPORAL_UI_URL:-$TEMPORAL_UI}"
else
	die "no Temporal server answers at $TEMPORAL_ADDRESS, and it is not a local address"
fi

# ---------------------------------------------------------------------------
# PostgreSQL

parse_database_url "$DATABASE_URL"
if port_open "$DB_HOST" "$DB_PORT"; then
	say "using the PostgreSQL server already answering at $DB_HOST:$DB_PORT"
	wait_pg "$PG_BIN" "$DB_HOST" "$DB_PORT" || die "something listens at $DB_HOST:$DB_PORT but it is not PostgreSQL"
elif is_local_host "$DB_HOST"; then
	PG_DIR="$(pg_cluster_dir "$GMS_DATA_DIR")"
	init_pg_cluster "$PG_BIN" "$PG_DIR" "$DB_USER"
	start_pg_cluster "$PG_BIN" "$PG_DIR" "$DB_PORT"
	PG_STARTED_DIR="$PG_DIR"
else
	die "no PostgreSQL answers at $DB_HOST:$DB_PORT, and it is not a local address"
fi
ensure_database "$PG_BIN" "$DB_HOST" "$DB_PORT" "$DB_USER" "$DB_PASSWORD" "$DB_NAME"

# ---------------------------------------------------------------------------
# Application

start_proc() { # NAME CMD...: starts CMD, its output prefixed on the terminal and in $LOG_DIR/NAME.log
	local name="$1"
	shift
	"$@" > >(tee -a "$LOG_DIR/$name.log" | sed -u "s/^/[$name] /") 2>&1 &
	PROC_PIDS+=($!)
	PROC_NAMES+=("$name")
}

wait_listen() { # NAME HOST:PORT PID
	local name="$1" i
	split_hostport "$2" ""
	for ((i = 0; i < 60; i++)); do
		port_open "$HP_HOST" "$HP_PORT" && return 0
		kill -0 "$3" 2>/dev/null || die "$name exited during startup (see $LOG_DIR/$name.log)"
		sleep 0.5
	done
	die "$name does not listen on $2 after 30 s (see $LOG_DIR/$name.log)"
}

if ((!INFRA_ONLY)); then
	for pair in "ors-sim=$ORS_SIM_ADDR" "api=$GMS_HTTP_ADDR"; do
		split_hostport "${pair#*=}" ""
		if port_open "$HP_HOST" "$HP_PORT"; then
			die "${pair%%=*}: something already listens on ${pair#*=}"
		fi
	done
	[[ -f "$GMS_CONFIG" ]] || warn "configuration file $GMS_CONFIG does not exist"
	# config/gms.ini sends ORS and statistics requests to the simulator's
	# default address; a copy whose simulator listens elsewhere (side by side
	# with another) gets a copy of the file pointing at its own simulator.
	if [[ -z "$GMS_CONFIG_SET" && -f "$GMS_CONFIG" && "$ORS_SIM_ADDR" != 127.0.0.1:8090 ]]; then
		sed "s#http://127\.0\.0\.1:8090#http://$ORS_SIM_ADDR#g; s#http://localhost:8090#http://$ORS_SIM_ADDR#g" \
			"$GMS_CONFIG" >"$GMS_DATA_DIR/gms.ini"
		export GMS_CONFIG="$GMS_DATA_DIR/gms.ini"
		say "ORS_SIM_ADDR is $ORS_SIM_ADDR: using $GMS_CONFIG (config/gms.ini with the simulator's address)"
	fi

	say "building bin/ors-sim, bin/worker, bin/api"
	mkdir -p bin
	go build -o bin/ ./cmd/... || die "build failed"
	for b in ors-sim worker api; do
		[[ -x "bin/$b" ]] || die "bin/$b was not built (is ./cmd/$b missing?)"
	done

	say "starting ors-sim on $ORS_SIM_ADDR"
	start_proc ors-sim ./bin/ors-sim
	wait_listen ors-sim "$ORS_SIM_ADDR" "${PROC_PIDS[-1]}"

	say "starting worker (task queue $TEMPORAL_TASK_QUEUE)"
	start_proc worker ./bin/worker

	say "starting api on $GMS_HTTP_ADDR"
	start_proc api ./bin/api
	wait_listen api "$GMS_HTTP_ADDR" "${PROC_PIDS[-1]}"
fi

# ---------------------------------------------------------------------------
# Ready

{
	echo "==> ready"
	if ((!INFRA_ONLY)); then
		printf '    %-15s %s\n' "API" "http://$GMS_HTTP_ADDR  (public URL $GMS_PUBLIC_URL, GET /healthz)"
		printf '    %-15s %s\n' "ORS simulator" "http://$ORS_SIM_ADDR  (statistics: http://$ORS_SIM_ADDR/statistic)"
		printf '    %-15s %s\n' "worker" "task queue $TEMPORAL_TASK_QUEUE"
	fi
	printf '    %-15s %s\n' "Temporal" "$TEMPORAL_ADDRESS  (namespace $TEMPORAL_NAMESPACE)"
	printf '    %-15s %s\n' "Temporal UI" "$TEMPORAL_UI"
	printf '    %-15s %s\n' "PostgreSQL" "$DATABASE_URL"
	printf '    %-15s %s\n' "config" "$GMS_CONFIG"
	printf '    %-15s %s\n' "data / logs" "$GMS_DATA_DIR  /  $LOG_DIR"
	echo "==> Ctrl-C stops everything"
} >&2

# Wait until interrupted, or until one of our processes dies.
while :; do
	wait -n 2>/dev/null || true
	for ((i = 0; i < ${#PROC_PIDS[@]}; i++)); do
		if ! kill -0 "${PROC_PIDS[i]}" 2>/dev/null; then
			warn "${PROC_NAMES[i]} exited (see $LOG_DIR/${PROC_NAMES[i]}.log); stopping everything"
			exit 1
		fi
	done
	if [[ -n "$TEMPORAL_PID" ]] && ! kill -0 "$TEMPORAL_PID" 2>/dev/null; then
		warn "Temporal exited (see $GMS_DATA_DIR/temporal.log); stopping everything"
		exit 1
	fi
	if [[ -n "$PG_STARTED_DIR" ]] && ! port_open "$DB_HOST" "$DB_PORT"; then
		warn "PostgreSQL stopped answering (see $PG_STARTED_DIR/server.log); stopping everything"
		exit 1
	fi
	# Nothing of ours to wait for (e.g. --infra with external servers): idle.
	if ((${#PROC_PIDS[@]} == 0)) && [[ -z "$TEMPORAL_PID" ]]; then
		sleep 5 &
		wait $! || true
	fi
done
