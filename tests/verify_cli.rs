//! `tlsight verify --chain`: exit codes (0 trusted, 1 not trusted, 2 could not run), the JSON
//! shape documented in docs/verify.md, the human report, and the OS store read from
//! SSL_CERT_FILE / SSL_CERT_DIR.

use assert_cmd::Command;
use serde_json::Value;

const AT: &str = "2030-01-01T00:00:00Z";

fn chains(name: &str) -> String {
    format!("{}/certs/chains/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn tlsight() -> Command {
    let mut c = Command::cargo_bin("tlsight").expect("binary");
    // never read the machine's store unless a test says so
    c.env("SSL_CERT_FILE", chains("other-root.pem"));
    c.env(
        "SSL_CERT_DIR",
        env!("CARGO_MANIFEST_DIR").to_string() + "/certs/chains/none",
    );
    c.env("NO_COLOR", "1");
    c
}

fn json(args: &[&str]) -> (i32, Value) {
    let out = tlsight()
        .arg("verify")
        .args(args)
        .arg("--json")
        .output()
        .expect("runs");
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)));
    (out.status.code().unwrap_or(-1), v)
}

#[test]
fn trusted_chain_exits_0_with_documented_json() {
    let (code, v) = json(&[
        "--chain",
        &chains("good.pem"),
        "--ca",
        &chains("root.pem"),
        "--store",
        "custom",
        "--host",
        "good.test",
        "--at",
        AT,
    ]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["trusted"], true);
    assert_eq!(v["host"], "good.test");
    assert_eq!(v["validated_at"], "2030-01-01T00:00:00Z");
    assert_eq!(v["errors"].as_array().map(Vec::len), Some(0));
    assert_eq!(v["chain"].as_array().map(Vec::len), Some(3));
    assert_eq!(v["chain"][0]["signature_valid"], true);
    assert_eq!(v["chain"][0]["signature"]["status"], "valid");
    assert_eq!(v["stores"]["custom"]["trusted"], true);
    assert!(
        v["stores"]["custom"]["anchor"]["spki_sha256"]
            .as_str()
            .is_some_and(|s| s.len() == 44)
    );
    assert!(
        v["stores"].get("mozilla").is_none(),
        "only the selected store"
    );
}

#[test]
fn untrusted_chain_exits_1_with_codes() {
    let (code, v) = json(&[
        "--chain",
        &chains("expired.pem"),
        "--ca",
        &chains("root.pem"),
        "--store",
        "custom",
        "--host",
        "wrong.test",
        "--at",
        AT,
    ]);
    assert_eq!(code, 1);
    assert_eq!(v["trusted"], false);
    let codes: Vec<&str> = v["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["code"].as_str())
        .collect();
    assert!(
        codes.contains(&"expired") && codes.contains(&"hostname_mismatch"),
        "{codes:?}"
    );
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
}

#[test]
fn chain_split_over_several_files_in_any_order() {
    // The first certificate is the leaf; the rest may come in any order and from other files.
    let (code, v) = json(&[
        "--chain",
        &chains("out-of-order.pem"),
        &chains("root.pem"),
        "--ca",
        &chains("root.pem"),
        "--store",
        "custom",
        "--at",
        AT,
    ]);
    assert_eq!(code, 0, "{v:#}");
    let warnings: Vec<&str> = v["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter_map(|e| e["code"].as_str())
        .collect();
    assert!(
        warnings.contains(&"chain_out_of_order") && warnings.contains(&"anchor_sent"),
        "{warnings:?}"
    );
}

#[test]
fn der_input_is_accepted() {
    let (code, v) = json(&[
        "--chain",
        &chains("int.der"),
        "--ca",
        &chains("root.pem"),
        "--store",
        "custom",
        "--at",
        AT,
    ]);
    // the intermediate alone is a CA used as a leaf: the check runs, and says so
    assert_eq!(code, 1);
    assert_eq!(v["errors"][0]["code"], "ca_used_as_end_entity");
}

#[test]
fn os_store_comes_from_ssl_cert_file_and_no_sct_is_reported() {
    let (code, v) = {
        let out = tlsight()
            .env("SSL_CERT_FILE", chains("root.pem"))
            .args([
                "verify",
                "--chain",
                &chains("good.pem"),
                "--store",
                "os",
                "--at",
                AT,
                "--json",
            ])
            .output()
            .expect("runs");
        (
            out.status.code(),
            serde_json::from_slice::<Value>(&out.stdout).expect("json"),
        )
    };
    assert_eq!(code, Some(0), "{v:#}");
    assert_eq!(v["stores"]["os"]["trusted"], true);
    assert!(
        v["stores"]["os"]["source"]
            .as_str()
            .is_some_and(|s| s.contains("SSL_CERT_FILE"))
    );
    let warnings: Vec<&str> = v["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter_map(|e| e["code"].as_str())
        .collect();
    assert!(warnings.contains(&"no_sct"), "{warnings:?}");
    // SSL_CERT_DIR points at a directory that does not exist: said, not fatal
    assert!(warnings.contains(&"store_problem"), "{warnings:?}");
}

#[test]
fn mozilla_store_does_not_trust_a_private_root() {
    let (code, v) = json(&[
        "--chain",
        &chains("good.pem"),
        "--store",
        "mozilla",
        "--at",
        AT,
    ]);
    assert_eq!(code, 1);
    assert_eq!(v["stores"]["mozilla"]["trusted"], false);
    assert_eq!(v["stores"]["mozilla"]["code"], "unknown_issuer");
    assert!(
        v["stores"]["mozilla"]["anchors"]
            .as_u64()
            .is_some_and(|n| n > 100)
    );
}

#[test]
fn crl_option_reports_revocation() {
    let (code, v) = json(&[
        "--chain",
        &chains("revoked.pem"),
        "--ca",
        &chains("root.pem"),
        "--store",
        "custom",
        "--crl",
        &chains("int.crl"),
        "--at",
        AT,
    ]);
    assert_eq!(code, 1);
    assert_eq!(v["errors"][0]["code"], "revoked");
}

#[test]
fn human_report_shows_the_proof() {
    let out = tlsight()
        .args([
            "verify",
            "--chain",
            &chains("good.pem"),
            "--ca",
            &chains("root.pem"),
            "--store",
            "custom",
            "--host",
            "good.test",
            "--at",
            AT,
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.starts_with("TRUSTED for good.test"), "{text}");
    assert!(
        text.contains("✔ valid  ECDSA P-256 ecdsa-with-SHA256 with the key of [1]"),
        "{text}"
    );
    assert!(text.contains("tbs sha256"), "{text}");
    assert!(!text.contains('\x1b'), "plain when piped");
}

#[test]
fn bad_input_exits_2_with_one_line() {
    let cases: Vec<Vec<String>> = vec![
        vec!["--chain".into(), chains("does-not-exist.pem")],
        vec!["--chain".into(), chains("good.key")],
        vec![
            "--chain".into(),
            chains("good.pem"),
            "--at".into(),
            "next tuesday".into(),
        ],
        vec![
            "--chain".into(),
            chains("good.pem"),
            "--store".into(),
            "custom".into(),
        ],
        vec![
            "--chain".into(),
            chains("good.pem"),
            "--host".into(),
            "bad host!".into(),
        ],
        vec![
            "--chain".into(),
            chains("good.pem"),
            "--crl".into(),
            chains("good.pem"),
        ],
    ];
    for args in cases {
        let out = tlsight().arg("verify").args(&args).output().expect("runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("tlsight: verify: "), "{err}");
    }
}

/// Files with nothing to verify are bad input (exit 2, one line naming the file and what is
/// wrong); a chain where one certificate of several does not parse stays a finding.
#[test]
fn input_files_without_a_certificate_or_crl_are_errors_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).expect("write");
        p.display().to_string()
    };
    let garbage = write("garbage.txt", b"hello, this is not a certificate\n");
    let random = write(
        "random.der",
        &[0x30, 0x82, 0x01, 0x00, 0xde, 0xad, 0xbe, 0xef],
    );
    let bad_pem = write(
        "bad.pem",
        b"-----BEGIN CERTIFICATE-----\nMIIBzzCCAXWgAwIBAgIUbad=\n-----END CERTIFICATE-----\n",
    );
    let empty = write("empty.crl", b"");
    let good = chains("good.pem");
    let root = chains("root.pem");
    let cases: Vec<(Vec<&str>, &str, &str)> = vec![
        (
            vec!["--chain", &garbage],
            "garbage.txt",
            "no parseable certificate",
        ),
        (
            vec!["--chain", &random],
            "random.der",
            "no parseable certificate",
        ),
        (
            vec!["--chain", &bad_pem],
            "bad.pem",
            "no parseable certificate",
        ),
        (
            vec!["--chain", &good, "--crl", &garbage],
            "garbage.txt",
            "bad CRL",
        ),
        (
            vec!["--chain", &good, "--crl", &empty],
            "empty.crl",
            "bad CRL",
        ),
        (
            vec!["--chain", &good, "--ca", &garbage],
            "garbage.txt",
            "no parseable certificate",
        ),
        (
            vec!["--chain", &good, "--ca", &root, "--crl", &root],
            "root.pem",
            "bad CRL",
        ),
    ];
    for (args, file, what) in cases {
        let out = tlsight().arg("verify").args(&args).output().expect("runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("tlsight: verify: "), "{err}");
        assert!(err.contains(file) && err.contains(what), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}: no report of nothing");
    }
}

#[test]
fn a_chain_with_one_malformed_certificate_is_a_finding_headlined_by_it() {
    let out = tlsight()
        .arg("verify")
        .args([
            "--chain",
            &chains("malformed.pem"),
            "--host",
            "good.test",
            "--ca",
            &chains("root.pem"),
            "--at",
            AT,
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    let headline = text.lines().next().unwrap_or_default();
    assert!(
        headline.starts_with("NOT TRUSTED for good.test (name not checked): malformed_certificate"),
        "{headline}"
    );
    assert!(!headline.contains("does not match"), "{headline}");
}
