#!/usr/bin/env bash
# Runs every test tlsight has, installing first what the tests need when it is missing:
# OpenSSL's command-line tool (the tests start `openssl s_server` / `openssl s_client` on
# 127.0.0.1). Works on a fresh Debian machine with only the Rust toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v xxd >/dev/null 2>&1 || need+=(xxd)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "installing: ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}"
fi

cargo build --locked --all-targets
cargo test --locked -- --test-threads="${TEST_THREADS:-4}"
