//! The suite / group / signature-scheme registries, checked against independent sources and
//! against the rating policy. Every test names the scenario it specifies.

use std::process::Command;

use tlsight::suites::{
    self, Authentication, Cipher, KeyExchange, LookupError, Mac, Mode, Prf, Rating, Resolved,
    SuiteKind, Versions,
};

/// `openssl ciphers -V -stdname ...` from the local OpenSSL. Falls back to the committed capture
/// of the same command (testdata) only when no `openssl` binary exists, and says so.
fn openssl_listing() -> String {
    let out = Command::new("openssl")
        .args([
            "ciphers",
            "-V",
            "-stdname",
            "ALL:COMPLEMENTOFALL:@SECLEVEL=0",
        ])
        .output();
    match out {
        Ok(o) if o.status.success() => String::from_utf8(o.stdout).expect("utf-8"),
        _ => {
            eprintln!("no local openssl: using testdata/suites/openssl-ciphers-V-stdname.txt");
            std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/testdata/suites/openssl-ciphers-V-stdname.txt"
            ))
            .expect("committed openssl listing")
        }
    }
}

fn code_of(field: &str) -> u16 {
    let (a, b) = field.split_once(',').expect("0xAA,0xBB");
    let byte = |s: &str| u8::from_str_radix(s.trim_start_matches("0x"), 16).expect("hex");
    u16::from_be_bytes([byte(a), byte(b)])
}

#[test]
fn every_suite_local_openssl_lists_matches_the_registry() {
    let listing = openssl_listing();
    let mut checked = 0;
    for line in listing.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        // 0xC0,0x2F - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 - ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 Kx=ECDH Au=RSA Enc=AESGCM(128) Mac=AEAD
        assert_eq!(f.len(), 10, "unexpected openssl line: {line}");
        let code = code_of(f[0]);
        let s = suites::cipher_suite(code)
            .unwrap_or_else(|| panic!("registry lacks 0x{code:04X} ({line})"));
        let ctx = format!("0x{code:04X} {}", s.iana);
        assert_eq!(s.iana, f[2], "{ctx}: IANA name");
        assert_eq!(s.openssl, Some(f[4]), "{ctx}: OpenSSL name");
        assert_eq!(
            suites::lookup(f[4]).map(|x| x.code),
            Ok(code),
            "{ctx}: by OpenSSL name"
        );
        assert_eq!(
            suites::lookup(f[2]).map(|x| x.code),
            Ok(code),
            "{ctx}: by IANA name"
        );

        // Oldest version: OpenSSL's column is the minimum protocol version for the suite.
        let min = match f[5] {
            "SSLv3" => Versions::SSL3,
            "TLSv1" => Versions::TLS10,
            "TLSv1.2" => Versions::TLS12,
            "TLSv1.3" => Versions::TLS13,
            v => panic!("{ctx}: unknown version {v}"),
        };
        assert_eq!(s.versions.min(), Some(min), "{ctx}: minimum version");

        let kx = f[6].trim_start_matches("Kx=");
        let want_kx: &[KeyExchange] = match kx {
            "RSA" => &[KeyExchange::Rsa],
            // OpenSSL 1.1+ implements only ephemeral (or anonymous) DH/ECDH and calls both "DH"/"ECDH".
            "DH" => &[KeyExchange::Dhe, KeyExchange::Dh],
            "ECDH" => &[KeyExchange::Ecdhe, KeyExchange::Ecdh],
            "PSK" => &[KeyExchange::Psk],
            "DHEPSK" => &[KeyExchange::DhePsk],
            "RSAPSK" => &[KeyExchange::RsaPsk],
            "ECDHEPSK" => &[KeyExchange::EcdhePsk],
            "SRP" => &[KeyExchange::Srp],
            "any" => &[KeyExchange::Tls13],
            k => panic!("{ctx}: unknown Kx {k}"),
        };
        assert!(
            want_kx.contains(&s.kx),
            "{ctx}: kx {:?} vs OpenSSL {kx}",
            s.kx
        );
        if matches!(s.kx, KeyExchange::Dh | KeyExchange::Ecdh) {
            assert!(
                s.anon,
                "{ctx}: OpenSSL only lists static (EC)DH when anonymous"
            );
        }

        let au = f[7].trim_start_matches("Au=");
        let want_au = match au {
            "RSA" => Authentication::Rsa,
            "DSS" => Authentication::Dss,
            "ECDSA" => Authentication::Ecdsa,
            "None" => Authentication::Anon,
            "PSK" => Authentication::Psk,
            "SRP" => Authentication::Srp,
            "any" => Authentication::Tls13,
            a => panic!("{ctx}: unknown Au {a}"),
        };
        assert_eq!(s.auth, want_au, "{ctx}: auth");

        let enc = f[8].trim_start_matches("Enc=");
        // "AESGCM(128)", or "None" for NULL encryption.
        let (alg, bits) = enc
            .trim_end_matches(')')
            .split_once('(')
            .unwrap_or((enc, "0"));
        let bits: u16 = bits.parse().expect("bits");
        let (want_cipher, want_mode) = match alg {
            "AES" => (Cipher::Aes, Mode::Cbc),
            "AESGCM" => (Cipher::Aes, Mode::Gcm),
            "AESCCM" => (Cipher::Aes, Mode::Ccm),
            "AESCCM8" => (Cipher::Aes, Mode::Ccm8),
            "Camellia" => (Cipher::Camellia, Mode::Cbc),
            "ARIAGCM" => (Cipher::Aria, Mode::Gcm),
            "CHACHA20/POLY1305" => (Cipher::Chacha20, Mode::Poly1305),
            "3DES" => (Cipher::TripleDes, Mode::Cbc),
            "SEED" => (Cipher::Seed, Mode::Cbc),
            "RC4" => (Cipher::Rc4, Mode::Stream),
            "DES" => (Cipher::Des, Mode::Cbc),
            "IDEA" => (Cipher::Idea, Mode::Cbc),
            "None" => (Cipher::Null, Mode::Null),
            e => panic!("{ctx}: unknown Enc {e}"),
        };
        assert_eq!(
            (s.cipher, s.mode),
            (want_cipher, want_mode),
            "{ctx}: cipher/mode"
        );
        assert_eq!(s.key_bits, bits, "{ctx}: key bits");

        let mac = f[9].trim_start_matches("Mac=");
        let want_mac = match mac {
            "AEAD" => None,
            "SHA1" => Some(Mac::Sha1),
            "SHA256" => Some(Mac::Sha256),
            "SHA384" => Some(Mac::Sha384),
            "MD5" => Some(Mac::Md5),
            m => panic!("{ctx}: unknown Mac {m}"),
        };
        assert_eq!(s.mac, want_mac, "{ctx}: MAC");
        assert_eq!(s.aead, want_mac.is_none(), "{ctx}: AEAD flag");
        checked += 1;
    }
    assert!(checked >= 100, "only {checked} suites listed by openssl");
}

#[test]
fn registry_rows_are_sorted_unique_and_internally_consistent() {
    let all = suites::all_cipher_suites();
    assert!(all.len() > 350, "{} suites", all.len());
    for w in all.windows(2) {
        assert!(w[0].code < w[1].code, "not sorted at 0x{:04X}", w[1].code);
    }
    for s in all {
        let ctx = format!("0x{:04X} {}", s.code, s.iana);
        assert_eq!(suites::cipher_suite(s.code), Some(s), "{ctx}");
        if !matches!(s.kind, SuiteKind::Standard | SuiteKind::NonIana) {
            continue;
        }
        assert_eq!(s.aead, s.mac.is_none() && !s.null, "{ctx}: AEAD iff no MAC");
        assert_eq!(s.null, s.cipher == Cipher::Null, "{ctx}: NULL flag");
        assert_eq!(s.null, s.key_bits == 0, "{ctx}: key bits");
        assert_eq!(s.anon, s.auth == Authentication::Anon, "{ctx}: anon flag");
        assert_eq!(s.export, s.iana.contains("EXPORT"), "{ctx}: export flag");
        assert_eq!(
            s.kx == KeyExchange::Tls13,
            s.is_tls13(),
            "{ctx}: TLS 1.3 suites and only they leave kx open"
        );
        assert!(!s.versions.is_empty(), "{ctx}: no versions");
        if s.aead || s.prf == Prf::Sha384 {
            assert!(
                !s.versions.contains(Versions::SSL3),
                "{ctx}: AEAD/SHA-384 in SSLv3"
            );
        }
        if s.forward_secrecy {
            assert!(
                matches!(
                    s.kx,
                    KeyExchange::Dhe
                        | KeyExchange::Ecdhe
                        | KeyExchange::DhePsk
                        | KeyExchange::EcdhePsk
                        | KeyExchange::Srp
                        | KeyExchange::Eccpwd
                        | KeyExchange::Tls13
                ) || s.anon,
                "{ctx}: forward secrecy claimed for {:?}",
                s.kx
            );
        }
        // Every name the registry knows leads back to this row.
        for name in [Some(s.iana), s.openssl, s.gnutls].into_iter().flatten() {
            assert_eq!(
                suites::lookup(name).map(|x| x.code),
                Ok(s.code),
                "{ctx}: {name}"
            );
        }
    }
}

#[test]
fn the_issue_families_are_all_present() {
    let has = |code: u16, needle: &str| {
        let s = suites::cipher_suite(code).unwrap_or_else(|| panic!("0x{code:04X} missing"));
        assert!(s.iana.contains(needle), "0x{code:04X} is {}", s.iana);
    };
    has(0x00FF, "EMPTY_RENEGOTIATION_INFO_SCSV");
    has(0x5600, "FALLBACK_SCSV");
    has(0xC100, "KUZNYECHIK_CTR_OMAC"); // RFC 9189
    has(0xC106, "MAGMA_MGM_S"); // RFC 9367
    has(0x00C6, "SM4_GCM_SM3");
    has(0xC0B0, "ECCPWD");
    has(0x1306, "AEGIS_256");
    has(0x0003, "EXPORT");
    has(0x0000, "NULL_WITH_NULL_NULL");
    has(0x0005, "RC4");
    has(0x0009, "DES_CBC");
    has(0x0007, "IDEA");
    has(0x0096, "SEED");
    has(0xC03C, "ARIA");
    has(0x0041, "CAMELLIA");
    has(0xC09C, "AES_128_CCM");
    has(0xC0A0, "CCM_8");
    has(0x008C, "TLS_PSK_WITH");
    has(0x0090, "DHE_PSK");
    has(0x0094, "RSA_PSK");
    has(0xC035, "ECDHE_PSK");
    has(0xC01D, "SRP_SHA");
    has(0x001E, "KRB5");
    for code in 0x1301..=0x1307 {
        let s = suites::cipher_suite(code).expect("TLS 1.3 suite");
        assert_eq!(s.versions, Versions::TLS13, "0x{code:04X}");
    }
    let v2 = suites::sslv2_cipher_spec(0x0700C0).expect("SSLv2 3DES spec");
    assert_eq!(v2.openssl, "DES-CBC3-MD5");
    assert_eq!(v2.rating(), Rating::Insecure);
}

#[test]
fn every_input_form_people_paste_resolves() {
    let want = 0xC02F;
    for input in [
        "0xC02F",
        "0xc02f",
        "C02F",
        "c02f",
        "0xC0,0x2F",
        "0xC0, 0x2F",
        "{0xC0,0x2F}",
        "{ 0xc0, 0x2f }",
        "C0,2F",
        "C0 2F",
        "c0:2f",
        "0x00,0xC0,0x2F", // SSLv2-hello form of a TLS suite
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "tls_ecdhe_rsa_with_aes_128_gcm_sha256",
        "ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "SSL_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ecdhe-rsa-aes128-gcm-sha256",
        "TLS_ECDHE_RSA_AES_128_GCM_SHA256", // GnuTLS
        "  ECDHE-RSA-AES128-GCM-SHA256\n",
    ] {
        assert_eq!(
            suites::lookup(input).map(|s| s.code),
            Ok(want),
            "input {input:?}"
        );
    }
    assert_eq!(
        suites::lookup("TLS13_AES_256_GCM_SHA384").map(|s| s.code),
        Ok(0x1302)
    );
    assert_eq!(
        suites::lookup("AES_128_GCM_SHA256").map(|s| s.code),
        Ok(0x1301)
    );
    assert_eq!(
        suites::lookup("SSL_RSA_WITH_RC4_128_MD5").map(|s| s.code),
        Ok(0x0004)
    );
    assert_eq!(
        suites::lookup("EXP-EDH-RSA-DES-CBC-SHA").map(|s| s.code),
        Ok(0x0014)
    );
    assert_eq!(suites::lookup("0x13,0x01").map(|s| s.code), Ok(0x1301));
    match suites::lookup_any("0x010080") {
        Ok(Resolved::Sslv2(s)) => assert_eq!(s.name, "SSL_CK_RC4_128_WITH_MD5"),
        other => panic!("SSLv2 spec: {other:?}"),
    }
    match suites::lookup_any("{0x07,0x00,0xC0}") {
        Ok(Resolved::Sslv2(s)) => assert_eq!(s.openssl, "DES-CBC3-MD5"),
        other => panic!("SSLv2 spec: {other:?}"),
    }
    assert_eq!(
        suites::lookup("0x010080"),
        Err(LookupError::Sslv2Spec { code: 0x010080 })
    );
}

#[test]
fn bad_input_gets_a_clear_error_with_closest_matches() {
    match suites::lookup("ECDHE-RSA-AES128-GCM-SHA255") {
        Err(LookupError::UnknownName { closest, .. }) => {
            assert_eq!(
                closest.first(),
                Some(&"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
            );
            assert!(closest.len() <= 3);
        }
        other => panic!("{other:?}"),
    }
    let e = suites::lookup("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA265").unwrap_err();
    assert!(
        e.to_string()
            .contains("closest: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
        "{e}"
    );
    assert_eq!(
        suites::lookup("0x1234"),
        Err(LookupError::Unassigned {
            code: 0x1234,
            what: "cipher suite"
        })
    );
    assert_eq!(
        suites::lookup("0x1234").unwrap_err().to_string(),
        "0x1234 is not an assigned cipher suite code point"
    );
    assert!(matches!(
        suites::lookup("0xZZ"),
        Err(LookupError::BadCode { .. })
    ));
    assert!(matches!(
        suites::lookup("0xC0,0x2F,0x01,0x02"),
        Err(LookupError::BadCode { .. })
    ));
    assert_eq!(suites::lookup("   "), Err(LookupError::Empty));
    match suites::lookup("qwertyuiop") {
        Err(LookupError::UnknownName { closest, .. }) => assert!(closest.is_empty()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn grease_values_are_recognised_everywhere() {
    let grease: Vec<u16> = (0..16u16)
        .map(|i| (i << 12) | 0x0A00 | (i << 4) | 0x0A)
        .collect();
    assert_eq!(grease[0], 0x0A0A);
    assert_eq!(grease[15], 0xFAFA);
    for &g in &grease {
        assert!(suites::is_grease(g), "0x{g:04X}");
        assert_eq!(suites::suite_name(g), format!("GREASE (0x{g:04X})"));
        assert_eq!(suites::group_name(g), format!("GREASE (0x{g:04X})"));
        assert_eq!(suites::sig_scheme_name(g), format!("GREASE (0x{g:04X})"));
        let s = suites::cipher_suite(g).expect("GREASE row");
        assert_eq!(s.kind, SuiteKind::Grease);
        assert_eq!(s.reasons()[0].source, "RFC 8701");
    }
    for not in [0x0A0B, 0x0B0A, 0x1A2A, 0x0AAA, 0xAA0A, 0x0000, 0xFFFF] {
        assert!(!suites::is_grease(not), "0x{not:04X}");
    }
    assert_eq!(suites::suite_name(0x1234), "unassigned (0x1234)");
    assert_eq!(
        suites::suite_name(0xC02F),
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
    );
    assert_eq!(suites::group_name(0x1234), "unassigned (0x1234)");
    assert_eq!(suites::sig_scheme_name(0xFE01), "private use (0xFE01)");
}

#[test]
fn scsvs_are_signals_not_suites() {
    for (code, src) in [(0x00FF, "RFC 5746"), (0x5600, "RFC 7507")] {
        let s = suites::cipher_suite(code).expect("SCSV");
        assert_eq!(s.kind, SuiteKind::Scsv);
        assert!(s.versions.is_empty());
        let r = s.reasons();
        assert_eq!((r[0].id, r[0].source), ("scsv", src));
        assert_eq!(s.rating(), Rating::Secure);
    }
}

#[test]
fn tls13_suites_leave_key_exchange_and_authentication_to_extensions() {
    let s = suites::lookup("TLS_AES_256_GCM_SHA384").expect("suite");
    assert_eq!((s.kx, s.auth), (KeyExchange::Tls13, Authentication::Tls13));
    assert!(s.forward_secrecy);
    assert_eq!(s.prf, Prf::Sha384);
    assert!(
        s.notes()[0].contains("negotiated separately"),
        "{:?}",
        s.notes()
    );
    let parts = s.parts();
    assert_eq!(parts[0].value, "any");
    assert!(parts[0].meaning.contains("negotiated separately"));
    assert!(parts[4].meaning.contains("HKDF"));
    assert_eq!(
        suites::lookup("TLS_AES_128_GCM_SHA256").unwrap().rating(),
        Rating::Recommended
    );
    assert_eq!(
        suites::lookup("TLS_CHACHA20_POLY1305_SHA256")
            .unwrap()
            .key_bits,
        256
    );
}

/// Every rating reason, on a suite that has it, with the source the issue asks for.
#[test]
fn each_rating_reason_fires_with_its_source() {
    let cases: &[(u16, &str, Rating, &str)] = &[
        (0x0002, "null-cipher", Rating::Insecure, "RFC 9325"),
        (0x0034, "anonymous", Rating::Insecure, "RFC 5246"),
        (0x0005, "rc4", Rating::Insecure, "RFC 7465"),
        (0x0003, "export", Rating::Insecure, "FREAK"),
        (0x0014, "export", Rating::Insecure, "Logjam"),
        (0x0009, "short-key", Rating::Insecure, "RFC 9325"),
        (0x0009, "legacy-versions-only", Rating::Insecure, "RFC 8996"),
        (0x000A, "under-128-bit", Rating::Weak, "RFC 9325"),
        (0x000A, "sweet32", Rating::Weak, "Sweet32"),
        (0xC101, "64-bit-block", Rating::Secure, "RFC 9189"),
        (0xC013, "cbc", Rating::Weak, "Lucky13"),
        (0x009C, "no-forward-secrecy", Rating::Weak, "ROBOT"),
        (0xC02D, "no-forward-secrecy", Rating::Weak, "RFC 9325"),
        (0x00A8, "no-forward-secrecy", Rating::Weak, "RFC 9325"),
        (0x0032, "dsa", Rating::Weak, "FIPS 186-5"),
        (0x0004, "md5-mac", Rating::Weak, "RFC 6151"),
        (0x009E, "ffdhe-tls12", Rating::Secure, "Logjam"),
        (0x1305, "ccm8", Rating::Secure, "IANA"),
        (0xC09C, "not-recommended", Rating::Secure, "IANA"),
        (0xCC13, "not-iana", Rating::Secure, "IANA"),
    ];
    for &(code, id, rating, src) in cases {
        let s = suites::cipher_suite(code).expect("suite");
        let r = s
            .reasons()
            .into_iter()
            .find(|r| r.id == id)
            .unwrap_or_else(|| panic!("0x{code:04X} {} lacks reason {id}", s.iana));
        assert_eq!(r.rating, rating, "0x{code:04X} {id}");
        assert!(
            r.source.contains(src),
            "0x{code:04X} {id}: source {}",
            r.source
        );
        assert!(
            s.rating() >= rating,
            "0x{code:04X}: rating below its reason"
        );
    }
    // Overall verdicts on well-known suites.
    for (name, want) in [
        ("ECDHE-RSA-AES128-GCM-SHA256", Rating::Recommended),
        ("ECDHE-ECDSA-CHACHA20-POLY1305", Rating::Recommended),
        ("TLS_AES_128_CCM_8_SHA256", Rating::Secure),
        ("DHE-RSA-AES128-GCM-SHA256", Rating::Secure),
        ("ECDHE-RSA-AES128-SHA", Rating::Weak),
        ("AES128-GCM-SHA256", Rating::Weak),
        ("DES-CBC3-SHA", Rating::Weak),
        ("RC4-SHA", Rating::Insecure),
        ("EXP-RC4-MD5", Rating::Insecure),
        ("ADH-AES128-GCM-SHA256", Rating::Insecure),
        ("NULL-SHA256", Rating::Insecure),
        ("TLS_NULL_WITH_NULL_NULL", Rating::Insecure),
    ] {
        assert_eq!(suites::lookup(name).unwrap().rating(), want, "{name}");
    }
    // A recommended suite has no reasons at all; anything else explains itself.
    for s in suites::all_cipher_suites() {
        assert_eq!(
            s.rating() == Rating::Recommended,
            s.reasons().is_empty(),
            "{}",
            s.iana
        );
    }
}

#[test]
fn rating_orders_best_to_worst_and_serialises_lowercase() {
    assert!(Rating::Recommended < Rating::Secure);
    assert!(Rating::Secure < Rating::Weak);
    assert!(Rating::Weak < Rating::Insecure);
    let worst = [Rating::Secure, Rating::Insecure, Rating::Weak]
        .into_iter()
        .max();
    assert_eq!(worst, Some(Rating::Insecure));
    assert_eq!(serde_json::to_string(&Rating::Weak).unwrap(), "\"weak\"");
    assert_eq!(Rating::Recommended.to_string(), "recommended");
    assert_eq!("INSECURE".parse::<Rating>(), Ok(Rating::Insecure));
    assert!("bad".parse::<Rating>().is_err());
}

#[test]
fn suite_json_has_the_documented_fields() {
    let v = serde_json::to_value(suites::cipher_suite(0xC02F).unwrap()).unwrap();
    assert_eq!(v["code"], "0xC02F");
    assert_eq!(v["iana"], "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    assert_eq!(v["openssl"], "ECDHE-RSA-AES128-GCM-SHA256");
    assert_eq!(v["versions"], serde_json::json!(["TLSv1.2"]));
    assert_eq!(v["kx"], "ECDHE");
    assert_eq!(v["auth"], "RSA");
    assert_eq!(v["cipher"], "AES");
    assert_eq!(v["key_bits"], 128);
    assert_eq!(v["mode"], "GCM");
    assert_eq!(v["aead"], true);
    assert_eq!(v["mac"], serde_json::Value::Null);
    assert_eq!(v["prf"], "SHA256");
    assert_eq!(v["forward_secrecy"], true);
    assert_eq!(v["rating"], "recommended");
    assert_eq!(v["reasons"], serde_json::json!([]));
    let v = serde_json::to_value(suites::cipher_suite(0x0005).unwrap()).unwrap();
    assert_eq!(v["mac"], "HMAC-SHA1");
    assert_eq!(
        v["versions"],
        serde_json::json!(["SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2"])
    );
    assert_eq!(v["rating"], "insecure");
    assert_eq!(v["reasons"][0]["id"], "rc4");
    assert_eq!(v["reasons"][0]["source"], "RFC 7465");
}

#[test]
fn named_groups_are_named_and_rated() {
    let name = |c| suites::group_name(c);
    assert_eq!(name(29), "x25519");
    assert_eq!(name(23), "secp256r1");
    assert_eq!(name(256), "ffdhe2048");
    assert_eq!(name(0x11EC), "X25519MLKEM768");
    assert_eq!(name(0x11EB), "SecP256r1MLKEM768");
    assert_eq!(name(31), "brainpoolP256r1tls13");
    assert_eq!(name(0x01FC), "private use (0x01FC)");
    for (input, code) in [
        ("x25519", 29),
        ("X25519", 29),
        ("P-256", 23),
        ("prime256v1", 23),
        ("29", 29),
        ("0x001D", 29),
        ("0x00,0x1D", 29),
        ("x25519mlkem768", 0x11EC),
    ] {
        assert_eq!(
            suites::lookup_group(input).map(|g| g.code),
            Ok(code),
            "{input}"
        );
    }
    for (g, want) in [
        ("x25519", Rating::Recommended),
        ("secp384r1", Rating::Recommended),
        ("X25519MLKEM768", Rating::Recommended),
        ("secp521r1", Rating::Secure),
        ("ffdhe2048", Rating::Secure),
        ("MLKEM768", Rating::Secure),
        ("brainpoolP256r1tls13", Rating::Secure),
        ("secp224r1", Rating::Weak),
        ("sect283k1", Rating::Weak),
        ("X25519Kyber768Draft00", Rating::Weak),
        ("sect163k1", Rating::Insecure),
        ("secp192r1", Rating::Insecure),
        ("arbitrary_explicit_prime_curves", Rating::Insecure),
    ] {
        let grp = suites::lookup_group(g).unwrap();
        assert_eq!(grp.rating(), want, "{g}: {:?}", grp.reasons());
    }
    for (g, id) in [
        ("arbitrary_explicit_char2_curves", "explicit-curve"),
        ("secp160r1", "under-112-bit"),
        ("sect283k1", "deprecated-curve"),
        ("secp224r1", "iana-discouraged"),
        ("SecP256r1Kyber768Draft00", "obsolete-draft"),
        ("ffdhe2048", "ffdhe-2048"),
        ("MLKEM1024", "pure-pq"),
        ("brainpoolP384r1", "not-recommended"),
    ] {
        let grp = suites::lookup_group(g).unwrap();
        assert!(
            grp.reasons().iter().any(|r| r.id == id),
            "{g}: {:?}",
            grp.reasons()
        );
    }
    assert!(
        suites::lookup_group("SecP384r1MLKEM1024")
            .unwrap()
            .reasons()
            .is_empty()
    );
    let g = suites::group(0x11EC).unwrap();
    assert!(g.post_quantum());
    assert_eq!(serde_json::to_value(g).unwrap()["kind"], "hybrid PQ");
    assert_eq!(
        serde_json::to_value(suites::group(256).unwrap()).unwrap()["kind"],
        "FFDHE"
    );
    assert_eq!(
        serde_json::to_value(suites::group(513).unwrap()).unwrap()["kind"],
        "ML-KEM"
    );
    match suites::lookup_group("x2551") {
        Err(LookupError::UnknownName { closest, .. }) => assert!(closest.contains(&"x25519")),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        suites::lookup_group("0x1234"),
        Err(LookupError::Unassigned {
            code: 0x1234,
            what: "group"
        })
    );
}

#[test]
fn signature_schemes_are_named_and_rated() {
    let name = |c| suites::sig_scheme_name(c);
    assert_eq!(name(0x0401), "rsa_pkcs1_sha256");
    assert_eq!(name(0x0804), "rsa_pss_rsae_sha256");
    assert_eq!(name(0x0403), "ecdsa_secp256r1_sha256");
    assert_eq!(name(0x0807), "ed25519");
    assert_eq!(name(0x0904), "mldsa44");
    assert_eq!(name(0x0201), "rsa_pkcs1_sha1");
    assert_eq!(name(0x0203), "ecdsa_sha1");
    assert_eq!(name(0x0101), "rsa_pkcs1_md5");
    for (s, want, id) in [
        ("rsa_pss_rsae_sha256", Rating::Recommended, None),
        ("ed25519", Rating::Recommended, None),
        ("ecdsa_secp256r1_sha256", Rating::Recommended, None),
        ("mldsa65", Rating::Secure, Some("not-recommended")),
        (
            "ecdsa_brainpoolP256r1tls13_sha256",
            Rating::Secure,
            Some("not-recommended"),
        ),
        ("rsa_pkcs1_sha224", Rating::Weak, Some("sha224")),
        ("dsa_sha256", Rating::Weak, Some("dsa")),
        ("rsa_pkcs1_sha1", Rating::Insecure, Some("sha1")),
        ("ecdsa_sha1", Rating::Insecure, Some("sha1")),
        ("rsa_pkcs1_md5", Rating::Insecure, Some("md5")),
    ] {
        let sc = suites::lookup_sig_scheme(s).unwrap();
        assert_eq!(sc.rating(), want, "{s}");
        if let Some(id) = id {
            assert!(
                sc.reasons().iter().any(|r| r.id == id),
                "{s}: {:?}",
                sc.reasons()
            );
        }
    }
    assert_eq!(
        suites::lookup_sig_scheme("0x0804").map(|s| s.name),
        Ok("rsa_pss_rsae_sha256")
    );
    assert_eq!(
        suites::lookup_sig_scheme("08,07").map(|s| s.name),
        Ok("ed25519")
    );
    match suites::lookup_sig_scheme("rsa_pss_rsae_sha265") {
        Err(LookupError::UnknownName { closest, .. }) => {
            assert_eq!(closest.first(), Some(&"rsa_pss_rsae_sha256"))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn generated_registry_is_up_to_date_with_its_inputs() {
    let status = Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scripts/gen-suites.py"
        ))
        .arg("--check")
        .status();
    match status {
        Ok(s) => assert!(
            s.success(),
            "src/suites/registry.rs is stale: run scripts/gen-suites.py"
        ),
        Err(e) => eprintln!("python3 unavailable ({e}); registry freshness not checked"),
    }
}

/// tls-parser (dev-dependency) carries an independent IANA-derived table: every suite it knows
/// must exist here with the same name, and the same cipher key size except where tls-parser is
/// known to be wrong (ChaCha20 listed as 128-bit, DESIGN.md §2.1).
#[test]
fn tls_parser_table_agrees_except_known_errors() {
    let mut compared = 0;
    for code in 0..=u16::MAX {
        let Some(tp) = tls_parser::TlsCipherSuite::from_id(code) else {
            continue;
        };
        let ours = suites::cipher_suite(code)
            .unwrap_or_else(|| panic!("tls-parser knows 0x{code:04X} {}", tp.name));
        assert_eq!(ours.iana, tp.name, "0x{code:04X}");
        if ours.cipher == Cipher::Chacha20 {
            assert_eq!(
                (tp.enc_size, ours.key_bits),
                (128, 256),
                "known tls-parser error"
            );
        } else if !matches!(ours.cipher, Cipher::Aegis256 | Cipher::Aegis128L) {
            assert_eq!(tp.enc_size, ours.key_bits, "0x{code:04X} {}", ours.iana);
        }
        compared += 1;
    }
    assert!(compared > 330, "compared {compared}");
}

#[test]
fn every_two_byte_code_point_resolves_consistently() {
    for code in 0..=u16::MAX {
        let by_code = suites::cipher_suite(code);
        let hex = format!("0x{code:04X}");
        let pair = format!("{{0x{:02x}, 0x{:02x}}}", code >> 8, code & 0xFF);
        for input in [&hex, &pair] {
            match (suites::lookup(input), by_code) {
                (Ok(s), Some(want)) => assert_eq!(s, want, "{input}"),
                (Err(LookupError::Unassigned { code: c, .. }), None) => {
                    assert_eq!(c, u32::from(code))
                }
                (got, want) => panic!("{input}: {got:?} vs {want:?}"),
            }
        }
        let name = suites::suite_name(code);
        assert!(!name.is_empty());
        if let Some(s) = by_code.filter(|s| s.kind != SuiteKind::Grease) {
            assert_eq!(name, s.iana);
        }
    }
}

proptest::proptest! {
    // Each failing lookup scores ~800 names for suggestions; 64 cases keep this test quick.
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Arbitrary text never panics any lookup; it resolves or yields an error that prints.
    #[test]
    fn lookups_never_panic_on_arbitrary_input(input in "\\PC{0,40}") {
        if let Err(e) = suites::lookup_any(&input) {
            proptest::prop_assert!(!e.to_string().is_empty());
        }
        let _ = suites::lookup_group(&input);
        let _ = suites::lookup_sig_scheme(&input);
    }

    /// Code-point-shaped input with hex noise never panics either.
    #[test]
    fn code_like_input_never_panics(a in "(0x)?[0-9a-fA-FxX, {}]{0,14}") {
        let _ = suites::lookup_any(&a);
        let _ = suites::lookup_group(&a);
        let _ = suites::lookup_sig_scheme(&a);
    }
}

/// `gnutls-cli --list` (live when installed, else the committed capture): every suite GnuTLS
/// knows is in the registry under the same code, and its GnuTLS name resolves to it.
#[test]
fn every_suite_gnutls_lists_is_named() {
    let listing = match Command::new("gnutls-cli").arg("--list").output() {
        Ok(o) if o.status.success() => String::from_utf8(o.stdout).expect("utf-8"),
        _ => {
            eprintln!("no local gnutls-cli: using testdata/suites/gnutls-cli-list.txt");
            std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/testdata/suites/gnutls-cli-list.txt"
            ))
            .expect("committed gnutls listing")
        }
    };
    let mut checked = 0;
    for line in listing.lines() {
        // TLS_ECDHE_RSA_AES_128_GCM_SHA256   0xc0, 0x2f   TLS1.2
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() != 4 || !f[1].starts_with("0x") {
            continue;
        }
        let code = code_of(&format!("{}{}", f[1], f[2]));
        let s = suites::cipher_suite(code)
            .unwrap_or_else(|| panic!("registry lacks 0x{code:04X} ({line})"));
        assert_eq!(s.gnutls, Some(f[0]), "0x{code:04X}");
        assert_eq!(suites::lookup(f[0]).map(|x| x.code), Ok(code), "{}", f[0]);
        let min = match f[3] {
            "SSL3.0" => Versions::SSL3,
            "TLS1.0" => Versions::TLS10,
            "TLS1.2" => Versions::TLS12,
            "TLS1.3" => Versions::TLS13,
            v => panic!("unknown GnuTLS version {v}"),
        };
        assert!(
            s.versions.contains(min),
            "0x{code:04X}: GnuTLS uses it with {}",
            f[3]
        );
        checked += 1;
    }
    assert!(checked >= 100, "only {checked} GnuTLS suites");
}
