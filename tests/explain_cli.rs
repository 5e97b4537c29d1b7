//! `tlsight explain` as a user runs it: real process, real arguments, exact expectations.

use assert_cmd::Command;
use serde_json::Value;

fn tlsight() -> Command {
    let mut c = Command::cargo_bin("tlsight").expect("binary");
    c.env_remove("NO_COLOR").env("COLUMNS", "100");
    c
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = tlsight().args(args).output().expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("utf-8 stdout"),
        String::from_utf8(out.stderr).expect("utf-8 stderr"),
    )
}

fn json(args: &[&str]) -> Vec<Value> {
    let mut all = vec!["explain", "--json"];
    all.extend_from_slice(args);
    let (code, out, err) = run(&all);
    assert_eq!(code, 0, "stderr: {err}");
    match serde_json::from_str(&out).expect("valid JSON") {
        Value::Array(v) => v,
        other => panic!("expected an array, got {other}"),
    }
}

#[test]
fn explaining_an_openssl_name_decomposes_and_rates_it() {
    let (code, out, err) = run(&["explain", "ECDHE-RSA-AES128-GCM-SHA256"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.is_empty(), "{err}");
    assert!(!out.contains('\x1b'), "piped output must be plain");
    for needle in [
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "0xC02F",
        "RECOMMENDED",
        "key exchange",
        "ECDHE",
        "forward secret",
        "the server proves its identity with an RSA certificate",
        "AES-128 in GCM mode",
        "authenticated encryption",
        "hash for the PRF",
        "TLSv1.2",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in:\n{out}");
    }
}

#[test]
fn a_tls13_suite_says_kx_and_auth_are_negotiated_separately() {
    let (code, out, _) = run(&["explain", "{0x13,0x02}"]);
    assert_eq!(code, 0);
    assert!(out.contains("TLS_AES_256_GCM_SHA384"), "{out}");
    assert!(out.contains("negotiated separately"), "{out}");
    assert!(out.contains("HKDF"), "{out}");
}

#[test]
fn a_broken_suite_lists_every_flaw_with_its_source() {
    let (code, out, _) = run(&["explain", "EXP-RC4-MD5"]);
    assert_eq!(code, 0);
    assert!(out.contains("INSECURE"), "{out}");
    for needle in ["RFC 7465", "FREAK", "RFC 8996", "RFC 6151"] {
        assert!(out.contains(needle), "missing {needle:?} in:\n{out}");
    }
}

#[test]
fn json_has_the_documented_fields_per_suite() {
    let v = json(&["0xC02F", "RC4-SHA"]);
    assert_eq!(v.len(), 2);
    let s = &v[0];
    for (k, want) in [
        ("code", Value::from("0xC02F")),
        ("iana", Value::from("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")),
        ("openssl", Value::from("ECDHE-RSA-AES128-GCM-SHA256")),
        ("kx", Value::from("ECDHE")),
        ("auth", Value::from("RSA")),
        ("cipher", Value::from("AES")),
        ("key_bits", Value::from(128)),
        ("mode", Value::from("GCM")),
        ("aead", Value::from(true)),
        ("mac", Value::Null),
        ("prf", Value::from("SHA256")),
        ("forward_secrecy", Value::from(true)),
        ("rating", Value::from("recommended")),
    ] {
        assert_eq!(s[k], want, "field {k}");
    }
    assert_eq!(s["versions"], serde_json::json!(["TLSv1.2"]));
    assert_eq!(s["reasons"], serde_json::json!([]));
    let rc4 = &v[1];
    assert_eq!(rc4["rating"], "insecure");
    assert!(
        rc4["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == "rc4" && r["source"] == "RFC 7465" && r["rating"] == "insecure")
    );
}

#[test]
fn unknown_names_fail_with_closest_matches() {
    let (code, out, err) = run(&["explain", "ECDHE-RSA-AES128-GCM-SHA255"]);
    assert_eq!(code, 2);
    assert!(out.is_empty(), "{out}");
    assert_eq!(
        err.trim(),
        "tlsight: explain: unknown cipher suite `ECDHE-RSA-AES128-GCM-SHA255`; closest: \
         TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256, \
         TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"
            .replace("  ", " ")
            .trim(),
        "stderr: {err}"
    );
}

#[test]
fn unassigned_code_points_say_so() {
    let (code, _, err) = run(&["explain", "0x1234"]);
    assert_eq!(code, 2);
    assert_eq!(
        err.trim(),
        "tlsight: explain: 0x1234 is not an assigned cipher suite code point"
    );
}

#[test]
fn good_inputs_are_still_explained_when_another_fails() {
    let (code, out, err) = run(&["explain", "0xC02F", "nonsense-suite"]);
    assert_eq!(code, 2);
    assert!(out.contains("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
    assert!(
        err.contains("unknown cipher suite `nonsense-suite`"),
        "{err}"
    );
}

#[test]
fn no_arguments_is_a_usage_error() {
    let (code, _, err) = run(&["explain"]);
    assert_eq!(code, 2);
    assert!(err.contains("nothing to explain"), "{err}");
}

#[test]
fn grease_and_scsv_are_explained_as_signals() {
    let v = json(&["0x0A0A", "0x00FF", "TLS_FALLBACK_SCSV"]);
    assert_eq!(v[0]["kind"], "GREASE");
    assert_eq!(v[1]["kind"], "SCSV");
    assert_eq!(v[2]["code"], "0x5600");
    assert_eq!(v[2]["reasons"][0]["source"], "RFC 7507");
}

#[test]
fn sslv2_specs_are_explained() {
    let v = json(&["0x0700C0"]);
    assert_eq!(v[0]["type"], "sslv2_cipher_spec");
    assert_eq!(v[0]["openssl"], "DES-CBC3-MD5");
    assert_eq!(v[0]["rating"], "insecure");
}

#[test]
fn list_filters_by_version_fs_and_rating() {
    let tls13 = json(&["--list", "--tls13"]);
    // RFC 8446 (5) + AEGIS (2) + SM4 (2) + RFC 9150 integrity-only (2) + RFC 9367 GOST (4).
    assert_eq!(tls13.len(), 15, "{tls13:#?}");
    assert!(
        tls13
            .iter()
            .all(|s| s["versions"] == serde_json::json!(["TLSv1.3"]))
    );

    let weak = json(&["--list", "--rating", "weak"]);
    assert!(weak.len() > 100);
    assert!(weak.iter().all(|s| s["rating"] == "weak"));

    let fs_aead = json(&["--list", "--fs", "--aead", "--tls12"]);
    assert!(
        fs_aead
            .iter()
            .all(|s| s["forward_secrecy"] == true && s["aead"] == true)
    );
    assert!(fs_aead.iter().any(|s| s["code"] == "0xC02F"));
    assert!(!fs_aead.iter().any(|s| s["code"] == "0x009C"));

    let (code, out, _) = run(&["explain", "--list", "--tls13"]);
    assert_eq!(code, 0);
    assert!(out.contains("TLS_AES_128_GCM_SHA256"), "{out}");
    assert!(out.trim_end().ends_with("15 entries"), "{out}");
}

#[test]
fn groups_and_signature_schemes_are_explained() {
    let v = json(&[
        "--group",
        "x25519",
        "--group",
        "X25519MLKEM768",
        "--sigalg",
        "rsa_pss_rsae_sha256",
        "--sigalg",
        "0x0201",
    ]);
    assert_eq!(v[0]["name"], "x25519");
    assert_eq!(v[0]["kind"], "ECDHE");
    assert_eq!(v[0]["rating"], "recommended");
    assert_eq!(v[1]["kind"], "hybrid PQ");
    assert_eq!(v[1]["post_quantum"], true);
    assert_eq!(v[2]["name"], "rsa_pss_rsae_sha256");
    assert_eq!(v[2]["rating"], "recommended");
    assert_eq!(v[3]["name"], "rsa_pkcs1_sha1");
    assert_eq!(v[3]["rating"], "insecure");

    let (code, out, _) = run(&["explain", "--group", "ffdhe2048"]);
    assert_eq!(code, 0);
    assert!(out.contains("FFDHE"), "{out}");
    assert!(out.contains("112-bit"), "{out}");

    let groups = json(&["--list", "groups"]);
    assert!(groups.iter().any(|g| g["name"] == "secp256r1"));
    let sigs = json(&["--list", "sigalgs", "--rating", "insecure"]);
    assert!(sigs.iter().any(|s| s["name"] == "ecdsa_sha1"));
}

#[test]
fn fail_on_turns_a_bad_rating_into_exit_status_1() {
    assert_eq!(run(&["explain", "--fail-on", "weak", "RC4-SHA"]).0, 1);
    assert_eq!(run(&["explain", "--fail-on", "weak", "0x1301"]).0, 0);
    assert_eq!(
        run(&["explain", "--fail-on", "insecure", "AES128-SHA"]).0,
        0
    );
    let (code, _, err) = run(&["explain", "--fail-on", "awful", "0x1301"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown rating `awful`"), "{err}");
}

#[test]
fn nothing_explained_is_an_error_not_an_empty_report() {
    // Before: `[]` on stdout with exit 2, which a script reads as "explained nothing".
    let (code, out, err) = run(&["explain", "--json", "nonsense-suite"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let v: Value = serde_json::from_str(&out).expect("JSON error object");
    assert_eq!(v["error"]["code"], "unknown_name", "{v:#}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unknown cipher suite `nonsense-suite`"),
        "{v:#}"
    );
}

#[test]
fn suite_filters_on_a_group_or_scheme_list_are_refused() {
    // Before: the whole group registry, sect163k1 first, as if filtered to TLS 1.3.
    for what in ["groups", "sigalgs"] {
        let (code, out, err) = run(&["explain", "--list", what, "--tls13"]);
        assert_eq!(code, 2, "{what}: {out}");
        assert!(out.is_empty(), "{out}");
        assert_eq!(
            err.trim(),
            format!("tlsight: explain: --tls13 filter cipher suites only, not --list {what}")
        );
    }
}
