#!/usr/bin/env bash
# Regenerates testdata/pcap/: real `openssl s_client` <-> `openssl s_server` sessions on loopback,
# captured by tcpdump, next to the key log *s_server* wrote (-keylogfile) and what s_client saw
# live (-msg: every handshake message both ways; stdout: the decrypted HTTP exchange). The tests
# decode and decrypt the captures with tlsight and compare with that live view, which comes from
# an independent implementation.
#
#   tls12-rsa.pcap     TLS 1.2, TLS_RSA_WITH_AES_128_GCM_SHA256 (RSA key transport: --key works)
#   tls12-ecdhe.pcap   TLS 1.2, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
#   tls13.pcap         TLS 1.3, TLS_AES_128_GCM_SHA256
#   NAME.keylog        s_server's NSS key log for that session
#   NAME.msg           s_client -msg output (the live run's message list)
#   NAME.out           s_client stdout (the live run's plaintext)
#
# Usage: scripts/capture-pcaps.sh [OUTDIR]   (needs root or CAP_NET_RAW for tcpdump, openssl)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# Relative paths: s_server -www echoes its command line into the captured page.
cd "$root"
out=${1:-"$root/testdata/pcap"}
mkdir -p "$out"
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
[ -n "${KEEP_TMP:-}" ] && echo "tmp: $tmp"

capture() {
  local name=$1 server_args=$2 client_args=$3
  openssl s_server -accept 127.0.0.1:0 -www -naccept 1 \
    -cert "certs/rsa2048.pem" -key "certs/rsa2048.key" \
    -cert_chain "certs/intermediate.pem" -keylogfile "$tmp/$name.keylog" \
    $server_args >"$tmp/$name.server" 2>&1 </dev/null &
  pids+=($!)
  local port=""
  for _ in $(seq 100); do
    port=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/$name.server")
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { echo "s_server $name did not start" >&2; cat "$tmp/$name.server" >&2; exit 1; }
  tcpdump -Z root -i lo --immediate-mode -U -s 0 -w "$tmp/$name.pcap" "tcp port $port" 2>"$tmp/$name.tcpdump" &
  local dump=$!
  pids+=($dump)
  for _ in $(seq 100); do
    grep -q "listening on" "$tmp/$name.tcpdump" && break
    sleep 0.1
  done
  printf 'GET / HTTP/1.0\r\n\r\n' | openssl s_client -connect "127.0.0.1:$port" -servername localhost \
    -CAfile "certs/root.pem" -msg -ign_eof $client_args >"$tmp/$name.client" 2>&1 || true
  sleep 0.5
  kill "$dump"
  wait "$dump" 2>/dev/null || true
  cp "$tmp/$name.pcap" "$out/$name.pcap"
  cp "$tmp/$name.keylog" "$out/$name.keylog"
  # -msg lines: ">>> TLS 1.2, Handshake [length 00c5], ClientHello" (sent) / "<<< ..." (received).
  grep -E '^(<<<|>>>) ' "$tmp/$name.client" >"$out/$name.msg"
  sed -n '/^HTTP\/1.0 200/,/<\/BODY><\/HTML>/p' "$tmp/$name.client" >"$out/$name.out"
  echo "$name: $(wc -l <"$out/$name.msg") messages, $(stat -c %s "$out/$name.pcap") bytes"
}

capture tls12-rsa "-tls1_2 -cipher AES128-GCM-SHA256" "-tls1_2 -cipher AES128-GCM-SHA256"
capture tls12-ecdhe "-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256" "-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256"
capture tls13 "-tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256" "-tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256"
