#!/usr/bin/env bash
# Benchmarks `tlsight scan` on loopback farms of rustls servers (examples/scan-farm.rs, many
# 127.x.y.z addresses): targets per second, client CPU per target, peak RSS with 1,000 and
# 10,000 connections in flight; then the same target list through sslyze (--certinfo) and a
# smaller list through testssl.sh --file --parallel, ratios printed. Loopback only.
#
# Usage: scripts/bench-scan.sh [TARGETS]      (default 10000 for the throughput runs)
#        BENCH_REPS=N scripts/bench-scan.sh   (rounds of the throughput runs, default 3)
# sslyze: from $TLSIGHT_TOOLS/sslyze (pip into a venv, installed when missing);
# testssl.sh: apt-get install testssl.sh (skipped, loudly, when absent).
# Client and servers share the machine: the farm's CPU is not counted in the client's figures.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=${1:-10000}
reps=${BENCH_REPS:-3}
tools="${TLSIGHT_TOOLS:-$HOME/.cache/tlsight-tools}"

# 10,000 connections in flight need 10,000+ descriptors in the scanner and in the farm.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 10100 ]; then
  ulimit -n 10100 2>/dev/null || echo "WARNING: open-file limit $(ulimit -n): the 10,000-in-flight run will be refused" >&2
fi

cargo build --release --quiet --bin tlsight --example scan-farm
bin=target/release/tlsight
farm_bin=target/release/examples/scan-farm
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# start_farm NAME COUNT NET DELAY_MS [PREFIX...]: peers' addresses in $work/NAME.addrs; PREFIX
# (e.g. taskset -c 0) runs before the farm's command
start_farm() {
  local name=$1 count=$2 net=$3 delay=$4
  shift 4
  mkfifo "$work/$name.in"
  "$@" "$farm_bin" "$count" "$net" "$delay" <"$work/$name.in" >"$work/$name.addrs" &
  pids+=($!)
  exec {fd}>"$work/$name.in"   # holding the fifo open keeps the farm serving
  for _ in $(seq 600); do
    [ "$(wc -l <"$work/$name.addrs")" -ge "$count" ] && return
    sleep 0.1
  done
  echo "farm $name did not start" >&2
  exit 1
}

# measure LABEL COMMAND...: wall s, client CPU s (user+sys of the command and its children),
# peak RSS KiB of the largest process; appends "LABEL wall cpu rss" to $work/results
measure() {
  local label=$1
  shift
  python3 - "$label" "$work/results" "$@" <<'PY'
import resource, subprocess, sys, time
label, results, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
t = time.monotonic()
p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.monotonic() - t
r = resource.getrusage(resource.RUSAGE_CHILDREN)
if p.returncode != 0:
    sys.stderr.write(f"{label}: exit {p.returncode}: {p.stderr.decode()[-500:]}\n")
with open(results, "a") as f:
    f.write(f"{label} {wall:.3f} {r.ru_utime + r.ru_stime:.3f} {r.ru_maxrss}\n")
PY
}

# A list: each peer with SNI names h<i>.tlsight.test (distinct names, one shared chain), N lines
# in all.
make_list() { # ADDRS N OUT
  python3 - "$1" "$2" >"$3" <<'PY'
import sys
addrs = [l.strip() for l in open(sys.argv[1]) if l.strip()]
n = int(sys.argv[2])
for i in range(n):
    print(f"{addrs[i % len(addrs)]} h{i}.tlsight.test")
PY
}

count_ok() { python3 -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["status"]=="ok"))' "$1"; }

echo "== farms: 500 rustls peers (127.21.x.y) and 2,000 peers that hold the ServerHello 4 s (127.22.x.y)"
start_farm fast 500 21 0
start_farm slow 2000 22 4000

common=(--ca certs/root.pem --connect-timeout 10 --handshake-timeout 20 --target-timeout 30 --per-ip 100000 -q)

# Per core, literally: the scanner confined to CPU 1, a farm of its own confined to CPU 0, so
# the farm's work never lands on the scanner's core.
one_core=false
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  one_core=true
  start_farm pinned 500 23 0 taskset -c 0
else
  echo "WARNING: taskset or a second core is missing: the one-core run is SKIPPED" >&2
fi

# Each throughput run is repeated, the kinds interleaved, and the median reported with the
# range: on a shared machine one run of the same binary varies by 10% or more.
echo "== throughput: $targets targets, 1000 in flight, $reps rounds"
make_list "$work/fast.addrs" "$targets" "$work/big.txt"
[ "$one_core" = true ] && make_list "$work/pinned.addrs" "$targets" "$work/pinned.txt"
ok_big="" pinned=""
for r in $(seq "$reps"); do
  measure "tlsight-default#$r" "$bin" scan "$work/big.txt" --concurrency 1000 "${common[@]}" -o "$work/big.jsonl"
  ok_big="$ok_big $(count_ok "$work/big.jsonl")"
  measure "tlsight-no-cache#$r" "$bin" scan "$work/big.txt" --concurrency 1000 --no-verdict-cache "${common[@]}" -o "$work/big2.jsonl"
  # The classical offer most scanners make (sslyze, zgrab2): no ML-KEM share to generate and
  # decapsulate.
  measure "tlsight-x25519-only#$r" "$bin" scan "$work/big.txt" --concurrency 1000 --groups x25519 "${common[@]}" -o "$work/big3.jsonl"
  if [ "$one_core" = true ]; then
    measure "tlsight-one-core#$r" taskset -c 1 "$bin" scan "$work/pinned.txt" --concurrency 1000 "${common[@]}" -o "$work/pinned.jsonl"
    pinned="$pinned $(count_ok "$work/pinned.jsonl")"
  fi
done

echo "== memory: 1,000 and 10,000 connections in flight (servers hold their answer 4 s)"
make_list "$work/slow.addrs" 1000 "$work/mem1k.txt"
make_list "$work/slow.addrs" 10000 "$work/mem10k.txt"
head -n 1 "$work/mem1k.txt" >"$work/one.txt"
measure "tlsight-baseline-1" "$bin" scan "$work/one.txt" --concurrency 1 "${common[@]}" -o "$work/one.jsonl"
measure "tlsight-inflight-1000" "$bin" scan "$work/mem1k.txt" --concurrency 1000 "${common[@]}" -o "$work/m1.jsonl"
measure "tlsight-inflight-10000" "$bin" scan "$work/mem10k.txt" --concurrency 10000 "${common[@]}" -o "$work/m10.jsonl"
ok_m1=$(count_ok "$work/m1.jsonl")
ok_m10=$(count_ok "$work/m10.jsonl")

echo "== peers on the same 1,000-target list"
make_list "$work/fast.addrs" 1000 "$work/k1.txt"
# sslyze: HOST:PORT{IP} connects to IP and sends HOST as SNI.
python3 -c '
import sys
for l in open(sys.argv[1]):
    a, sni = l.split()
    ip, port = a.rsplit(":", 1)
    print(f"{sni}:{port}{{{ip}}}")' "$work/k1.txt" >"$work/k1.sslyze"
measure "tlsight-1k" "$bin" scan "$work/k1.txt" "${common[@]}" -o "$work/k1.jsonl"
sslyze="$tools/sslyze/bin/sslyze"
if [ ! -x "$sslyze" ] && ! { python3 -m venv "$tools/sslyze" &&
     "$tools/sslyze/bin/pip" install --quiet --disable-pip-version-check sslyze; }; then
  echo "WARNING: sslyze could not be installed: its comparison is SKIPPED" >&2
  sslyze=""
fi
if [ -n "$sslyze" ]; then
  measure "sslyze-1k" "$sslyze" --certinfo --targets_in "$work/k1.sslyze" --json_out "$work/k1.sslyze.json" --quiet
fi

echo "== testssl.sh --file --parallel on 20 targets (all on 127.0.0.1, as --ip=127.0.0.1 requires)"
start_farm local 20 0 0
testssl=$(command -v testssl || command -v testssl.sh || true)
python3 -c '
import sys
for l in open(sys.argv[1]):
    print(f"{l.strip()} localhost")' "$work/local.addrs" >"$work/t20.txt"
measure "tlsight-20" "$bin" scan "$work/t20.txt" "${common[@]}" -o "$work/t20.jsonl"
if [ -n "$testssl" ]; then
  awk '{split($1, a, ":"); print "-S --ip=127.0.0.1 -n none localhost:" a[2]}' "$work/t20.txt" >"$work/t20.testssl"
  (cd "$work" && NXCONNECT=127.0.0.1:0 measure "testssl-20" "$testssl" --file "$work/t20.testssl" --parallel --warnings off --quiet --color 0)
else
  echo "WARNING: testssl.sh is not installed (apt-get install testssl.sh): its comparison is SKIPPED" >&2
fi

echo
echo "== results (machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) — shared, figures are noisy)"
python3 - "$work/results" "$targets" "$ok_big" "$ok_m1" "$ok_m10" "$pinned" <<'PY'
import statistics, sys
rows, rounds = {}, {}
for line in open(sys.argv[1]):
    label, wall, cpu, rss = line.split()
    row = (float(wall), float(cpu), int(rss))
    if "#" in label:
        rounds.setdefault(label.split("#")[0], []).append(row)
    else:
        rows[label] = row
n, ok_m1, ok_m10 = int(sys.argv[2]), int(sys.argv[4]), int(sys.argv[5])
def tput(label, count):
    runs = rounds[label]
    per_cpu = sorted(count / cpu for _, cpu, _ in runs)
    med = statistics.median(per_cpu)
    # The run whose figure is the median (or nearest it) gives the wall time and RSS shown.
    wall, cpu, rss = min(runs, key=lambda r: abs(count / r[1] - med))
    print(f"  {label:<24} {count:>6} targets  {wall:7.2f} s  {count / wall:8.0f} targets/s  "
          f"CPU {1e6 / med:7.0f} µs/target = {med:6.0f} handshakes per CPU-second "
          f"(median of {len(runs)}; range {per_cpu[0]:.0f}-{per_cpu[-1]:.0f})  RSS {rss / 1024:6.1f} MiB")
tput("tlsight-default", n)
tput("tlsight-no-cache", n)
tput("tlsight-x25519-only", n)
if "tlsight-one-core" in rounds:
    tput("tlsight-one-core", n)
    walls = sorted(n / w for w, _, _ in rounds["tlsight-one-core"])
    print(f"  (one core: ok per round {sys.argv[6].split()} of {n}; {statistics.median(walls):.0f} handshakes "
          f"per second of wall time with the scanner alone on its core, median)")
print(f"  (ok per round: {sys.argv[3].split()} of {n}; every line has its own SNI and every peer the same chain, as behind a load "
      f"balancer: 'default' validates that chain once per store and checks each name apart, 'no-cache' "
      f"validates all {n}; both make every handshake and check every handshake signature; 'default' and "
      f"'no-cache' offer X25519MLKEM768 first, which the farm's rustls picks, 'x25519-only' offers "
      f"classical ECDHE as sslyze and zgrab2 do)")
base = rows["tlsight-baseline-1"][2]
for label, k, ok in (("tlsight-inflight-1000", 1000, ok_m1), ("tlsight-inflight-10000", 10000, ok_m10)):
    wall, cpu, rss = rows[label]
    print(f"  {label:<24} peak RSS {rss / 1024:7.1f} MiB, baseline {base / 1024:5.1f} MiB "
          f"→ {(rss - base) / k:6.1f} KiB per connection in flight ({ok} of {k} ok, {wall:.1f} s; "
          f"the others timed out when the farm could not keep up)")
def ratio(ours, theirs, count):
    if theirs not in rows:
        return
    (w1, c1, r1), (w2, c2, r2) = rows[ours], rows[theirs]
    print(f"  {theirs:<24} {count:>6} targets  {w2:7.2f} s  {count / w2:8.1f} targets/s  CPU {c2:7.1f} s  RSS {r2 / 1024:6.1f} MiB")
    print(f"  {ours:<24} {count:>6} targets  {w1:7.2f} s  {count / w1:8.1f} targets/s  CPU {c1:7.1f} s  RSS {r1 / 1024:6.1f} MiB")
    print(f"  ratio {theirs}/{ours}: time {w2 / w1:.1f}x, CPU {c2 / c1:.1f}x")
ratio("tlsight-1k", "sslyze-1k", 1000)
ratio("tlsight-20", "testssl-20", 20)
PY
