#!/usr/bin/env bash
# One bench line per tool: an audit of the same SMTP server (postfix's smtpd with STARTTLS and
# the test PKI, on 127.0.0.1, from a private configuration in a temp dir: the one
# tests/starttls.rs starts) by `tlsight audit --starttls smtp`, `testssl.sh -t smtp` and
# `sslyze --starttls smtp`: wall time and the connections the server accepted (its own
# "connect from" log lines). Needs root (postfix's master), what scripts/test.sh installs, plus
# testssl.sh (Debian) and sslyze (pip, into $TLSIGHT_TOOLS/sslyze); a missing tool is reported,
# not faked.
set -euo pipefail
cd "$(dirname "$0")/.."
tools="${TLSIGHT_TOOLS:-$HOME/.cache/tlsight-tools}"
tlsight="${TLSIGHT:-}"
if [ -z "$tlsight" ]; then
  cargo build --release --locked --quiet
  tlsight=target/release/tlsight
fi
work=$(mktemp -d)
chmod 755 "$work"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$work/conf" "$work/data" "$work/queue/pid" "$work/queue/private" "$work/queue/public"
chown postfix "$work/data" "$work/queue/private" "$work/queue/public"
cp certs/rsa2048-chain.pem "$work/cert.pem"
install -m 600 certs/rsa2048.key "$work/key.pem"
cat > "$work/conf/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $work/queue
data_directory = $work/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $work/postfix.log
maillog_file_prefixes = $work
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mail.tlsight.test
mydestination =
mynetworks = 127.0.0.0/8
local_recipient_maps =
notify_classes =
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
smtpd_tls_security_level = may
smtpd_tls_cert_file = $work/cert.pem
smtpd_tls_key_file = $work/key.pem
EOF
cat > "$work/conf/master.cf" <<EOF
127.0.0.1:$port inet n - n - - smtpd
postlog unix-dgram n - n - 1 postlogd
tlsmgr unix - - n 1000? 1 tlsmgr
EOF
/usr/lib/postfix/sbin/master -c "$work/conf" -s >/dev/null 2>&1 &
server=$!
# KEEP=1 keeps each tool's output for reading.
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
sleep 1 # the readiness probe's log line lands before the first count
target="127.0.0.1:$port"
connects() { grep -c 'smtpd\[[0-9]*\]: connect from' "$work/postfix.log" || true; }

bench() {
  local name=$1; shift
  local before t0 t1 rc=0
  before=$(connects)
  t0=$(date +%s.%N)
  "$@" > "$work/$name.out" 2>&1 || rc=$?
  t1=$(date +%s.%N)
  sleep 1 # postlogd writes the last lines asynchronously
  printf '%-28s %7.1f s  %5d connections  (exit %d)\n' "$name" \
    "$(echo "$t1 - $t0" | bc)" "$(( $(connects) - before ))" "$rc"
}

echo "SMTP STARTTLS audit of $target (postfix $(/usr/sbin/postconf -d -h mail_version 2>/dev/null), OpenSSL), $(nproc) cores"
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
