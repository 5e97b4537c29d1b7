#!/usr/bin/env bash
# Regenerates the committed test PKI in certs/ with OpenSSL:
#   root (RSA-2048, self-signed CA) -> intermediate (ECDSA P-256 CA) -> leaves:
#   rsa2048 (RSA-2048), ecdsa-p256 (P-256), ed25519 (Ed25519), each for localhost, 127.0.0.1, ::1
#   and tlsight.test. Valid for 20 years from generation (OpenSSL 3.0's `x509 -req` has no
#   -not_before), so tests do not expire.
# Usage: scripts/gen-certs.sh [OUTDIR]   (default: certs/)
set -euo pipefail
out=${1:-"$(dirname "$0")/../certs"}
mkdir -p "$out"
cd "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

days=7300

cat >"$tmp/ca.ext" <<'X'
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always
X
cat >"$tmp/int.ext" <<'X'
basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
extendedKeyUsage=serverAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always
X
cat >"$tmp/leaf.ext" <<'X'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always
subjectAltName=DNS:localhost,DNS:tlsight.test,IP:127.0.0.1,IP:::1
X

sign() { # csr issuer_cert issuer_key ext out serial
  openssl x509 -req -in "$1" -CA "$2" -CAkey "$3" -extfile "$4" -out "$5" \
    -set_serial "$6" -days "$days" -sha256 2>/dev/null
}

# Root CA (RSA-2048)
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out root.key 2>/dev/null
openssl req -new -key root.key -subj "/C=ZZ/O=tlsight test PKI/CN=tlsight Test Root CA" -out "$tmp/root.csr"
openssl x509 -req -in "$tmp/root.csr" -signkey root.key -extfile "$tmp/ca.ext" -out root.pem \
  -set_serial 0x1001 -days "$days" -sha256 2>/dev/null

# Intermediate CA (ECDSA P-256)
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out intermediate.key
openssl req -new -key intermediate.key -subj "/C=ZZ/O=tlsight test PKI/CN=tlsight Test Intermediate CA" -out "$tmp/int.csr"
sign "$tmp/int.csr" root.pem root.key "$tmp/int.ext" intermediate.pem 0x2001

# Leaves
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa2048.key 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ecdsa-p256.key
openssl genpkey -algorithm ED25519 -out ed25519.key
serial=0x3001
for leaf in rsa2048 ecdsa-p256 ed25519; do
  openssl req -new -key "$leaf.key" -subj "/C=ZZ/O=tlsight test PKI/CN=localhost" -out "$tmp/$leaf.csr"
  sign "$tmp/$leaf.csr" intermediate.pem intermediate.key "$tmp/leaf.ext" "$leaf.pem" "$serial"
  cat "$leaf.pem" intermediate.pem >"$leaf-chain.pem"
  serial=$((serial + 1))
done
echo "test PKI written to $(pwd)"
