#!/usr/bin/env bash
# rss.sh: oidcp on PostgreSQL with 100,000 live login sessions and 1,000,000 live
# access tokens; prints its RSS idle and after client_credentials and login load.
# Needs psql, wrk, and FLOWBENCH=path to the side-by-side benchmark's flowbench binary
# (go build ../shared/bench/flowbench). PostgreSQL at 127.0.0.1:5432, user postgres.
set -euo pipefail
: "${FLOWBENCH:?set FLOWBENCH to a built flowbench binary}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"; TMP="$(mktemp -d /tmp/oidcp-rss.XXXXXX)"; PORT=4200; APORT=4201; PID=""; DB="perfrss_$$"
cleanup() { [[ -n "$PID" ]] && kill "$PID" 2>/dev/null; sleep 1; rm -rf "$TMP"; psql -h 127.0.0.1 -U postgres -qc "drop database if exists $DB with (force)" >/dev/null 2>&1 || true; }
trap cleanup EXIT
(cd $REPO && go build -o "$TMP/oidcp" ./cmd/oidcp)
psql -h 127.0.0.1 -U postgres -qc "create database $DB" >/dev/null
DSN="postgres://postgres@127.0.0.1:5432/$DB?sslmode=disable"
export OIDCP_DSN="$DSN" OIDCP_BASE_URL="http://127.0.0.1:$PORT" OIDCP_ADDR="127.0.0.1:$PORT" OIDCP_ADMIN_ADDR="127.0.0.1:$APORT" OIDCP_DATA_DIR="$TMP" OIDCP_DEV=1 OIDCP_LOG_LEVEL=warn
"$TMP/oidcp" migrate >/dev/null
psql -h 127.0.0.1 -U postgres -d $DB -q <<'SQL'
INSERT INTO sessions (id, tenant, subject, auth_time, acr, amr, user_agent, clients, vals, created_at, last_seen_at, expires_at)
SELECT 'sess-' || lpad(i::text, 40, '0'), 'sandbox', lpad((10000000000 + i)::text, 11, '0'), now(), 'idporten-loa-high', '["BankID"]',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36', '["tool-a"]', decode(repeat('ab', 120), 'hex'),
  now(), now(), now() + interval '2 hours'
FROM generate_series(1, 100000) i;
INSERT INTO tokens (tenant, kind, signature, request_id, client_id, subject, session_id, active, requested_at, expires_at, data)
SELECT 'sandbox', 'access_token', 'sig-' || lpad(i::text, 40, '0'), 'req-' || i, 'bench-cc', 'bench-cc', '', true, now(), now() + interval '1 hour',
  convert_to('{"id":"req-' || i || '","client_id":"bench-cc","granted_scope":["openid"],"session":{"subject":"bench-cc"}}', 'UTF8')
FROM generate_series(1, 1000000) i;
ANALYZE;
SQL
echo "rows: $(psql -h 127.0.0.1 -U postgres -d $DB -Atc "select (select count(*) from sessions), (select count(*) from tokens)")"
(cd "$TMP" && exec "$TMP/oidcp" serve >"$TMP/serve.log" 2>&1) & PID=$!
for _ in $(seq 120); do curl -fs "http://127.0.0.1:$APORT/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
echo "RSS idle: $(ps -o rss= -p $PID) KiB"
"$TMP/oidcp" clients create --tenant sandbox --id bench-cc --secret bench-cc-secret-0123456789abcdef --grant-type client_credentials --scope openid >/dev/null
"$TMP/oidcp" clients create --tenant sandbox --id bench-web --secret bench-web-secret-0123456789abcdef --redirect-uri "http://127.0.0.1:$PORT/cb" --scope "openid profile" --grant-type authorization_code --grant-type refresh_token >/dev/null
ISS=http://127.0.0.1:$PORT/sandbox
BASIC=$(printf 'bench-cc:bench-cc-secret-0123456789abcdef' | base64 -w0)
BODY=grant_type=client_credentials BASIC=$BASIC wrk -t1 -c32 -d10s -s "${POST_LUA:-$REPO/../shared/bench/lua/post.lua}" $ISS/token | grep WRK_RESULT
"$FLOWBENCH" -issuer $ISS -client bench-web -secret bench-web-secret-0123456789abcdef -redirect "http://127.0.0.1:$PORT/cb" -c 32 -d 10s -warmup 0s -params login_hint=testid:14838500073 -json | grep FLOWBENCH | cut -c1-200
echo "RSS after load: $(ps -o rss= -p $PID) KiB"
echo "rows: $(psql -h 127.0.0.1 -U postgres -d $DB -Atc "select (select count(*) from sessions), (select count(*) from tokens)")"
