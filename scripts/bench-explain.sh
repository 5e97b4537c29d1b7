#!/usr/bin/env bash
# Benchmark `tlsight explain` as a whole process (exec, argument parsing, lookup, render, exit).
# Uses hyperfine when installed (apt-get install hyperfine), else a plain loop timed with
# `date +%s%N` (also with NO_HYPERFINE=1). Prints the median wall time in milliseconds for each command.
#
# Usage: scripts/bench-explain.sh [path/to/tlsight]   (default: target/release/tlsight, built if missing)
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${1:-target/release/tlsight}
if [[ ! -x $BIN ]]; then
    cargo build --release --quiet
fi
RUNS=${RUNS:-200}

CASES=(
    "explain ECDHE-RSA-AES128-GCM-SHA256"
    "explain --json 0xC02F"
    "explain {0x13,0x01} RC4-MD5 --group x25519 --sigalg rsa_pss_rsae_sha256"
    "explain --list"
)

median_loop() { # run "$@" RUNS times, print the median in ms
    local times=() t0 t1
    for ((i = 0; i < RUNS; i++)); do
        t0=$(date +%s%N)
        "$@" >/dev/null
        t1=$(date +%s%N)
        times+=($(((t1 - t0) / 1000)))
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f\n", m/1000}'
}

echo "tlsight explain: median wall time per whole process ($BIN, $(nproc) CPUs)"
for c in "${CASES[@]}"; do
    # shellcheck disable=SC2086
    if [[ -z ${NO_HYPERFINE:-} ]] && command -v hyperfine >/dev/null; then
        json=$(mktemp)
        hyperfine --style none -N --warmup 20 --runs "$RUNS" --export-json "$json" \
            "$BIN $c" >/dev/null 2>&1
        ms=$(python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["results"][0]["median"]*1000))' "$json")
        rm -f "$json"
        tool=hyperfine
    else
        ms=$(median_loop $BIN $c)
        tool="date loop"
    fi
    printf '  %8s ms  %-11s tlsight %s\n' "$ms" "($tool)" "$c"
done
