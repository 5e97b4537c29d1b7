#!/usr/bin/env bash
# Regenerates testdata/fs/: real sessions recorded by tlsight against `openssl s_server` on
# loopback, next to the key logs *OpenSSL itself* wrote (-keylogfile). The decryption tests
# check tlsight's secrets (RSA recovery, PRF, EMS, key schedule) against OpenSSL's, so the
# expected values come from an independent implementation, not from tlsight.
#
#   tls12-rsa.json      TLS_RSA_WITH_AES_128_GCM_SHA256, EMS, GET / and the s_server -www page
#   tls12-ecdhe.json    TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, same request
#   openssl-tls12.keylog  s_server's CLIENT_RANDOM lines for both
#   tls13.json          `tlsight handshake --tls13 --record` (TLS_AES_256_GCM_SHA384)
#   openssl-tls13.keylog  s_server's TLS 1.3 traffic secrets
#
# Usage: scripts/capture-fixtures.sh [OUTDIR]   (default testdata/fs; needs openssl and cargo)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-"$root/testdata/fs"}
bin=${TLSIGHT:-"$root/target/debug/tlsight"}
(cd "$root" && cargo build --quiet --bin tlsight)
mkdir -p "$out"
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# start_server NAME ARGS...: starts s_server on an ephemeral port, sets $port.
start_server() {
  local name=$1
  shift
  openssl s_server -accept 127.0.0.1:0 -www \
    -cert "$root/certs/rsa2048.pem" -key "$root/certs/rsa2048.key" \
    -cert_chain "$root/certs/intermediate.pem" "$@" >"$tmp/$name.out" 2>&1 </dev/null &
  pids+=($!)
  for _ in $(seq 100); do
    port=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/$name.out")
    [ -n "$port" ] && return 0
    sleep 0.1
  done
  echo "s_server $name did not start:" >&2
  cat "$tmp/$name.out" >&2
  exit 1
}

rm -f "$out/openssl-tls12.keylog" "$out/openssl-tls13.keylog"
start_server tls12 -tls1_2 -cipher 'AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256' \
  -keylogfile "$out/openssl-tls12.keylog"
"$bin" fs-demo --server "127.0.0.1:$port" --key "$root/certs/rsa2048.key" --sni localhost \
  --out "$tmp/fs" --json >"$tmp/fs.json"
cp "$tmp/fs/session-a-rsa.json" "$out/tls12-rsa.json"
cp "$tmp/fs/session-b-ecdhe.json" "$out/tls12-ecdhe.json"

start_server tls13 -tls1_3 -ciphersuites TLS_AES_256_GCM_SHA384 \
  -keylogfile "$out/openssl-tls13.keylog"
"$bin" handshake "127.0.0.1:$port" --tls13 --sni localhost --ca "$root/certs/root.pem" \
  --record "$out/tls13.json" --json >/dev/null

# s_server appends to its key log when the file is written; give it a moment to flush.
sleep 0.3
echo "wrote $(ls "$out" | tr '\n' ' ')"
