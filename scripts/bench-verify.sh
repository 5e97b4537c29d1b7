#!/usr/bin/env bash
# Chain verification speed: `tlsight verify --chain` vs `openssl verify` on the same chains,
# same anchor, same validation time. Both are whole processes (parse, load anchors, build and
# check the path, print), measured with hyperfine when installed, else a shell loop.
# tlsight does more per run (per-link ring signature checks, webpki path validation, profile
# lints, the report), so the ratio is "cost of the proof", not like-for-like.
# Usage: scripts/bench-verify.sh [RUNS]   (default 50; builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-50}
cargo build --release --quiet
bin=target/release/tlsight
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
at_iso=2030-01-01T00:00:00Z
at_unix=1893456000

# chain name, bundle (leaf first), anchor
cases=(
  "p256-2link certs/chains/good.pem certs/chains/root.pem"
  "p256-3link certs/chains/out-of-order.pem certs/chains/root.pem"
  "rsa2048-leaf certs/rsa2048-chain.pem certs/root.pem"
  "ed25519-leaf certs/ed25519-chain.pem certs/root.pem"
)

now_ns() { date +%s%N; }
loop_ms() { # runs command... -> mean ms
  local n=$1
  shift
  local t0 t1
  t0=$(now_ns)
  for _ in $(seq "$n"); do "$@" >/dev/null 2>&1 || true; done
  t1=$(now_ns)
  echo "scale=3; ($t1 - $t0) / $n / 1000000" | bc
}
hf_ms() { # runs command-string -> mean ms
  hyperfine --style none --runs "$1" --export-json "$tmp/h.json" -N "$2" >/dev/null 2>&1 ||
    hyperfine --style none --runs "$1" --export-json "$tmp/h.json" "$2" >/dev/null 2>&1
  python3 -c "import json;print('%.3f' % (json.load(open('$tmp/h.json'))['results'][0]['mean']*1000))"
}

printf '%-14s %12s %12s %8s\n' chain "tlsight ms" "openssl ms" ratio
total_t=0
total_o=0
for c in "${cases[@]}"; do
  read -r name bundle anchor <<<"$c"
  # openssl wants the leaf and the untrusted rest in separate files
  awk -v d="$tmp" 'BEGIN{n=0} /BEGIN CERT/{n++} {f=(n==1)?d"/leaf.pem":d"/rest.pem"; print > f}' "$bundle"
  [ -f "$tmp/rest.pem" ] || : >"$tmp/rest.pem"
  ours="$bin verify --chain $bundle --ca $anchor --store custom --at $at_iso --json"
  theirs="openssl verify -CAfile $anchor -untrusted $tmp/rest.pem -attime $at_unix $tmp/leaf.pem"
  $ours >/dev/null || { echo "tlsight does not trust $bundle" >&2; exit 1; }
  $theirs >/dev/null || { echo "openssl does not trust $bundle" >&2; exit 1; }
  if command -v hyperfine >/dev/null; then
    t=$(hf_ms "$runs" "$ours")
    o=$(hf_ms "$runs" "$theirs")
  else
    # shellcheck disable=SC2086
    t=$(loop_ms "$runs" $ours)
    # shellcheck disable=SC2086
    o=$(loop_ms "$runs" $theirs)
  fi
  printf '%-14s %12s %12s %8s\n' "$name" "$t" "$o" "$(echo "scale=2; $t / $o" | bc)"
  total_t=$(echo "$total_t + $t" | bc)
  total_o=$(echo "$total_o + $o" | bc)
  rm -f "$tmp/leaf.pem" "$tmp/rest.pem"
done
printf '%-14s %12s %12s %8s\n' "all" "$total_t" "$total_o" "$(echo "scale=2; $total_t / $total_o" | bc)"
echo "ratio = tlsight / openssl mean wall time per process ($runs runs each); < 1 means tlsight is faster"
