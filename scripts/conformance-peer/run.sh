#!/usr/bin/env bash
# Runs the oidcp conformance suite against panva's OpenID Certified
# oidc-provider (npm) on 127.0.0.1 over HTTPS with a throw-away
# self-signed certificate, and prints the per-module table.
#
# Usage: scripts/conformance-peer/run.sh [extra conformance flags, e.g. --module oidcc-server --details]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
port="${PEER_PORT:-9443}"

cd "$here"
if [ ! -d node_modules/oidc-provider ]; then
  npm install --no-audit --no-fund --loglevel=error
fi

work="$(mktemp -d)"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=conformance-peer" \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
  -keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1

PEER_PORT="$port" PEER_TLS_CERT="$work/cert.pem" PEER_TLS_KEY="$work/key.pem" \
  node server.mjs >"$work/peer.log" 2>&1 &
peer=$!
cleanup() { kill "$peer" 2>/dev/null || true; wait "$peer" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

for _ in $(seq 1 50); do
  if curl -fsS --cacert "$work/cert.pem" "https://127.0.0.1:$port/.well-known/openid-configuration" >/dev/null 2>&1; then
    break
  fi
  sleep 0.2
done

cd "$root"
status=0
go run ./conformance/cmd/oidcc \
  --issuer "https://127.0.0.1:$port" \
  --client-config "$here/client.json" \
  --ca "$work/cert.pem" \
  --driver form \
  --json "${CONFORMANCE_JSON:-$work/report.json}" \
  "$@" || status=$?
# The FAPI 2.0 module, against the peer's second issuer (server.mjs).
go run ./conformance/cmd/oidcc \
  --issuer "https://127.0.0.1:${PEER_FAPI_PORT:-9446}" \
  --client-config "$here/client.json" \
  --ca "$work/cert.pem" \
  --driver form \
  --module oidcp-fapi2 || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- peer log (last 40 lines) ---"
  tail -n 40 "$work/peer.log"
fi
exit "$status"
