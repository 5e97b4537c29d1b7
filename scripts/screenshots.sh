#!/usr/bin/env bash
# Regenerates docs/img/*.png: the --html page of handshake, verify, audit and mitm against
# `openssl s_server` on loopback with the committed test PKI, rendered by headless chromium.
#
# Usage: scripts/screenshots.sh [OUTDIR]   (default docs/img; needs openssl, chromium, cargo)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=${1:-"$root/docs/img"}
bin=${TLSIGHT:-"$root/target/debug/tlsight"}
cargo build --quiet --bin tlsight
mkdir -p "$out"
tmp=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

openssl s_server -accept 127.0.0.1:0 -www -cert certs/rsa2048.pem -key certs/rsa2048.key \
  -cert_chain certs/intermediate.pem >"$tmp/server.out" 2>&1 </dev/null &
pid=$!
port=""
for _ in $(seq 100); do
  port=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/server.out")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "s_server did not start" >&2; exit 1; }
target="127.0.0.1:$port"

"$bin" handshake "$target" --sni localhost --ca certs/root.pem --html "$tmp/handshake.html" >/dev/null
"$bin" verify "$target" --sni localhost --host localhost --ca certs/root.pem --html "$tmp/verify.html" >/dev/null
"$bin" audit "$target" --sni localhost --ca certs/root.pem --html "$tmp/audit.html" >/dev/null
"$bin" mitm "$target" --sni localhost --html "$tmp/mitm.html" >/dev/null || true

# name WIDTHxHEIGHT: the window is the picture (the top of longer pages).
shoot() {
  chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --disable-extensions --no-pings \
    --proxy-server=127.0.0.1:9 --host-resolver-rules="MAP * ~NOTFOUND" \
    --user-data-dir="$tmp/profile-$1" --hide-scrollbars --force-device-scale-factor=1 \
    --window-size="$2" --screenshot="$out/$1.png" "file://$tmp/$1.html" >/dev/null 2>&1
  echo "$out/$1.png"
}
shoot handshake 1200,1480
shoot verify 1200,1120
shoot audit 1200,1500
shoot mitm 1200,900
