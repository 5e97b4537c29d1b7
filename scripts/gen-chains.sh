#!/usr/bin/env bash
# Regenerates certs/chains/: one small chain per `tlsight verify` diagnosis code, with OpenSSL
# (plus python3 for the two byte-level corruptions). Own PKI, separate from certs/*.pem:
#   root (P-256 CA) -> int (P-256 CA) -> leaves for good.test
# Validity is "now + N days" (OpenSSL 3.0 `x509 -req` has no -not_before); tests pick their
# `--at` relative to each certificate's own dates, so the files never go stale.
# Usage: scripts/gen-chains.sh [OUTDIR]   (default: certs/chains/)
set -euo pipefail
out=${1:-"$(dirname "$0")/../certs/chains"}
mkdir -p "$out"
cd "$out"
rm -f ./*.pem ./*.key ./*.crl
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

long=36500 # 100 years: "valid" for any --at a test uses
subj() { echo "/C=ZZ/O=tlsight chains/CN=$1"; }
ec_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
rsa_key() { openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$2" -out "$1" 2>/dev/null; }

ext() { # name -> file; body from stdin
  cat >"$tmp/$1.ext"
  echo "$tmp/$1.ext"
}
CA_EXT=$(ext ca <<'X'
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always
X
)
LEAF_BASE='basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always'
leaf_ext() { # name san [extra lines]
  printf '%s\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n%s\n' "$LEAF_BASE" "$2" "${3:-}" >"$tmp/$1.ext"
  echo "$tmp/$1.ext"
}

serial=4096
# cert NAME KEY ISSUER_CERT ISSUER_KEY EXTFILE DAYS [MD]   (ISSUER_CERT "self" = self-signed)
cert() {
  local name=$1 key=$2 icert=$3 ikey=$4 extf=$5 days=$6 md=${7:-sha256}
  serial=$((serial + 1))
  openssl req -new -key "$key" -subj "$(subj "$name")" -out "$tmp/$name.csr" 2>/dev/null
  if [ "$icert" = self ]; then
    openssl x509 -req -in "$tmp/$name.csr" -signkey "$key" -extfile "$extf" -out "$tmp/$name.pem" \
      -set_serial "$serial" -days "$days" "-$md" 2>/dev/null
  else
    openssl x509 -req -in "$tmp/$name.csr" -CA "$icert" -CAkey "$ikey" -extfile "$extf" \
      -out "$tmp/$name.pem" -set_serial "$serial" -days "$days" "-$md" 2>/dev/null
  fi
}
bundle() { # out.pem cert-names...
  local o=$1
  shift
  : >"$o"
  for n in "$@"; do cat "$tmp/$n.pem" >>"$o"; done
}

# --- the PKI
ec_key root.key
cert root root.key self - "$CA_EXT" $long
cp "$tmp/root.pem" root.pem
ec_key int.key
cert int int.key "$tmp/root.pem" root.key "$CA_EXT" $long
ec_key other-root.key
cert other-root other-root.key self - "$CA_EXT" $long
cp "$tmp/other-root.pem" other-root.pem
ec_key leaf.key # shared by most leaves; key reuse keeps the script fast and changes nothing

good() { # name days [extra-ext-lines] [san]
  cert "$1" leaf.key "$tmp/int.pem" int.key "$(leaf_ext "$1" "${4:-DNS:good.test}" "${3:-}")" "$2"
}

# good: leaf + intermediate, valid for good.test (also used for hostname_mismatch, unknown_issuer)
good good $long
bundle good.pem good int
cp leaf.key good.key
# expired: a 1-day leaf (expired for any --at a day after generation)
good expired 1
bundle expired.pem expired int
# expires soon: 10-year leaf; the test validates 10 days before its notAfter
good expires-soon 3650
bundle expires-soon.pem expires-soon int
# self_signed: a self-signed end-entity certificate
cert self-signed leaf.key self - "$(leaf_ext self-signed DNS:good.test)" $long
bundle self-signed.pem self-signed
# bad_signature: good leaf with the last signature byte flipped
python3 - "$tmp/good.pem" "$tmp/bad-sig.pem" <<'PY'
import base64, sys
pem = open(sys.argv[1]).read()
b64 = "".join(l for l in pem.splitlines() if "-----" not in l)
der = bytearray(base64.b64decode(b64))
der[-1] ^= 0x01
body = base64.b64encode(bytes(der)).decode()
open(sys.argv[2], "w").write("-----BEGIN CERTIFICATE-----\n" + "\n".join(body[i:i+64] for i in range(0, len(body), 64)) + "\n-----END CERTIFICATE-----\n")
PY
bundle bad-signature.pem bad-sig int
# ca_used_as_end_entity: the leaf says CA:TRUE
printf '%s\n' 'basicConstraints=critical,CA:TRUE' 'keyUsage=critical,digitalSignature,keyCertSign' \
  'extendedKeyUsage=serverAuth' 'subjectKeyIdentifier=hash' 'authorityKeyIdentifier=keyid:always' \
  'subjectAltName=DNS:good.test' >"$tmp/ca-leaf.ext"
cert ca-leaf leaf.key "$tmp/int.pem" int.key "$tmp/ca-leaf.ext" $long
bundle ca-as-leaf.pem ca-leaf int
# issuer_not_ca: the leaf is issued by an end-entity certificate
ec_key "$tmp/ee-issuer.key"
cert ee-issuer "$tmp/ee-issuer.key" "$tmp/root.pem" root.key "$(leaf_ext ee-issuer DNS:issuer.test)" $long
cert by-ee leaf.key "$tmp/ee-issuer.pem" "$tmp/ee-issuer.key" "$(leaf_ext by-ee DNS:good.test)" $long
bundle issuer-not-ca.pem by-ee ee-issuer
# path_len_exceeded: int0 (pathlen 0) -> sub (CA) -> leaf
printf '%s\n' 'basicConstraints=critical,CA:TRUE,pathlen:0' 'keyUsage=critical,keyCertSign,cRLSign' \
  'subjectKeyIdentifier=hash' 'authorityKeyIdentifier=keyid:always' >"$tmp/pl0.ext"
ec_key "$tmp/int0.key"
cert int-pathlen0 "$tmp/int0.key" "$tmp/root.pem" root.key "$tmp/pl0.ext" $long
ec_key "$tmp/sub.key"
cert sub-ca "$tmp/sub.key" "$tmp/int-pathlen0.pem" "$tmp/int0.key" "$CA_EXT" $long
cert deep leaf.key "$tmp/sub-ca.pem" "$tmp/sub.key" "$(leaf_ext deep DNS:good.test)" $long
bundle path-len.pem deep sub-ca int-pathlen0
# name_constraint_violation: intermediate permits only allowed.test, leaf is for good.test
printf '%s\n' 'basicConstraints=critical,CA:TRUE' 'keyUsage=critical,keyCertSign,cRLSign' \
  'nameConstraints=critical,permitted;DNS:allowed.test' 'subjectKeyIdentifier=hash' \
  'authorityKeyIdentifier=keyid:always' >"$tmp/nc.ext"
ec_key "$tmp/nc.key"
cert int-nc "$tmp/nc.key" "$tmp/root.pem" root.key "$tmp/nc.ext" $long
cert nc-leaf leaf.key "$tmp/int-nc.pem" "$tmp/nc.key" "$(leaf_ext nc-leaf DNS:good.test)" $long
bundle name-constraint.pem nc-leaf int-nc
# invalid_eku: clientAuth only
printf '%s\n%s\n%s\n' "$LEAF_BASE" 'extendedKeyUsage=clientAuth' 'subjectAltName=DNS:good.test' >"$tmp/eku.ext"
cert client-only leaf.key "$tmp/int.pem" int.key "$tmp/eku.ext" $long
bundle bad-eku.pem client-only int
# weak_key: 1024-bit RSA leaf
rsa_key "$tmp/rsa1024.key" 1024
cert rsa1024 "$tmp/rsa1024.key" "$tmp/int.pem" int.key "$(leaf_ext rsa1024 DNS:good.test)" $long
bundle weak-key.pem rsa1024 int
# weak_signature_algorithm: RSA intermediate signs the leaf with SHA-1
rsa_key "$tmp/int-rsa.key" 2048
cert int-rsa "$tmp/int-rsa.key" "$tmp/root.pem" root.key "$CA_EXT" $long
cert sha1-leaf leaf.key "$tmp/int-rsa.pem" "$tmp/int-rsa.key" "$(leaf_ext sha1-leaf DNS:good.test)" $long sha1
bundle sha1.pem sha1-leaf int-rsa
# signature algorithms for the per-link proof: RSA-PSS, Ed25519 and P-384 issuers, and a
# 1024-bit RSA issuer (legacy key: verified, then reported weak)
serial=$((serial + 1))
openssl req -new -key leaf.key -subj "$(subj pss-leaf)" -out "$tmp/pss-leaf.csr" 2>/dev/null
openssl x509 -req -in "$tmp/pss-leaf.csr" -CA "$tmp/int-rsa.pem" -CAkey "$tmp/int-rsa.key" \
  -extfile "$(leaf_ext pss-leaf DNS:good.test)" -out "$tmp/pss-leaf.pem" -set_serial "$serial" \
  -days $long -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest 2>/dev/null
bundle pss.pem pss-leaf int-rsa
openssl genpkey -algorithm ED25519 -out "$tmp/ed.key"
cert int-ed25519 "$tmp/ed.key" "$tmp/root.pem" root.key "$CA_EXT" $long
openssl req -new -key leaf.key -subj "$(subj ed-leaf)" -out "$tmp/ed-leaf.csr" 2>/dev/null
serial=$((serial + 1))
openssl x509 -req -in "$tmp/ed-leaf.csr" -CA "$tmp/int-ed25519.pem" -CAkey "$tmp/ed.key" \
  -extfile "$(leaf_ext ed-leaf DNS:good.test)" -out "$tmp/ed-leaf.pem" -set_serial "$serial" \
  -days $long 2>/dev/null
bundle ed25519.pem ed-leaf int-ed25519
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$tmp/p384.key" 2>/dev/null
cert int-p384 "$tmp/p384.key" "$tmp/root.pem" root.key "$CA_EXT" $long
cert p384-leaf leaf.key "$tmp/int-p384.pem" "$tmp/p384.key" "$(leaf_ext p384-leaf DNS:good.test)" $long sha384
bundle p384.pem p384-leaf int-p384
rsa_key "$tmp/int-rsa1024.key" 1024
cert int-rsa1024 "$tmp/int-rsa1024.key" "$tmp/root.pem" root.key "$CA_EXT" $long
cert by-rsa1024 leaf.key "$tmp/int-rsa1024.pem" "$tmp/int-rsa1024.key" "$(leaf_ext by-rsa1024 DNS:good.test)" $long
bundle weak-issuer.pem by-rsa1024 int-rsa1024
# incomplete_chain: the intermediate is missing but named by AIA caIssuers
good aia-leaf $long 'authorityInfoAccess=caIssuers;URI:http://127.0.0.1:9/int.der'
bundle incomplete.pem aia-leaf
openssl x509 -in "$tmp/int.pem" -outform DER -out int.der
openssl crl2pkcs7 -nocrl -certfile "$tmp/int.pem" -outform DER -out int.p7c
# chain_out_of_order: root -> int -> sub2 -> leaf, sent as leaf, int, sub2
ec_key "$tmp/sub2.key"
cert sub2-ca "$tmp/sub2.key" "$tmp/int.pem" int.key "$CA_EXT" $long
cert ooo-leaf leaf.key "$tmp/sub2-ca.pem" "$tmp/sub2.key" "$(leaf_ext ooo-leaf DNS:good.test)" $long
bundle out-of-order.pem ooo-leaf int sub2-ca
# anchor_sent: leaf, int, root
bundle anchor-sent.pem good int root
# extra_certificates: leaf, int, an unrelated root
bundle extra-certs.pem good int other-root
# malformed_certificate: the leaf's DER is cut short by 10 bytes
python3 - "$tmp/good.pem" "$tmp/truncated.pem" <<'PY'
import base64, sys
pem = open(sys.argv[1]).read()
der = base64.b64decode("".join(l for l in pem.splitlines() if "-----" not in l))[:-10]
body = base64.b64encode(der).decode()
open(sys.argv[2], "w").write("-----BEGIN CERTIFICATE-----\n" + "\n".join(body[i:i+64] for i in range(0, len(body), 64)) + "\n-----END CERTIFICATE-----\n")
PY
bundle malformed.pem truncated int
# unsupported_critical_extension: a critical private extension in the leaf
good crit-ext $long '1.3.6.1.4.1.55555.1=critical,ASN1:NULL'
bundle critical-ext.pem crit-ext int
# unknown issuer loop: two CAs that certify each other, leaf under one of them (no anchor)
ec_key "$tmp/x.key"
ec_key "$tmp/y.key"
cert loop-x "$tmp/x.key" self - "$CA_EXT" $long
cert loop-y "$tmp/y.key" "$tmp/loop-x.pem" "$tmp/x.key" "$CA_EXT" $long
# re-issue loop-x under loop-y: same subject "loop-x", issuer "loop-y"
openssl req -new -key "$tmp/x.key" -subj "$(subj loop-x)" -out "$tmp/x2.csr" 2>/dev/null
serial=$((serial + 1))
openssl x509 -req -in "$tmp/x2.csr" -CA "$tmp/loop-y.pem" -CAkey "$tmp/y.key" -extfile "$CA_EXT" \
  -out "$tmp/loop-x2.pem" -set_serial "$serial" -days $long -sha256 2>/dev/null
cert loop-leaf leaf.key "$tmp/loop-x2.pem" "$tmp/x.key" "$(leaf_ext loop-leaf DNS:good.test)" $long
# loop-y (issued by the self-signed loop-x) is dropped so no self-signed root closes the path:
serial=$((serial + 1))
openssl x509 -req -in "$tmp/loop-y.csr" -CA "$tmp/loop-x2.pem" -CAkey "$tmp/x.key" -extfile "$CA_EXT" \
  -out "$tmp/loop-y2.pem" -set_serial "$serial" -days $long -sha256 2>/dev/null
bundle cycle.pem loop-leaf loop-x2 loop-y2

# revoked: a CRL from int that revokes the "revoked" leaf
good revoked $long 'crlDistributionPoints=URI:http://127.0.0.1:9/int.crl'
bundle revoked.pem revoked int
mkdir -p "$tmp/ca"
: >"$tmp/ca/index.txt"
echo 1000 >"$tmp/ca/crlnumber"
cat >"$tmp/ca.cnf" <<X
[ca]
default_ca = c
[c]
database = $tmp/ca/index.txt
crlnumber = $tmp/ca/crlnumber
default_md = sha256
default_crl_days = $long
crl_extensions = crl_ext
[crl_ext]
authorityKeyIdentifier=keyid:always
X
openssl ca -config "$tmp/ca.cnf" -keyfile int.key -cert "$tmp/int.pem" -revoke "$tmp/revoked.pem" 2>/dev/null
openssl ca -config "$tmp/ca.cnf" -keyfile int.key -cert "$tmp/int.pem" -gencrl -out int.crl 2>/dev/null
# stapled OCSP responses signed by int: good.ocsp (good) and revoked.ocsp (revoked)
openssl ca -config "$tmp/ca.cnf" -keyfile int.key -cert "$tmp/int.pem" -valid "$tmp/good.pem" 2>/dev/null
for n in good revoked; do
  openssl ocsp -issuer "$tmp/int.pem" -cert "$tmp/$n.pem" -no_nonce -reqout "$tmp/$n.req" 2>/dev/null
  openssl ocsp -index "$tmp/ca/index.txt" -rsigner "$tmp/int.pem" -rkey int.key -CA "$tmp/int.pem" \
    -reqin "$tmp/$n.req" -respout "$n.ocsp" -ndays $long 2>/dev/null >/dev/null
done

rm -f leaf.key root.key int.key other-root.key
echo "wrote $(ls | wc -l) files to $out"
