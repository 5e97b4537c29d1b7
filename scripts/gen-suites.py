#!/usr/bin/env python3
"""Generate src/suites/registry.rs from the committed inputs in testdata/suites/.

Inputs (all committed, see testdata/suites/README.md):
  tls-parameters-4.csv          IANA TLS Cipher Suites registry (code, name, DTLS-OK, Recommended, reference)
  tls-parameters-8.csv          IANA TLS Supported Groups registry
  tls-signaturescheme.csv       IANA TLS SignatureScheme registry (repetitive reserved rows trimmed)
  openssl-ciphers-V-stdname.txt `openssl ciphers -V -stdname 'ALL:COMPLEMENTOFALL:@SECLEVEL=0'` (OpenSSL names)
  gnutls-cli-list.txt           `gnutls-cli --list` (GnuTLS names)
  cipher-suite-patches.csv      hand-checked extras: non-IANA code points, legacy OpenSSL names, SSLv2 specs
  group-attributes.csv          hand-checked group kind / size / strength
  sigscheme-legacy.csv          TLS 1.2 (hash, signature) pairs the SignatureScheme registry only reserves
  tls-parser-ciphersuites.txt   tls-parser 0.12.2's table: used only as a cross-check (differences printed)

Components (kx, auth, cipher, bits, mode, MAC, PRF) are derived from the IANA name, whose grammar is
regular (RFC 5246 App. C naming), rather than copied from any third-party table. Judgement (rating,
reasons) is not generated: it lives in src/suites/rating.rs so it can be read and tested in Rust.

Usage: python3 scripts/gen-suites.py [--check]   (--check: fail if the committed file is stale)
"""

import csv
import io
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "testdata" / "suites"
OUT = ROOT / "src" / "suites" / "registry.rs"

# Version bit set, mirrored by suites::Versions.
SSL3, TLS10, TLS11, TLS12, TLS13 = 1, 2, 4, 8, 16


def die(msg):
    sys.exit(f"gen-suites: {msg}")


def read_csv(name):
    text = (SEEDS / name).read_text()
    lines = [l for l in text.splitlines(keepends=True) if not l.startswith("#")]
    return list(csv.DictReader(io.StringIO("".join(lines))))


def rust_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def opt_str(s):
    return f"Some({rust_str(s)})" if s else "None"


# ---------------------------------------------------------------------------------------------
# Cipher-suite name grammar
# ---------------------------------------------------------------------------------------------

KXAU = {
    "NULL": ("Null", "Anon"),
    "RSA": ("Rsa", "Rsa"),
    "DH_DSS": ("Dh", "Dss"),
    "DH_RSA": ("Dh", "Rsa"),
    "DHE_DSS": ("Dhe", "Dss"),
    "DHE_RSA": ("Dhe", "Rsa"),
    "DH_anon": ("Dh", "Anon"),
    "ECDH_ECDSA": ("Ecdh", "Ecdsa"),
    "ECDH_RSA": ("Ecdh", "Rsa"),
    "ECDHE_ECDSA": ("Ecdhe", "Ecdsa"),
    "ECDHE_RSA": ("Ecdhe", "Rsa"),
    "ECDH_anon": ("Ecdh", "Anon"),
    "KRB5": ("Krb5", "Krb5"),
    "PSK": ("Psk", "Psk"),
    "DHE_PSK": ("DhePsk", "Psk"),
    # RFC 6655 spells two DHE_PSK suites "PSK_DHE"; same key exchange.
    "PSK_DHE": ("DhePsk", "Psk"),
    "RSA_PSK": ("RsaPsk", "Rsa"),
    "ECDHE_PSK": ("EcdhePsk", "Psk"),
    "SRP_SHA": ("Srp", "Srp"),
    "SRP_SHA_RSA": ("Srp", "Rsa"),
    "SRP_SHA_DSS": ("Srp", "Dss"),
    "ECCPWD": ("Eccpwd", "Eccpwd"),
    "GOSTR341112_256": ("Gost", "Gost"),
}
FORWARD_SECRET_KX = {"Dhe", "Ecdhe", "DhePsk", "EcdhePsk", "Srp", "Eccpwd", "Tls13"}
PSK_FAMILY = {"Psk", "DhePsk", "RsaPsk", "EcdhePsk"}

# cipher token -> (Cipher, key_bits, Mode, aead)
CIPHERS = [
    (r"NULL", ("Null", 0, "Null", False)),
    (r"RC4_(40|56|128)", ("Rc4", None, "Stream", False)),
    (r"RC2_CBC_(40|56)", ("Rc2", None, "Cbc", False)),
    (r"DES40_CBC", ("Des", 40, "Cbc", False)),
    (r"DES_CBC_40", ("Des", 40, "Cbc", False)),
    (r"DES_CBC", ("Des", 56, "Cbc", False)),
    (r"3DES_EDE_CBC", ("TripleDes", 168, "Cbc", False)),
    (r"IDEA_CBC", ("Idea", 128, "Cbc", False)),
    (r"SEED_CBC", ("Seed", 128, "Cbc", False)),
    (r"(AES|CAMELLIA|ARIA)_(128|256)_CBC", (None, None, "Cbc", False)),
    (r"(AES|CAMELLIA|ARIA)_(128|256)_GCM", (None, None, "Gcm", True)),
    (r"AES_(128|256)_CCM_8", ("Aes", None, "Ccm8", True)),
    (r"AES_(128|256)_CCM", ("Aes", None, "Ccm", True)),
    (r"CHACHA20_POLY1305", ("Chacha20", 256, "Poly1305", True)),
    (r"AEGIS_256", ("Aegis256", 256, "Aegis", True)),
    (r"AEGIS_128L", ("Aegis128L", 128, "Aegis", True)),
    (r"SM4_GCM", ("Sm4", 128, "Gcm", True)),
    (r"SM4_CCM", ("Sm4", 128, "Ccm", True)),
    (r"KUZNYECHIK_CTR_OMAC", ("Kuznyechik", 256, "Ctr", False)),
    (r"MAGMA_CTR_OMAC", ("Magma", 256, "Ctr", False)),
    (r"28147_CNT_IMIT", ("Gost28147", 256, "Cnt", False)),
    (r"KUZNYECHIK_MGM_L", ("Kuznyechik", 256, "MgmL", True)),
    (r"MAGMA_MGM_L", ("Magma", 256, "MgmL", True)),
    (r"KUZNYECHIK_MGM_S", ("Kuznyechik", 256, "MgmS", True)),
    (r"MAGMA_MGM_S", ("Magma", 256, "MgmS", True)),
]
CAMEL = {"AES": "Aes", "CAMELLIA": "Camellia", "ARIA": "Aria"}
HASHES = {"MD5": "Md5", "SHA": "Sha1", "SHA256": "Sha256", "SHA384": "Sha384", "SHA512": "Sha512", "SM3": "Sm3"}


def parse_cipher(tok):
    for pat, (cipher, bits, mode, aead) in CIPHERS:
        m = re.fullmatch(pat, tok)
        if not m:
            continue
        if cipher is None:
            cipher, bits = CAMEL[m.group(1)], int(m.group(2))
        elif bits is None:
            bits = int(m.group(m.lastindex))
        return cipher, bits, mode, aead
    return None


def decompose(code, name):
    """Derive every component of a suite from its IANA-style name."""
    if not name.startswith("TLS_"):
        die(f"0x{code:04X}: name {name!r} does not start with TLS_")
    body = name[4:]
    d = {"export": False}
    tls13 = False
    if "_WITH_" in body:
        kxau, rest = body.split("_WITH_", 1)
        if kxau.endswith("_EXPORT1024") or kxau.endswith("_EXPORT"):
            d["export"] = True
            kxau = kxau.rsplit("_EXPORT", 1)[0]
        if kxau not in KXAU:
            die(f"0x{code:04X}: unknown key exchange {kxau!r} in {name}")
        kx, auth = KXAU[kxau]
        # RFC 9367 GOST suites for TLS 1.3 (MGM) take kx/auth from extensions like other 1.3 suites.
        if kxau == "GOSTR341112_256" and "_MGM_" in rest:
            kx, auth, tls13 = "Tls13", "Tls13", True
    else:
        # TLS 1.3 style: TLS_<AEAD>_<HASH> (RFC 8446, RFC 8998, AEGIS) or TLS_<HASH>_<HASH> (RFC 9150).
        kx, auth, tls13 = "Tls13", "Tls13", True
        rest = body
    d.update(kx=kx, auth=auth)

    # Split off the trailing hash (MAC or PRF) if there is one.
    mac_tok = None
    m = re.fullmatch(r"(.*)_(MD5|SHA|SHA256|SHA384|SHA512|SM3)", rest)
    if m and parse_cipher(m.group(1)):
        ciph_tok, mac_tok = m.group(1), m.group(2)
    elif rest == "NULL_NULL":  # TLS_NULL_WITH_NULL_NULL: the initial, unprotected state
        ciph_tok = "NULL"
    elif re.fullmatch(r"SHA(256|384)_SHA(256|384)", rest):
        ciph_tok, mac_tok = "NULL", rest.split("_")[1]  # RFC 9150 integrity-only
    else:
        ciph_tok = rest
    parsed = parse_cipher(ciph_tok)
    if not parsed:
        die(f"0x{code:04X}: cannot parse cipher part {ciph_tok!r} of {name}")
    cipher, bits, mode, aead = parsed
    d.update(cipher=cipher, key_bits=bits, mode=mode, aead=aead)

    gost = kx == "Gost" or cipher in ("Kuznyechik", "Magma", "Gost28147")
    if aead:
        d["mac"] = None
        d["prf"] = HASHES[mac_tok] if mac_tok else "Sha256"  # RFC 6655 CCM suites: TLS 1.2 PRF, SHA-256
        if gost:
            d["prf"] = "Streebog256"
    elif gost:
        d["mac"] = "Omac" if ciph_tok.endswith("OMAC") else "Imit"
        d["prf"] = "Streebog256"
    elif tls13:  # RFC 9150: HMAC only, HKDF hash = the named hash
        d["mac"] = HASHES[mac_tok]
        d["prf"] = HASHES[mac_tok]
    else:
        if mac_tok is None and kx == "Null":
            d["mac"], d["prf"] = None, "Legacy"
        elif mac_tok is None:
            die(f"0x{code:04X}: no MAC in {name}")
        else:
            d["mac"] = HASHES[mac_tok]
            d["prf"] = HASHES[mac_tok] if mac_tok in ("SHA256", "SHA384") else "Legacy"

    d["anon"] = auth == "Anon"
    # Anonymous DH/ECDH suites send a fresh ServerKeyExchange key (RFC 5246 §7.4.3), so a passive
    # recorder cannot decrypt later; they are insecure for lack of authentication, not of FS.
    d["forward_secrecy"] = kx in FORWARD_SECRET_KX or (d["anon"] and kx in ("Dh", "Ecdh"))
    d["null"] = cipher == "Null"

    # Versions. TLS 1.3 suites: 1.3 only. AEAD and SHA-2 PRF suites: TLS 1.2 (RFC 5246 §1.2, RFC 5288,
    # RFC 5289), except the PSK family, whose RFC 5487/5489/6367 CBC and NULL SHA-2 suites are defined for
    # TLS 1.0+ with the version's own PRF. Export suites: SSLv3 and TLS 1.0 (RFC 4346 §A.5 forbids them in
    # 1.1). DES/IDEA: removed from TLS 1.2 (RFC 5246 §1.2, RFC 5469). Elliptic-curve suites start at TLS 1.0
    # (RFC 8422); the rest follow OpenSSL in allowing SSLv3.
    if tls13:
        v = TLS13
    elif aead or (d["prf"] in ("Sha256", "Sha384") and kx not in PSK_FAMILY) or gost or kx == "Eccpwd":
        v = TLS12
    elif d["export"]:
        v = SSL3 | TLS10
    elif cipher in ("Des", "Idea"):
        v = SSL3 | TLS10 | TLS11
    elif d["prf"] in ("Sha256", "Sha384") or kx in ("Ecdh", "Ecdhe", "EcdhePsk"):
        v = TLS10 | TLS11 | TLS12
    else:
        v = SSL3 | TLS10 | TLS11 | TLS12
    d["versions"] = v
    return d


# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------


def parse_code(v):
    m = re.fullmatch(r'0x([0-9A-Fa-f]{2}),0x([0-9A-Fa-f]{2})', v.strip())
    return int(m.group(1) + m.group(2), 16) if m else None


def load_iana_suites():
    rows = {}
    for r in read_csv("tls-parameters-4.csv"):
        code = parse_code(r["Value"])
        if code is None:
            continue  # ranges: Unassigned / Reserved blocks
        ref = "".join(re.findall(r"\[([^\]]+)\]", r["Reference"])[:1]) or r["Reference"]
        rows[code] = {
            "name": r["Description"].strip(),
            "dtls": r["DTLS-OK"].strip(),
            "rec": r["Recommended"].strip(),
            "ref": ref,
        }
    return rows


def load_openssl():
    out = {}
    for line in (SEEDS / "openssl-ciphers-V-stdname.txt").read_text().splitlines():
        f = line.split()
        if len(f) < 6 or f[1] != "-" or f[3] != "-":
            continue
        code = parse_code(f[0])
        out[code] = {"iana": f[2], "openssl": f[4], "min": f[5], "kx": f[6][3:], "au": f[7][3:],
                     "enc": f[8][4:], "mac": f[9][4:]}
    return out


def load_gnutls():
    out = {}
    for line in (SEEDS / "gnutls-cli-list.txt").read_text().splitlines():
        m = re.match(r"(\S+)\s+0x([0-9a-f]{2}), 0x([0-9a-f]{2})\s+(\S+)", line)
        if m:
            out[int(m.group(2) + m.group(3), 16)] = m.group(1)
    return out


def load_patches():
    extra, ossl, sslv2, rename = {}, {}, [], {}
    for r in read_csv("cipher-suite-patches.csv"):
        kind = r["kind"]
        if kind == "sslv2":
            sslv2.append(r)
            continue
        code = int(r["code"], 16)
        if kind == "extra":
            extra[code] = r
        elif kind == "openssl":
            ossl[code] = r["openssl"]
        elif kind == "rename":
            rename[code] = r
        else:
            die(f"cipher-suite-patches.csv: unknown kind {kind!r}")
    return extra, ossl, sslv2, rename


def is_grease(code):
    return (code & 0x0F0F) == 0x0A0A and (code >> 8) == (code & 0xFF)


# ---------------------------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------------------------


def gen_suites(notes):
    iana = load_iana_suites()
    openssl = load_openssl()
    gnutls = load_gnutls()
    extra, ossl_legacy, sslv2, rename = load_patches()
    for code, r in rename.items():
        if code not in iana:
            die(f"patch rename 0x{code:04X}: not in the IANA snapshot")
        iana[code]["name"] = r["name"]
        iana[code]["ref"] = r["source"].split(" ")[0]

    entries = []
    for code, row in sorted(iana.items()):
        name = row["name"]
        rec = {"Y": "Yes", "N": "No", "D": "Discouraged"}.get(row["rec"], "NotListed")
        dtls = {"Y": "Some(true)", "N": "Some(false)"}.get(row["dtls"], "None")
        e = {"code": code, "iana": name, "rec": rec, "dtls": dtls, "ref": row["ref"]}
        if is_grease(code):
            e.update(kind="Grease", iana=f"GREASE_0x{code:04X}")
        elif name in ("TLS_EMPTY_RENEGOTIATION_INFO_SCSV", "TLS_FALLBACK_SCSV"):
            e.update(kind="Scsv")
        elif name.startswith("Reserved") or name == "Unassigned":
            continue
        else:
            e.update(kind="Standard", **decompose(code, name))
        entries.append(e)
    for code, r in extra.items():
        if code in iana and not iana[code]["name"].startswith("Reserved"):
            die(f"patch extra 0x{code:04X} collides with IANA {iana[code]['name']}")
        d = decompose(code, r["parse_as"] or r["name"])
        entries.append({"code": code, "iana": r["name"], "rec": "NotListed", "dtls": "None",
                        "ref": r["source"], "kind": "NonIana", "openssl_patch": r["openssl"], **d})
    entries.sort(key=lambda e: e["code"])

    # Names: OpenSSL 3 output first, then 1.0.2 legacy names, then GnuTLS.
    seen_iana = {e["code"]: e for e in entries}
    for code, o in openssl.items():
        e = seen_iana.get(code)
        if e is None:
            die(f"OpenSSL lists 0x{code:04X} {o['iana']} which the registry lacks")
        if o["iana"] != e["iana"]:
            die(f"0x{code:04X}: OpenSSL stdname {o['iana']} != IANA {e['iana']}")
        e["openssl"] = o["openssl"]
    for code, name in ossl_legacy.items():
        e = seen_iana.get(code)
        if e is None:
            die(f"patch openssl 0x{code:04X}: no such suite")
        if e.get("openssl") and e["openssl"] != name:
            die(f"patch openssl 0x{code:04X}: {name} conflicts with OpenSSL 3 name {e['openssl']}")
        if e.get("openssl") == name:
            notes.append(f"patch openssl 0x{code:04X} {name}: already listed by local OpenSSL")
        e["openssl"] = name
    for e in entries:
        if e.get("openssl_patch"):
            e["openssl"] = e["openssl_patch"]
        g = gnutls.get(e["code"])
        if g and e["kind"] in ("Standard", "NonIana"):
            e["gnutls"] = g
    for code in gnutls:
        if code not in seen_iana:
            die(f"GnuTLS lists 0x{code:04X} {gnutls[code]} which the registry lacks")

    # Name index (upper-cased) for lookup; every name must resolve to exactly one code.
    index = {}
    for e in entries:
        for n in (e["iana"], e.get("openssl"), e.get("gnutls")):
            if not n:
                continue
            k = n.upper()
            if k in index and index[k] != e["code"]:
                die(f"name {n} maps to both 0x{index[k]:04X} and 0x{e['code']:04X}")
            index[k] = e["code"]

    cross_check_tls_parser(entries, notes)
    return entries, index, sslv2


def cross_check_tls_parser(entries, notes):
    """Report where tls-parser's table (a seed we do not copy) disagrees with our derivation."""
    by_code = {e["code"]: e for e in entries}
    enc_map = {"3DES": "TripleDes", "CHACHA20_POLY1305": "Chacha20", "AES": "Aes", "CAMELLIA": "Camellia",
               "ARIA": "Aria", "NULL": "Null", "RC4": "Rc4", "RC2": "Rc2", "DES": "Des", "IDEA": "Idea",
               "SEED": "Seed", "SM4": "Sm4", "AEGIS": None}
    for line in (SEEDS / "tls-parser-ciphersuites.txt").read_text().splitlines():
        f = line.split(":")
        code, enc, bits = int(f[0], 16), f[4], int(f[6])
        e = by_code.get(code)
        if e is None:
            notes.append(f"tls-parser has 0x{code:04X} {f[1]}, registry does not")
            continue
        if e["kind"] not in ("Standard", "NonIana"):
            continue
        want = enc_map.get(enc, enc)
        if want and want != e["cipher"]:
            notes.append(f"tls-parser 0x{code:04X} {f[1]}: enc {enc} vs ours {e['cipher']}")
        if bits != e["key_bits"] and enc != "AEGIS":
            notes.append(f"tls-parser 0x{code:04X} {f[1]}: enc_size {bits} vs ours {e['key_bits']}")
    missing = [e for e in entries if e["kind"] == "Standard"]
    tp_codes = {int(l.split(":")[0], 16) for l in (SEEDS / "tls-parser-ciphersuites.txt").read_text().splitlines()}
    for e in missing:
        if e["code"] not in tp_codes:
            notes.append(f"tls-parser lacks 0x{e['code']:04X} {e['iana']}")


def suite_rs(e):
    code = e["code"]
    if e["kind"] in ("Scsv", "Grease"):
        comp = ("versions: Versions(0), kx: KeyExchange::None, auth: Authentication::None, "
                "cipher: Cipher::None, key_bits: 0, mode: Mode::None, aead: false, mac: None, prf: Prf::None, "
                "forward_secrecy: false, export: false, anon: false, null: false")
    else:
        comp = (f"versions: Versions({e['versions']}), kx: KeyExchange::{e['kx']}, "
                f"auth: Authentication::{e['auth']}, cipher: Cipher::{e['cipher']}, key_bits: {e['key_bits']}, "
                f"mode: Mode::{e['mode']}, aead: {str(e['aead']).lower()}, "
                f"mac: {('Some(Mac::' + e['mac'] + ')') if e['mac'] else 'None'}, prf: Prf::{e['prf']}, "
                f"forward_secrecy: {str(e['forward_secrecy']).lower()}, export: {str(e['export']).lower()}, "
                f"anon: {str(e['anon']).lower()}, null: {str(e['null']).lower()}")
    return (f"    CipherSuite {{ code: 0x{code:04X}, iana: {rust_str(e['iana'])}, openssl: {opt_str(e.get('openssl'))}, "
            f"gnutls: {opt_str(e.get('gnutls'))}, {comp}, iana_recommended: Recommended::{e['rec']}, "
            f"dtls_ok: {e['dtls']}, reference: {rust_str(e['ref'])}, kind: SuiteKind::{e['kind']} }},\n")


SSLV2_CIPHER = {"RC4": ("Rc4", "Stream"), "RC2": ("Rc2", "Cbc"), "IDEA": ("Idea", "Cbc"), "DES": ("Des", "Cbc"),
                "3DES": ("TripleDes", "Cbc")}


def sslv2_rs(r):
    parts = r["parse_as"].split(":")
    cipher, mode = SSLV2_CIPHER[parts[0]]
    export = len(parts) > 2 and parts[2] == "export"
    return (f"    Sslv2CipherSpec {{ code: {r['code'].replace('0x', '0x').upper().replace('0X', '0x')}, "
            f"name: {rust_str(r['name'])}, openssl: {rust_str(r['openssl'])}, cipher: Cipher::{cipher}, "
            f"key_bits: {parts[1]}, mode: Mode::{mode}, export: {str(export).lower()}, "
            f"reference: {rust_str(r['source'])} }},\n")


# ---------------------------------------------------------------------------------------------
# Groups and signature schemes
# ---------------------------------------------------------------------------------------------

GROUP_KIND = {"ECDHE": "Ecdhe", "FFDHE": "Ffdhe", "hybrid PQ": "HybridPq", "ML-KEM": "MlKem",
              "explicit curve": "ExplicitCurve"}


def gen_groups():
    attrs = {r["name"]: r for r in read_csv("group-attributes.csv")}
    out = []
    for r in read_csv("tls-parameters-8.csv"):
        v = r["Value"].strip()
        if not v.isdigit():
            continue
        code = int(v)
        desc = r["Description"].strip()
        rec = {"Y": "Yes", "N": "No", "D": "Discouraged"}.get(r["Recommended"].strip(), "NotListed")
        ref = "".join(re.findall(r"\[([^\]]+)\]", r["Reference"])[:1])
        if desc == "Reserved" and is_grease(code):
            out.append((code, f"GREASE_0x{code:04X}", "Grease", 0, 0, 0, rec, ref, False))
            continue
        if desc in ("Reserved", "Unassigned"):
            continue
        obsolete = desc.endswith("(OBSOLETE)")
        name = desc.replace(" (OBSOLETE)", "")
        a = attrs.get(name)
        if a is None:
            die(f"group {name} ({code}) has no row in group-attributes.csv")
        out.append((code, name, GROUP_KIND[a["kind"]], int(a["key_bits"]), int(a["security_bits"]),
                    int(a["pq_security"] or 0), rec, ref, obsolete))
    names = {o[1] for o in out}
    for n in attrs:
        if n not in names:
            die(f"group-attributes.csv row {n} matches no IANA group")
    return sorted(out)


def sig_components(name):
    """(algorithm, hash, curve) of a SignatureScheme from its name."""
    m = re.fullmatch(r"rsa_pkcs1_(md5|sha1|sha224|sha256|sha384|sha512)(_legacy)?", name)
    if m:
        return "RsaPkcs1", m.group(1), ""
    m = re.fullmatch(r"rsa_pss_(rsae|pss)_(sha256|sha384|sha512)", name)
    if m:
        return ("RsaPssRsae" if m.group(1) == "rsae" else "RsaPssPss"), m.group(2), ""
    m = re.fullmatch(r"ecdsa_(secp256r1|secp384r1|secp521r1|brainpoolP256r1tls13|brainpoolP384r1tls13|"
                     r"brainpoolP512r1tls13)_(sha256|sha384|sha512)", name)
    if m:
        return "Ecdsa", m.group(2), m.group(1)
    m = re.fullmatch(r"(ecdsa|dsa)_(md5|sha1|sha224|sha256|sha384|sha512)", name)
    if m:
        return ("Ecdsa" if m.group(1) == "ecdsa" else "Dsa"), m.group(2), ""
    if name in ("ed25519", "ed448"):
        return "EdDsa", "intrinsic", name
    m = re.fullmatch(r"mldsa(44|65|87)", name)
    if m:
        return "MlDsa", "intrinsic", ""
    if name == "sm2sig_sm3":
        return "Sm2", "sm3", "curveSM2"
    m = re.fullmatch(r"gostr34102012_(256|512)([a-d])", name)
    if m:
        return "Gost", "streebog" + m.group(1), ""
    if name in ("eccsi_sha256", "iso_ibs1", "iso_ibs2", "iso_chinese_ibs"):
        return "IdentityBased", ("sha256" if name == "eccsi_sha256" else "intrinsic"), ""
    die(f"cannot decompose signature scheme {name}")


SIG_HASH = {"md5": "Md5", "sha1": "Sha1", "sha224": "Sha224", "sha256": "Sha256", "sha384": "Sha384",
            "sha512": "Sha512", "intrinsic": "Intrinsic", "sm3": "Sm3", "streebog256": "Streebog256",
            "streebog512": "Streebog512"}


def gen_sigschemes():
    out = []
    for r in read_csv("tls-signaturescheme.csv"):
        v = r["Value"].strip()
        if "-" in v or r["Description"].startswith(("Reserved", "Unassigned")):
            continue
        code = int(v, 16)
        name = r["Description"].strip()
        rec = {"Y": "Yes", "N": "No", "D": "Discouraged"}.get(r["Recommended"].strip(), "NotListed")
        ref = "".join(re.findall(r"\[([^\]]+)\]", r["Reference"])[:1])
        alg, h, curve = sig_components(name)
        out.append((code, name, alg, SIG_HASH[h], curve, rec, ref, "Standard"))
    for r in read_csv("sigscheme-legacy.csv"):
        code = int(r["code"], 16)
        if any(o[0] == code for o in out):
            die(f"sigscheme-legacy 0x{code:04X} collides with an IANA entry")
        alg, h, curve = sig_components(r["name"])
        out.append((code, r["name"], alg, SIG_HASH[h], curve, "NotListed", r["source"], "Tls12Legacy"))
    # RFC 8701 §2 reserves the same sixteen GREASE values in signature_algorithms.
    for i in range(16):
        code = (i << 12) | 0x0A00 | (i << 4) | 0x0A
        out.append((code, f"GREASE_0x{code:04X}", "None", "Intrinsic", "", "NotListed", "RFC8701", "Grease"))
    return sorted(out)


def main():
    notes = []
    suites, index, sslv2 = gen_suites(notes)
    groups = gen_groups()
    sigs = gen_sigschemes()

    o = io.StringIO()
    o.write("// @generated by scripts/gen-suites.py from testdata/suites/*. Do not edit by hand:\n")
    o.write("// change the inputs or the script and run `python3 scripts/gen-suites.py`.\n")
    o.write("#![allow(clippy::unreadable_literal)]\n\n")
    o.write("use super::types::*;\n\n")
    o.write(f"/// Every known cipher suite code point, sorted by code ({len(suites)} entries).\n")
    o.write(f"pub(crate) static CIPHER_SUITES: [CipherSuite; {len(suites)}] = [\n")
    for e in suites:
        o.write(suite_rs(e))
    o.write("];\n\n")
    keys = sorted(index.items())
    o.write("/// Upper-cased IANA, OpenSSL and GnuTLS names -> code, sorted by name for binary search.\n")
    o.write(f"pub(crate) static NAME_INDEX: [(&str, u16); {len(keys)}] = [\n")
    for k, c in keys:
        o.write(f"    ({rust_str(k)}, 0x{c:04X}),\n")
    o.write("];\n\n")
    o.write(f"/// SSLv2 three-byte CIPHER-SPECs ({len(sslv2)} entries), sorted by code.\n")
    o.write(f"pub(crate) static SSLV2_CIPHER_SPECS: [Sslv2CipherSpec; {len(sslv2)}] = [\n")
    for r in sorted(sslv2, key=lambda r: int(r["code"], 16)):
        o.write(sslv2_rs(r))
    o.write("];\n\n")
    o.write(f"/// TLS Supported Groups ({len(groups)} entries), sorted by code.\n")
    o.write(f"pub(crate) static GROUPS: [NamedGroup; {len(groups)}] = [\n")
    for code, name, kind, bits, sec, pq, rec, ref, obsolete in groups:
        o.write(f"    NamedGroup {{ code: 0x{code:04X}, name: {rust_str(name)}, kind: GroupKind::{kind}, "
                f"key_bits: {bits}, security_bits: {sec}, pq_category: {pq}, "
                f"iana_recommended: Recommended::{rec}, obsolete: {str(obsolete).lower()}, "
                f"reference: {rust_str(ref)} }},\n")
    o.write("];\n\n")
    o.write(f"/// TLS SignatureSchemes ({len(sigs)} entries), sorted by code.\n")
    o.write(f"pub(crate) static SIG_SCHEMES: [SignatureScheme; {len(sigs)}] = [\n")
    for code, name, alg, h, curve, rec, ref, kind in sigs:
        o.write(f"    SignatureScheme {{ code: 0x{code:04X}, name: {rust_str(name)}, algorithm: SigAlgorithm::{alg}, "
                f"hash: SigHash::{h}, curve: {opt_str(curve)}, iana_recommended: Recommended::{rec}, "
                f"reference: {rust_str(ref)}, kind: SigKind::{kind} }},\n")
    o.write("];\n")
    text = o.getvalue()

    if "--check" in sys.argv:
        if OUT.read_text() != text:
            die(f"{OUT.relative_to(ROOT)} is stale: run python3 scripts/gen-suites.py")
        return
    OUT.write_text(text)
    print(f"gen-suites: wrote {OUT.relative_to(ROOT)}: {len(suites)} suites, {len(index)} names, "
          f"{len(sslv2)} SSLv2 specs, {len(groups)} groups, {len(sigs)} signature schemes", file=sys.stderr)
    for n in notes:
        print(f"gen-suites: note: {n}", file=sys.stderr)


if __name__ == "__main__":
    main()
