//! x509-limbo conformance (C2SP/x509-limbo, 9,780 server/client cases incl. BetterTLS) run
//! through `tlsight::x509::verify_chain` with each case's own anchors, time, name and CRLs.
//! Data lives in the shared test-suite folder beside the repository
//! (`$CARGO_MANIFEST_DIR/../shared/testsuites/x509-limbo`); the test is skipped with a note when
//! it is absent. Every mismatch must be listed, with a reason, in tests/limbo-divergences.json;
//! a listed case that starts to pass is reported so the list stays honest.
//!
//! Each case runs with the rule set its namespace states: `webpki::*` cases are the CA/B Forum
//! Web PKI profile ([`Profile::Cabf`]), `rfc5280::*` cases RFC 5280 itself
//! ([`Profile::Rfc5280`]; the two conflict on some pairs, see `conflicts_with`), all others
//! (BetterTLS, CVEs, path length, CRLs, real chains) the default rules. The same `webpki::*`
//! and `rfc5280::*` cases are also run with the default rules and that score is printed too.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer};
use serde_json::Value;
use tlsight::x509::{self, Profile, StoreSelection, VerifyOptions};

#[derive(Debug, serde::Deserialize)]
struct Divergence {
    expected: String,
    actual: String,
    reason: String,
}

fn limbo_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/testsuites/x509-limbo");
    dir.join("limbo.json.gz").exists().then_some(dir)
}

fn load_cases(dir: &std::path::Path) -> Vec<Value> {
    let gz = std::fs::File::open(dir.join("limbo.json.gz")).expect("open limbo.json.gz");
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(gz)
        .read_to_end(&mut json)
        .expect("gunzip limbo.json.gz");
    let v: Value = serde_json::from_slice(&json).expect("limbo.json parses");
    v["testcases"].as_array().expect("testcases array").clone()
}

fn pem_cert(s: &str) -> CertificateDer<'static> {
    CertificateDer::from_pem_slice(s.as_bytes()).expect("limbo certificate PEM")
}

fn rfc3339_to_unix(s: &str) -> i64 {
    // limbo times are UTC: 2024-01-01T00:00:00+00:00 (or ...Z)
    assert!(
        s.ends_with("+00:00") || s.ends_with('Z'),
        "non-UTC validation_time {s}"
    );
    let n = |r: std::ops::Range<usize>| s[r].parse::<i64>().expect("digits");
    let month = time::Month::try_from(u8::try_from(n(5..7)).expect("month")).expect("month");
    let date = time::Date::from_calendar_date(
        i32::try_from(n(0..4)).expect("year"),
        month,
        u8::try_from(n(8..10)).expect("day"),
    )
    .expect("date");
    date.midnight().assume_utc().unix_timestamp() + n(11..13) * 3600 + n(14..16) * 60 + n(17..19)
}

enum Outcome {
    Skip(&'static str),
    Ran { accepted: bool, detail: String },
}

/// The rule set a case's namespace asks for (see the module comment).
fn profile_for(id: &str) -> Profile {
    match id.split("::").next() {
        Some("webpki") => Profile::Cabf,
        Some("rfc5280") => Profile::Rfc5280,
        _ => Profile::Default,
    }
}

fn run_case(tc: &Value, profile: Profile) -> Outcome {
    if tc["validation_kind"] != "SERVER" {
        return Outcome::Skip("client-auth validation is out of scope (server certificates only)");
    }
    if tc["signature_algorithms"]
        .as_array()
        .is_some_and(|a| !a.is_empty())
    {
        return Outcome::Skip("signature-algorithm restrictions are not an option of verify_chain");
    }
    if let Some(eku) = tc["extended_key_usage"].as_array()
        && eku.iter().any(|e| e != "serverAuth")
    {
        return Outcome::Skip("only serverAuth is checked");
    }
    let name = &tc["expected_peer_name"];
    let host = match name["kind"].as_str() {
        None => None,
        Some("DNS" | "IP") => name["value"].as_str().map(str::to_string),
        Some(_) => return Outcome::Skip("only DNS and IP peer names apply to TLS servers"),
    };
    let mut chain = vec![pem_cert(
        tc["peer_certificate"].as_str().expect("peer cert"),
    )];
    for c in tc["untrusted_intermediates"]
        .as_array()
        .into_iter()
        .flatten()
    {
        chain.push(pem_cert(c.as_str().expect("intermediate")));
    }
    let anchors: Vec<_> = tc["trusted_certs"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| pem_cert(c.as_str().expect("anchor")))
        .collect();
    let at = match tc["validation_time"].as_str() {
        Some(t) => rfc3339_to_unix(t),
        // No time given: the generator made the certificates valid from their creation on, so
        // one second after the latest notBefore is inside every intended validity window
        // without reading the wall clock.
        None => {
            chain
                .iter()
                .chain(&anchors)
                .filter_map(|c| x509::CertSummary::from_der(c.as_ref()).ok())
                .map(|s| s.not_before_unix)
                .max()
                .unwrap_or(0)
                + 1
        }
    };
    let crls: Vec<_> = tc["crls"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            CertificateRevocationListDer::from_pem_slice(c.as_str().expect("crl").as_bytes())
                .expect("limbo CRL PEM")
        })
        .collect();
    let opts = VerifyOptions {
        host,
        at: Some(at),
        stores: StoreSelection {
            mozilla: false,
            os: false,
        },
        require_revocation_status: true,
        max_intermediates: tc["max_chain_depth"]
            .as_u64()
            .map(|d| usize::try_from(d).expect("depth")),
        extra_anchors: anchors,
        crls,
        profile,
        ..VerifyOptions::default()
    };
    let report = x509::verify_chain(&chain, &opts);
    let detail = report
        .errors
        .iter()
        .map(|f| format!("{}: {}", f.code.as_str(), f.message))
        .collect::<Vec<_>>()
        .join("; ");
    Outcome::Ran {
        accepted: report.trusted,
        detail,
    }
}

#[test]
fn x509_limbo() {
    let Some(dir) = limbo_dir() else {
        println!(
            "x509-limbo: data not found beside the repository (../shared/testsuites); skipped"
        );
        return;
    };
    let divergences: BTreeMap<String, Divergence> =
        serde_json::from_str(include_str!("limbo-divergences.json"))
            .expect("tests/limbo-divergences.json parses");
    for (id, d) in &divergences {
        assert!(!d.reason.trim().is_empty(), "divergence {id} has no reason");
        assert!(
            d.expected != d.actual,
            "divergence {id} expects what it gets"
        );
    }
    let cases = load_cases(&dir);
    let (mut passed, mut failed, mut skipped, mut known) = (0usize, 0usize, 0usize, 0usize);
    let mut unexpected = Vec::new();
    let mut stale = Vec::new();
    let mut by_family: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut unexpected_accepts = 0usize;
    let mut skip_reasons: BTreeMap<&'static str, usize> = BTreeMap::new();
    // webpki::/rfc5280:: cases under the default rules: (passed, failed, unexpected accepts).
    let mut default_rules = (0usize, 0usize, 0usize);
    for tc in &cases {
        let id = tc["id"].as_str().expect("id").to_string();
        let expected = tc["expected_result"] == "SUCCESS";
        let family = id.split("::").next().unwrap_or("").to_string();
        let profile = profile_for(&id);
        if profile != Profile::Default
            && let Outcome::Ran { accepted, .. } = run_case(tc, Profile::Default)
        {
            if accepted == expected {
                default_rules.0 += 1;
            } else {
                default_rules.1 += 1;
                default_rules.2 += usize::from(accepted);
            }
        }
        match run_case(tc, profile) {
            Outcome::Skip(why) => {
                skipped += 1;
                *skip_reasons.entry(why).or_insert(0usize) += 1;
            }
            Outcome::Ran { accepted, detail } => {
                let entry = by_family.entry(family).or_default();
                if accepted == expected {
                    passed += 1;
                    entry.0 += 1;
                    if divergences.contains_key(&id) {
                        stale.push(id);
                    }
                } else {
                    failed += 1;
                    entry.1 += 1;
                    if accepted {
                        unexpected_accepts += 1;
                    }
                    let actual = if accepted { "SUCCESS" } else { "FAILURE" };
                    match divergences.get(&id) {
                        Some(d) if d.actual == actual => known += 1,
                        _ => unexpected.push(format!(
                            "{id}: expected {}, got {actual} ({detail})",
                            if expected { "SUCCESS" } else { "FAILURE" }
                        )),
                    }
                }
            }
        }
    }
    let ran = passed + failed;
    println!(
        "x509-limbo: {passed} passed, {failed} failed, {skipped} skipped ({:.2}% of {ran} run; {known} failures are listed divergences; {unexpected_accepts} unexpected accepts)",
        100.0 * passed as f64 / ran.max(1) as f64
    );
    println!(
        "  webpki::/rfc5280:: cases with the default rules instead of their namespace's profile: {} passed, {} failed ({} unexpected accepts)",
        default_rules.0, default_rules.1, default_rules.2
    );
    for (family, (p, f)) in &by_family {
        println!("  {family:<14} {p} passed, {f} failed");
    }
    for (why, n) in &skip_reasons {
        println!("  skipped {n}: {why}");
    }
    for id in &stale {
        println!("  listed divergence now passes (remove it): {id}");
    }
    for u in &unexpected {
        println!("  UNEXPECTED {u}");
    }
    assert!(
        unexpected.is_empty(),
        "{} x509-limbo mismatches are not in tests/limbo-divergences.json",
        unexpected.len()
    );
}
