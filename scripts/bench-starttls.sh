#!/usr/bin/env bash
# One bench line per tool: an audit of the same SMTP server (aiosmtpd with STARTTLS and the test
# PKI, on 127.0.0.1) by `tlsight audit --starttls smtp`, `testssl.sh -t smtp` and
# `sslyze --starttls smtp`: wall time and the connections the server accepted (counted by the
# server itself). Needs what scripts/test.sh installs, plus testssl.sh (Debian) and sslyze (pip,
# into $TLSIGHT_TOOLS/sslyze); a missing tool is reported, not faked.
set -euo pipefail
cd "$(dirname "$0")/.."
tools="${TLSIGHT_TOOLS:-$HOME/.cache/tlsight-tools}"
tlsight="${TLSIGHT:-}"
if [ -z "$tlsight" ]; then
  cargo build --release --locked --quiet
  tlsight=target/release/tlsight
fi
work=$(mktemp -d)
count="$work/count"
: > "$count"
SMTPD_COUNT_FILE="$count" "$tools/aiosmtpd/bin/python" tests/servers/smtpd.py \
  certs/rsa2048-chain.pem certs/rsa2048.key tls > "$work/port" 2>/dev/null &
server=$!
# KEEP=1 keeps each tool's output for reading.
trap 'kill $server 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q PORT "$work/port" 2>/dev/null && break; sleep 0.1; done
port=$(awk '/^PORT/{print $2; exit}' "$work/port")
target="127.0.0.1:$port"

bench() {
  local name=$1; shift
  : > "$count"
  local t0 t1 rc=0
  t0=$(date +%s.%N)
  "$@" > "$work/$name.out" 2>&1 || rc=$?
  t1=$(date +%s.%N)
  printf '%-28s %7.1f s  %5d connections  (exit %d)\n' "$name" \
    "$(echo "$t1 - $t0" | bc)" "$(wc -l < "$count")" "$rc"
}

echo "SMTP STARTTLS audit of $target (aiosmtpd, Python ssl/OpenSSL), $(nproc) cores"
bench "tlsight audit" "$tlsight" audit "$target" --starttls smtp --json
if command -v testssl >/dev/null 2>&1 || command -v testssl.sh >/dev/null 2>&1; then
  t=$(command -v testssl || command -v testssl.sh)
  bench "testssl.sh -t smtp" env NXCONNECT=127.0.0.1:0 "$t" --ip=127.0.0.1 -n none \
    --warnings off --color 0 -t smtp "$target"
else
  echo "testssl.sh: not installed (apt-get install testssl.sh)"
fi
if [ -x "$tools/sslyze/bin/sslyze" ]; then
  bench "sslyze --starttls smtp" "$tools/sslyze/bin/sslyze" --starttls smtp "$target"
else
  echo "sslyze: not installed (pip install sslyze into $tools/sslyze)"
fi
echo "outputs in $work${KEEP:+ (kept)}"
