#!/usr/bin/env bash
# Load benchmark: builds oidcp and the load driver, starts `oidcp serve
# --dev` on free ports with a temporary data directory, registers a
# confidential client, drives the server with cmd/oidcp-load (scenarios
# cc, introspect and login) and stops it. `make bench` runs this after the
# Go micro-benchmarks.
#
# Environment (all optional):
#   BENCH_DSN          storage DSN, e.g. postgres://postgres@127.0.0.1:5432/oidcp_bench
#                      (default: SQLite in the temporary data directory)
#   BENCH_DURATION     how long each scenario runs (default 10s)
#   BENCH_CONCURRENCY  concurrent clients (default 16)
#   BENCH_SCENARIO     cc, introspect, login or all (default all)
#   BENCH_PID          synthetic fødselsnummer the login scenario logs in as
set -euo pipefail

cd "$(dirname "$0")/.."

GO="${GO:-go}"
duration="${BENCH_DURATION:-10s}"
concurrency="${BENCH_CONCURRENCY:-16}"
scenario="${BENCH_SCENARIO:-all}"
# representation.SyntheticPID(1980-05-17, 123): synthetic (+80 on the
# month), so it can never be a real person's number.
pid="${BENCH_PID:-17858012392}"

log() { printf '==> %s\n' "$*" >&2; }

# free_port prints a loopback TCP port nobody listens on: bash's
# /dev/tcp connects when the port is taken.
free_port() {
	local p
	for _ in $(seq 1 200); do
		p=$((20000 + RANDOM % 30000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	echo "bench: no free port found" >&2
	return 1
}

log "building bin/oidcp and bin/oidcp-load"
"$GO" build -o bin/oidcp ./cmd/oidcp
"$GO" build -o bin/oidcp-load ./cmd/oidcp-load

tmp="$(mktemp -d)"
server_pid=""
cleanup() {
	if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

port="$(free_port)"
admin_port="$(free_port)"
while [[ "$admin_port" == "$port" ]]; do admin_port="$(free_port)"; done
base="http://127.0.0.1:$port"
dsn="${BENCH_DSN:-sqlite:$tmp/oidcp.db}"
store_flags=(--dsn "$dsn" --data-dir "$tmp")

log "machine: $(nproc) CPUs, $("$GO" env GOVERSION); the server and the driver share it"
log "starting oidcp serve --dev on $base (storage: ${dsn%%:*})"
bin/oidcp serve --dev --addr "127.0.0.1:$port" --admin-addr "127.0.0.1:$admin_port" \
	--base-url "$base" --log-level warn "${store_flags[@]}" >"$tmp/server.log" 2>&1 &
server_pid=$!

# ready answers whether GET /readyz on the admin listener says 200 (the
# store and keys are usable), in plain bash so no HTTP client is needed.
ready() {
	local line
	exec 3<>"/dev/tcp/127.0.0.1/$admin_port" || return 1
	printf 'GET /readyz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
	IFS= read -r -t 2 line <&3 || line=""
	exec 3<&-
	[[ "$line" == "HTTP/1."?" 200"* ]]
}
is_ready=""
for _ in $(seq 1 300); do
	kill -0 "$server_pid" 2>/dev/null || break
	if ready 2>/dev/null; then
		is_ready=1
		break
	fi
	sleep 0.1
done
if [[ -z "$is_ready" ]]; then
	echo "bench: the server did not become ready; its log:" >&2
	cat "$tmp/server.log" >&2
	exit 1
fi

client_id="bench-$RANDOM$RANDOM"
secret="$(head -c 32 /dev/urandom | base64 | tr -d '/+=\n')"
redirect_uri="http://127.0.0.1:9/cb" # nothing listens; the driver stops there
log "registering confidential client $client_id"
bin/oidcp clients create --tenant sandbox --id "$client_id" --secret "$secret" \
	--redirect-uri "$redirect_uri" --scope "openid profile pid" \
	--grant-type authorization_code --grant-type refresh_token --grant-type client_credentials \
	"${store_flags[@]}" >/dev/null

cmd=(bin/oidcp-load --issuer "$base/sandbox" --client-id "$client_id" --redirect-uri "$redirect_uri"
	--concurrency "$concurrency" --duration "$duration" --scenario "$scenario" --pid "$pid")
log "${cmd[*]//$pid/<pid>}"
status=0
OIDCP_LOAD_CLIENT_SECRET="$secret" "${cmd[@]}" || status=$?

if [[ "$status" != 0 ]]; then
	echo "bench: the load driver failed (exit $status); server log:" >&2
	tail -n 50 "$tmp/server.log" >&2
fi
exit "$status"
