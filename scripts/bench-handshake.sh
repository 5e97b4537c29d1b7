#!/usr/bin/env bash
# Times `tlsight handshake` against `openssl s_client` on the same local `openssl s_server`
# (whole process, wall time, median of N runs) and prints the ratio. Loopback only.
# Usage: scripts/bench-handshake.sh [RUNS]   (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-30}
cargo build --release --quiet
bin=target/release/tlsight

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
openssl s_server -accept "$port" -cert certs/ecdsa-p256.pem -key certs/ecdsa-p256.key \
  -cert_chain certs/intermediate.pem -quiet >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.05; done

median_ms() { # command... ; prints the median wall time in ms over $runs runs
  if command -v hyperfine >/dev/null 2>&1; then
    local out
    out=$(mktemp)
    hyperfine -N -w 3 -r "$runs" --export-json "$out" "$*" >/dev/null 2>&1
    python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["results"][0]["median"]*1000))' "$out"
    rm -f "$out"
    return
  fi
  local times=()
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(date +%s%N)
    "$@" </dev/null >/dev/null 2>&1 || true
    t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f", m/1000}'
}

for v in tls1_3 tls1_2; do
  flag=--tls13; [ $v = tls1_2 ] && flag=--tls12
  ours=$(median_ms "$bin" handshake "127.0.0.1:$port" --sni localhost --ca certs/root.pem $flag)
  ours_json=$(median_ms "$bin" handshake "127.0.0.1:$port" --sni localhost --ca certs/root.pem $flag --json)
  theirs=$(median_ms openssl s_client -connect "127.0.0.1:$port" -servername localhost \
    -CAfile certs/root.pem -"$v")
  ratio=$(awk -v a="$ours" -v b="$theirs" 'BEGIN {printf "%.2f", a/b}')
  printf '%-7s tlsight handshake %7s ms  (--json %7s ms)   openssl s_client %7s ms   ratio tlsight/s_client %s\n' \
    "$v" "$ours" "$ours_json" "$theirs" "$ratio"
done
echo "(median of $runs runs each, whole process, same local openssl s_server; $(command -v hyperfine >/dev/null && echo hyperfine || echo 'date loop'))"

# tlsight's own TLS 1.0-1.2 engine on the legacy servers rustls refuses, against s_client on the
# same server: a TLS 1.0-only server, and an RSA-key-transport AES128-SHA (CBC) server.
legacy_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
bench_legacy() { # label, s_server args..., then -- , s_client args
  local label=$1; shift
  local sargs=() cargs=()
  while [ "$1" != -- ]; do sargs+=("$1"); shift; done; shift
  cargs=("$@")
  local p; p=$(legacy_port)
  openssl s_server -accept "$p" -cert certs/rsa2048.pem -key certs/rsa2048.key \
    -cert_chain certs/intermediate.pem -quiet "${sargs[@]}" >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$p") 2>/dev/null && break; sleep 0.05; done
  local ours auto theirs
  ours=$(median_ms "$bin" handshake "127.0.0.1:$p" --ca certs/root.pem --engine tlsight)
  auto=$(median_ms "$bin" handshake "127.0.0.1:$p" --ca certs/root.pem)
  theirs=$(median_ms openssl s_client -connect "127.0.0.1:$p" -CAfile certs/root.pem "${cargs[@]}")
  kill "$pid" 2>/dev/null || true
  printf '%-16s tlsight --engine tlsight %7s ms  (auto, rustls first %7s ms)   openssl s_client %7s ms   ratio %s\n' \
    "$label" "$ours" "$auto" "$theirs" "$(awk -v a="$ours" -v b="$theirs" 'BEGIN {printf "%.2f", a/b}')"
}
bench_legacy "TLS 1.0 only" -tls1 -cipher 'ALL:@SECLEVEL=0' -- -tls1 -cipher 'ALL:@SECLEVEL=0'
bench_legacy "AES128-SHA RSA" -tls1_2 -cipher 'AES128-SHA:@SECLEVEL=0' -- -cipher 'AES128-SHA:@SECLEVEL=0'
