#!/usr/bin/env bash
# Benchmark (never a test): full audit of the same loopback openssl s_server configurations with
# tlsight, sslscan, sslyze and testssl.sh (each when installed), side by side: wall time,
# connections (counted by a relay, scripts/conncount.py) and whether the accepted suites agree
# with tlsight's. Loopback only.
# Usage: scripts/bench-audit.sh [tlsight-binary]   (default: target/release/tlsight, built if missing)
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bin=${1:-target/release/tlsight}
[ -x "$bin" ] || cargo build --release --quiet || exit 2
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }

# name | key | s_server arguments
configs=(
  "tls13-only|ecdsa-p256|-tls1_3"
  "tls12-ecdhe|rsa2048|-tls1_2 -cipher ECDHE"
  "static-rsa|rsa2048|-tls1_2 -cipher kRSA:@SECLEVEL=0"
  "legacy-cbc|rsa2048|-min_protocol TLSv1 -max_protocol TLSv1.2 -cipher AES128-SHA:ECDHE-RSA-AES256-SHA:DHE-RSA-AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0"
  "server-order|rsa2048|-tls1_2 -serverpref -cipher ECDHE-RSA-AES256-GCM-SHA384:AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256"
)

# OpenSSL name -> IANA name, for sslscan's output.
openssl ciphers -V -stdname 'ALL:COMPLEMENTOFALL:@SECLEVEL=0' | awk '{print $5, $3}' > "$work/names"

# Prints "ms connections": the command (with TARGET in its arguments) runs once straight against
# s_server for the time, once through the counting relay for the connections, so the relay's
# own latency does not skew the times.
# The first argument is the number of timed runs; the best one counts (the machine is shared).
measure() {
  local reps=$1 count=$2; shift 2
  local args=() t0 t1 best=
  for a in "$@"; do args+=("${a//TARGET/$direct}"); done
  for _ in $(seq "$reps"); do
    t0=$(date +%s%N)
    "${args[@]}" > /dev/null 2>&1
    t1=$(date +%s%N)
    if [ -z "$best" ] || [ $((t1 - t0)) -lt "$best" ]; then best=$((t1 - t0)); fi
  done
  args=()
  for a in "$@"; do args+=("${a//TARGET/$relayed}"); done
  echo 0 > "$count"
  "${args[@]}" > /dev/null 2>&1
  echo "$(( best / 1000000 )) $(cat "$count")"
}

# Accepted suites (IANA names, "VERSION NAME" lines, sorted) from each tool's output file.
suites_tlsight() { python3 -c 'import json,sys;d=json.load(open(sys.argv[1]))
for v,l in d["cipher_suites"].items():
  [print(v,n) for n in l]' "$1" | sort; }
suites_sslscan() { python3 - "$1" "$work/names" <<'PY' | sort
import sys, xml.etree.ElementTree as ET
names = dict(l.split() for l in open(sys.argv[2]))
for c in ET.parse(sys.argv[1]).iter("cipher"):
    if c.get("status") in ("accepted", "preferred"):
        print(c.get("sslversion"), names.get(c.get("cipher"), c.get("cipher")))
PY
}
suites_sslyze() { python3 - "$1" <<'PY' | sort
import json, sys
d = json.load(open(sys.argv[1]))
for s in d.get("server_scan_results", []):
    res = s.get("scan_result") or {}
    for key, v in [("ssl_3_0_cipher_suites", "SSLv3"), ("tls_1_0_cipher_suites", "TLSv1.0"), ("tls_1_1_cipher_suites", "TLSv1.1"), ("tls_1_2_cipher_suites", "TLSv1.2"), ("tls_1_3_cipher_suites", "TLSv1.3")]:
        r = (res.get(key) or {}).get("result") or {}
        for a in r.get("accepted_cipher_suites", []):
            print(v, a["cipher_suite"]["name"])
PY
}
suites_testssl() { python3 - "$1" <<'PY' | sort
import json, re, sys
vers = {"ssl3": "SSLv3", "tls1": "TLSv1.0", "tls1_1": "TLSv1.1", "tls1_2": "TLSv1.2", "tls1_3": "TLSv1.3"}
for e in json.load(open(sys.argv[1])):
    m = re.match(r"cipher-(ssl3|tls1|tls1_1|tls1_2|tls1_3)_x", e.get("id", ""))
    if m and "not offered" not in e.get("finding", ""):
        print(vers[m.group(1)], e["finding"].split()[-1])
PY
}

echo "wall time: best of 5 runs (tlsight, sslscan) or 1 run (sslyze, testssl.sh), straight to s_server;"
echo "connections: one more run through a counting relay. Load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-13s %-10s %9s %6s  %s\n' config tool ms conns "suites agree with tlsight"
for cfg in "${configs[@]}"; do
  IFS='|' read -r name key args <<< "$cfg"
  sport=$(free_port); rport=$(free_port)
  # shellcheck disable=SC2086
  openssl s_server -accept "127.0.0.1:$sport" -cert "$root/certs/$key.pem" -cert_chain "$root/certs/intermediate.pem" -key "$root/certs/$key.key" \
    -www -quiet $args > /dev/null 2>&1 < /dev/null &
  pids+=($!)
  wait_port "$sport" || { echo "$name: s_server did not start"; continue; }
  python3 "$root/scripts/conncount.py" "$rport" "$sport" "$work/count" &
  pids+=($!)
  wait_port "$rport" || { echo "$name: relay did not start"; continue; }
  direct="127.0.0.1:$sport"; relayed="127.0.0.1:$rport"

  read -r ms c < <(measure 5 "$work/count" sh -c "'$bin' audit --json TARGET > '$work/tlsight.json'")
  suites_tlsight "$work/tlsight.json" > "$work/ref"
  printf '%-13s %-10s %9s %6s  %s\n' "$name" tlsight "$ms" "$c" "(reference: $(wc -l < "$work/ref") suites)"

  if command -v sslscan > /dev/null; then
    read -r ms c < <(measure 5 "$work/count" sslscan --no-colour --xml="$work/sslscan.xml" TARGET)
    suites_sslscan "$work/sslscan.xml" > "$work/o"
    printf '%-13s %-10s %9s %6s  %s\n' "" sslscan "$ms" "$c" "$(cmp -s "$work/ref" "$work/o" && echo yes || echo "no: $(diff "$work/ref" "$work/o" | grep -c '^[<>]') lines differ")"
  fi
  if command -v sslyze > /dev/null; then
    read -r ms c < <(measure 1 "$work/count" sslyze --json_out="$work/sslyze.json" TARGET)
    suites_sslyze "$work/sslyze.json" > "$work/o"
    printf '%-13s %-10s %9s %6s  %s\n' "" sslyze "$ms" "$c" "$(cmp -s "$work/ref" "$work/o" && echo yes || echo "no: $(diff "$work/ref" "$work/o" | grep -c '^[<>]') lines differ")"
  fi
  tssl=$(command -v testssl.sh || command -v testssl || true)
  if [ -n "$tssl" ]; then
    read -r ms c < <(measure 1 "$work/count" sh -c "rm -f '$work/testssl.json'; '$tssl' --quiet --warnings off --jsonfile '$work/testssl.json' -E TARGET")
    suites_testssl "$work/testssl.json" > "$work/o"
    printf '%-13s %-10s %9s %6s  %s\n' "" "testssl -E" "$ms" "$c" "$(cmp -s "$work/ref" "$work/o" && echo yes || echo "no: $(diff "$work/ref" "$work/o" | grep -c '^[<>]') lines differ")"
  fi
  kill "${pids[@]: -2}" 2>/dev/null
done
