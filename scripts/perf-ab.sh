#!/usr/bin/env bash
# A/B measurement of one oidcp binary (docs/performance.md, round 4).
#   bash scripts/perf-ab.sh BIN LABEL SCENARIO...   (scenarios: cc intro login)
# Starts BIN (`serve --dev`) on a fresh PostgreSQL database (STORE=sqlite: a temporary
# SQLite file), registers the side-by-side benchmark's clients, runs each scenario
# (wrk or ../shared/bench's flowbench, C connections, 2 s warm-up, D seconds) and prints
# one line per scenario: the result, the load average, and the CPU per request of the
# server and of its PostgreSQL backends (utime+stime from /proc). Run the old and the
# new binary alternately, several rounds. PROF=prefix also saves a CPU profile per
# scenario from the admin listener. Knobs: D C PORT STORE PGSYNC (a database-wide
# synchronous_commit, to bound what relaxing commits could give) BENCH_DIR.
set -euo pipefail
BIN="$(realpath "$1")"; LABEL="$2"; shift 2
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -z "${BENCH_DIR:-}" ]]; then # ../shared/bench from the checkout (a worktree may sit one level deeper)
  for d in "$REPO/../shared/bench" "$REPO/../../shared/bench"; do [[ -d "$d" ]] && BENCH_DIR="$(cd "$d" && pwd)" && break; done
fi
[[ -d "${BENCH_DIR:-}" ]] || { echo "set BENCH_DIR to the shared bench directory" >&2; exit 1; }
FLOWBENCH="$(mktemp -d)/flowbench"; (cd "$BENCH_DIR/flowbench" && go build -o "$FLOWBENCH" .)
D="${D:-8}"; C="${C:-32}"; PORT="${PORT:-4100}"; APORT=$((PORT+1))
TMP="$(mktemp -d /tmp/oidcp-ab.XXXXXX)"; DB="perfab_$$"; PID=""
STORE="${STORE:-postgres}"
cleanup() { # stops only what it started; every step runs even if one fails
  set +e
  [[ -n "$PID" ]] && kill "$PID" 2>/dev/null && sleep 0.5 && kill -9 "$PID" 2>/dev/null
  [[ $STORE == postgres ]] && psql -h 127.0.0.1 -U postgres -qc "drop database if exists $DB with (force)" >/dev/null 2>&1
  rm -rf "$TMP" "$(dirname "$FLOWBENCH")"
  return 0
}
trap cleanup EXIT
if [[ $STORE == postgres ]]; then
psql -h 127.0.0.1 -U postgres -qc "create database $DB" >/dev/null; [[ -n "${PGSYNC:-}" ]] && psql -h 127.0.0.1 -U postgres -qc "alter database $DB set synchronous_commit=$PGSYNC" >/dev/null
DSN="postgres://postgres@127.0.0.1:5432/$DB?sslmode=disable"
else DSN="sqlite:$TMP/oidcp.db"; fi
export OIDCP_DSN="$DSN" OIDCP_BASE_URL="http://127.0.0.1:$PORT" OIDCP_ADDR="127.0.0.1:$PORT" \
  OIDCP_ADMIN_ADDR="127.0.0.1:$APORT" OIDCP_DATA_DIR="$TMP" OIDCP_DEV=1 OIDCP_LOG_LEVEL=warn OIDCP_ADMIN_TOKEN=admintok-0123456789abcdef0123456789abcdef
(cd "$TMP" && exec "$BIN" serve >"$TMP/serve.log" 2>&1) & PID=$!
for _ in $(seq 120); do curl -fs "http://127.0.0.1:$APORT/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
"$BIN" clients create --tenant sandbox --id bench-cc --secret bench-cc-secret-0123456789abcdef --grant-type client_credentials --scope openid >/dev/null
"$BIN" clients create --tenant sandbox --id bench-web --secret bench-web-secret-0123456789abcdef \
  --redirect-uri "http://127.0.0.1:$PORT/cb" --scope "openid profile" --id-token-alg RS256 \
  --grant-type authorization_code --grant-type refresh_token >/dev/null
ISS="http://127.0.0.1:$PORT/sandbox"
BASIC=$(printf 'bench-cc:bench-cc-secret-0123456789abcdef' | base64 -w0)
CP=""
prof() { CP=""; if [[ -n "${PROF:-}" ]]; then curl -s -H "Authorization: Bearer admintok-0123456789abcdef0123456789abcdef" -o "$PROF.$1.pprof" "http://127.0.0.1:$APORT/debug/pprof/profile?seconds=$((D-2))" & CP=$!; fi; }
waitp() { [[ -n "$CP" ]] && wait $CP; true; }
ticks() { # oidcp's CPU ticks and the CPU ticks of the database's backends
  local o b=0 p; o=$(awk '{print $14+$15}' /proc/$PID/stat)
  if [[ $STORE == postgres ]]; then for p in $(psql -h 127.0.0.1 -U postgres -Atc "select pid from pg_stat_activity where datname='$DB'"); do
    [[ -r /proc/$p/stat ]] && b=$((b + $(awk '{print $14+$15}' /proc/$p/stat))); done; fi
  echo "$o $b"; }
for s in "$@"; do
  case $s in
  cc) BODY=grant_type=client_credentials BASIC=$BASIC wrk -t1 -c$C -d2s -s "$BENCH_DIR/lua/post.lua" $ISS/token >/dev/null
      t1=$(ticks); prof cc; l=$(BODY=grant_type=client_credentials BASIC=$BASIC wrk -t1 -c$C -d${D}s --latency -s "$BENCH_DIR/lua/post.lua" $ISS/token | grep WRK_RESULT); waitp;;
  intro) tok=$(curl -fsS -u bench-cc:bench-cc-secret-0123456789abcdef -d grant_type=client_credentials $ISS/token | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
      BODY="token=$tok" BASIC=$BASIC wrk -t1 -c$C -d2s -s "$BENCH_DIR/lua/post.lua" $ISS/introspect >/dev/null
      t1=$(ticks); prof intro; l=$(BODY="token=$tok" BASIC=$BASIC wrk -t1 -c$C -d${D}s --latency -s "$BENCH_DIR/lua/post.lua" $ISS/introspect | grep WRK_RESULT); waitp;;
  login) t1=$(ticks); prof login; l=$("$FLOWBENCH" -issuer $ISS -client bench-web -secret bench-web-secret-0123456789abcdef -redirect http://127.0.0.1:$PORT/cb -c $C -d ${D}s -warmup 2s -params login_hint=testid:14838500073 -json 2>&1 | grep FLOWBENCH_JSON); waitp;;
  esac
  read -r o1 b1 <<<"$t1"; read -r o2 b2 <<<"$(ticks)"
  n=$(grep -o 'requests=[0-9]*\|"flows":[0-9]*' <<<"$l" | grep -o '[0-9]*$' || true); n=${n:-1}
  cpu="oidcp_us=$(( (o2-o1)*10000/n )) pg_us=$(( (b2-b1)*10000/n ))"
  echo "$LABEL $s $cpu $(cut -d' ' -f1-3 /proc/loadavg) $l"
done
