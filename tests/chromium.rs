//! Chromium/BoringSSL `verify_certificate_chain_unittest` data (already-ordered paths, no host
//! name) through `verify_chain`: the last certificate is the only (custom) anchor, the rest is
//! sent. Only plain TRUSTED_ANCHOR + SERVER_AUTH cases apply to a Web-PKI server verifier; the
//! Chrome-specific trust and EKU modes are skipped. Every mismatch must be listed with a reason
//! in tests/chromium-divergences.json. Data: `$CARGO_MANIFEST_DIR/../shared/testsuites/
//! chromium-pki-verify-chain` (skipped with a note when absent).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tlsight::x509::{self, StoreSelection, VerifyOptions};

#[derive(Debug, serde::Deserialize)]
struct Divergence {
    expected: String,
    reason: String,
}

fn data_dir() -> Option<PathBuf> {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/testsuites/chromium-pki-verify-chain/data");
    d.is_dir().then_some(d)
}

fn test_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read data dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(test_files(&p));
        } else if p.extension().is_some_and(|x| x == "test") {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// YYMMDDHHMMSSZ (UTCTime rules: YY < 50 is 20YY).
fn utc_time(s: &str) -> i64 {
    let s = if s == "DEFAULT" { "211005120000Z" } else { s };
    let n = |r: std::ops::Range<usize>| s[r].parse::<i64>().expect("digits");
    let yy = n(0..2);
    let year = if yy < 50 { 2000 + yy } else { 1900 + yy };
    let month = time::Month::try_from(u8::try_from(n(2..4)).expect("month")).expect("month");
    let date = time::Date::from_calendar_date(
        i32::try_from(year).expect("year"),
        month,
        u8::try_from(n(4..6)).expect("day"),
    )
    .expect("date");
    date.midnight().assume_utc().unix_timestamp() + n(6..8) * 3600 + n(8..10) * 60 + n(10..12)
}

#[test]
fn chromium_verify_certificate_chain() {
    let Some(dir) = data_dir() else {
        println!("chromium: data not found beside the repository (../shared/testsuites); skipped");
        return;
    };
    let divergences: BTreeMap<String, Divergence> =
        serde_json::from_str(include_str!("chromium-divergences.json")).expect("divergences");
    for (id, d) in &divergences {
        assert!(!d.reason.trim().is_empty(), "{id} has no reason");
    }
    let (mut passed, mut failed, mut skipped, mut known) = (0, 0, 0, 0);
    let mut unexpected = Vec::new();
    let mut stale = Vec::new();
    for file in test_files(&dir) {
        let id = file
            .strip_prefix(&dir)
            .expect("under dir")
            .display()
            .to_string();
        let text = std::fs::read_to_string(&file).expect("test file");
        let (head, errors) = text.split_once("expected_errors:").unwrap_or((&text, ""));
        let field = |k: &str| {
            head.lines()
                .find_map(|l| l.strip_prefix(k).map(|v| v.trim().to_string()))
        };
        let (Some(chain), Some(trust), Some(time), Some(purpose)) = (
            field("chain:"),
            field("last_cert_trust:"),
            field("utc_time:"),
            field("key_purpose:"),
        ) else {
            skipped += 1;
            continue;
        };
        if trust != "TRUSTED_ANCHOR"
            || purpose != "SERVER_AUTH"
            || field("digest_policy:").is_some()
        {
            skipped += 1;
            continue;
        }
        let pem = std::fs::read(file.parent().expect("parent").join(&chain)).expect("chain");
        let mut certs = x509::certs_from_bytes(&pem, &chain).expect("certificates");
        if certs.len() < 2 {
            skipped += 1;
            continue;
        }
        let anchor = certs.pop().expect("anchor");
        let expected = !errors.contains("ERROR:");
        let report = x509::verify_chain(
            &certs,
            &VerifyOptions {
                at: Some(utc_time(&time)),
                stores: StoreSelection {
                    mozilla: false,
                    os: false,
                },
                extra_anchors: vec![anchor],
                ..VerifyOptions::default()
            },
        );
        if report.trusted == expected {
            passed += 1;
            if divergences.contains_key(&id) {
                stale.push(id);
            }
        } else {
            failed += 1;
            let exp = if expected { "SUCCESS" } else { "FAILURE" };
            match divergences.get(&id) {
                Some(d) if d.expected == exp => known += 1,
                _ => unexpected.push(format!(
                    "{id}: expected {exp} ({})",
                    report
                        .errors
                        .iter()
                        .map(|f| format!("{}: {}", f.code.as_str(), f.message))
                        .collect::<Vec<_>>()
                        .join("; ")
                )),
            }
        }
    }
    println!(
        "chromium: {passed} passed, {failed} failed, {skipped} skipped ({known} failures are listed divergences)"
    );
    for s in &stale {
        println!("  listed divergence now passes (remove it): {s}");
    }
    for u in &unexpected {
        println!("  UNEXPECTED {u}");
    }
    assert!(
        unexpected.is_empty(),
        "{} unlisted mismatches",
        unexpected.len()
    );
}
