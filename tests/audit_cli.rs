//! `tlsight audit` through the binary: JSON shape, policy exit codes, argument errors.

mod common;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Child;
use std::time::Duration;

use assert_cmd::cargo::cargo_bin_cmd;

fn certs() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("certs")
}

struct Server(Child, SocketAddr);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn s_server(extra: &[&str]) -> Server {
    s_server_with("ecdsa-p256", extra)
}

/// `openssl s_server` with the RSA 2048 leaf (RSA key transport, legacy suites).
fn rsa_s_server(extra: &[&str]) -> Server {
    s_server_with("rsa2048", extra)
}

fn s_server_with(key: &str, extra: &[&str]) -> Server {
    let c = certs();
    let mut args: Vec<std::ffi::OsString> = vec![
        "-www".into(),
        "-cert".into(),
        c.join(format!("{key}.pem")).into(),
        "-cert_chain".into(),
        c.join("intermediate.pem").into(),
        "-key".into(),
        c.join(format!("{key}.key")).into(),
    ];
    args.extend(extra.iter().map(|a| a.into()));
    let (child, addr) = common::spawn_s_server(&args);
    Server(child, addr)
}

#[test]
fn json_has_the_documented_keys_and_modern_policy_passes() {
    let s = s_server(&[
        "-tls1_3",
        "-ciphersuites",
        "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384",
        "-groups",
        "X25519:P-256",
    ]);
    let out = cargo_bin_cmd!("tlsight")
        .args(["audit", "--json", "--policy", "modern", "--ca"])
        .arg(certs().join("root.pem"))
        .arg(s.1.to_string())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    for key in [
        "protocols",
        "cipher_suites",
        "server_preference",
        "groups",
        "findings",
        "grade",
        "connections",
        "elapsed_ms",
        "mozilla",
        "certificate_verification",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["protocols"]["TLSv1.3"], true);
    assert_eq!(v["protocols"]["TLSv1.2"], false);
    let suites: Vec<&str> = v["cipher_suites"]["TLSv1.3"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(suites.len(), 2);
    assert!(
        suites.contains(&"TLS_AES_128_GCM_SHA256") && suites.contains(&"TLS_AES_256_GCM_SHA384")
    );
    assert_eq!(v["grade"]["grade"], "A");
    assert!(v["connections"].as_u64().unwrap() > 5);
}

#[test]
fn policy_failure_exits_1_and_human_output_names_the_reason() {
    let s = s_server(&["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0"]);
    let out = cargo_bin_cmd!("tlsight")
        .args(["audit", "--policy", "intermediate"])
        .arg(s.1.to_string())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"),
        "{stdout}"
    );
    assert!(stdout.contains("not compliant"), "{stdout}");
    assert!(stdout.contains("connections"), "{stdout}");
    assert!(!stdout.contains("\x1b["), "no colour when piped");
    assert!(String::from_utf8_lossy(&out.stderr).contains("intermediate"));
}

#[test]
fn bad_arguments_are_one_line_errors() {
    let out = cargo_bin_cmd!("tlsight")
        .args(["audit", "127.0.0.1:99999"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("port"), "{err}");
    let out = cargo_bin_cmd!("tlsight")
        .args(["audit", "--timeout", "0", "127.0.0.1:1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

fn audit_json(target: &str) -> serde_json::Value {
    let out = cargo_bin_cmd!("tlsight")
        .args(["audit", target, "--sni", "localhost", "--json"])
        .arg("--ca")
        .arg(certs().join("root.pem"))
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
}

fn finding_ids(v: &serde_json::Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn downgrade_protection_by_scsv_or_by_the_tls13_sentinel() {
    // rustls implements the RFC 8446 sentinel but not TLS_FALLBACK_SCSV: with only TLS 1.2
    // and 1.3 on offer, the sentinel protects the one possible downgrade.
    let server = tlsight::handshake::server::LocalServer::start(
        "127.0.0.1:0".parse().unwrap(),
        &Default::default(),
    )
    .unwrap();
    let v = audit_json(&server.addr().to_string());
    assert_eq!(v["features"]["fallback_scsv"], false, "{:#}", v["features"]);
    assert_eq!(v["features"]["downgrade_sentinel"], true);
    assert!(!finding_ids(&v).contains(&"no_fallback_scsv".to_string()));
    // The interception section judges the chain: anchored in the --ca root, nothing raised.
    assert_eq!(
        v["interception"]["verdict"], "clean",
        "{:#}",
        v["interception"]
    );
    // OpenSSL honours TLS_FALLBACK_SCSV (RFC 7507) and sets the sentinel too.
    let s = s_server(&[]);
    let v = audit_json(&s.1.to_string());
    assert_eq!(v["features"]["fallback_scsv"], true, "{:#}", v["features"]);
    assert_eq!(v["features"]["downgrade_sentinel"], true);
}

#[test]
fn tls13_signature_schemes_of_an_rsa_server() {
    let c = certs();
    let s = s_server(&[
        "-tls1_3",
        "-cert",
        c.join("rsa2048.pem").to_str().unwrap(),
        "-key",
        c.join("rsa2048.key").to_str().unwrap(),
    ]);
    let v = audit_json(&s.1.to_string());
    let got: Vec<String> = serde_json::from_value(v["signature_algorithms_tls13"].clone()).unwrap();
    let mut sorted = got.clone();
    sorted.sort();
    // TLS 1.3 forbids PKCS#1 v1.5 in CertificateVerify: an RSA key signs with RSA-PSS only.
    assert_eq!(
        sorted,
        [
            "rsa_pss_rsae_sha256",
            "rsa_pss_rsae_sha384",
            "rsa_pss_rsae_sha512"
        ],
        "{got:?}"
    );
}

/// A copied certificate (the genuine test chain, signed with another P-256 key): the audit's
/// certificate verdict is not trusted, `key_possession_failed` first, the chain itself valid.
#[test]
fn audit_certificate_verdict_needs_proof_of_the_key_tls13_and_tls12() {
    use tlsight::handshake::VersionChoice;
    use tlsight::handshake::server::{LocalServer, ServerSettings, TestKey};
    for (versions, proof) in [
        (VersionChoice::Tls13, "certificate_verify"),
        (VersionChoice::Tls12, "server_key_exchange"),
    ] {
        let server = LocalServer::start(
            "127.0.0.1:0".parse().unwrap(),
            &ServerSettings {
                key: TestKey::EcdsaP256,
                wrong_key: Some(TestKey::OtherEcdsaP256),
                versions,
                ..ServerSettings::default()
            },
        )
        .unwrap();
        let v = audit_json(&server.addr().to_string());
        let c = &v["certificate_verification"];
        assert_eq!(c["trusted"], false, "{versions:?}: {c:#}");
        assert_eq!(c["chain_trusted"], true, "{versions:?}");
        assert_eq!(c["errors"][0]["code"], "key_possession_failed", "{c:#}");
        assert_eq!(c["key_possession"]["status"], "failed");
        assert_eq!(c["key_possession"]["proof"], proof, "{versions:?}");
        assert!(finding_ids(&v).contains(&"cert_untrusted".to_string()));
        // The interception section sees the same failed proof: never "clean".
        assert_eq!(
            v["interception"]["verdict"], "intercepted",
            "{:#}",
            v["interception"]
        );
        assert_eq!(
            v["interception"]["signals"][0]["id"],
            "key_possession_failed"
        );
    }
}

/// A TLS 1.2 server whose only suites rustls does not speak (ECDHE with CBC): the audit proves
/// possession with its own hello, verifying the ServerKeyExchange signature itself.
#[test]
fn audit_proves_possession_from_its_own_server_key_exchange() {
    let s = s_server(&["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA256"]);
    let v = audit_json(&s.1.to_string());
    let c = &v["certificate_verification"];
    assert_eq!(c["trusted"], true, "{c:#}");
    assert_eq!(c["key_possession"]["status"], "proven", "{c:#}");
    assert_eq!(c["key_possession"]["proof"], "server_key_exchange");
}

/// A legacy server accepting dozens of weak suites: each finding counts them per version range
/// in one readable line, `--verbose` names every one, and `--json` always carries them all.
#[test]
fn long_suite_findings_are_counted_per_version_and_listed_with_verbose() {
    let server = rsa_s_server(&[
        "-min_protocol",
        "TLSv1",
        "-max_protocol",
        "TLSv1.2",
        "-cipher",
        "ALL:COMPLEMENTOFALL:@SECLEVEL=0",
    ]);
    let addr = server.1;
    let target = addr.to_string();
    let run = |extra: &[&str]| {
        let out = cargo_bin_cmd!("tlsight")
            .env("NO_COLOR", "1")
            .args(["audit", &target, "--sni", "localhost", "--ca"])
            .arg(certs().join("root.pem"))
            .args(extra)
            .timeout(Duration::from_secs(180))
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let v: serde_json::Value = serde_json::from_str(&run(&["--json"])).unwrap();
    let nofs = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "no_forward_secrecy")
        .expect("no_forward_secrecy finding")
        .clone();
    let suites = nofs["suites"].as_array().unwrap();
    assert!(suites.len() > 3, "{nofs:#}");
    let message = nofs["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!(
            "suites without forward secrecy accepted: {} suites in TLS 1.0-1.2",
            suites.len()
        )),
        "{message}"
    );
    for s in suites {
        assert!(s["name"].as_str().unwrap().starts_with("TLS_"), "{s}");
        assert!(!s["versions"].as_array().unwrap().is_empty(), "{s}");
    }

    let human = run(&[]);
    let line = human
        .lines()
        .find(|l| l.contains("suites without forward secrecy"))
        .expect("finding line");
    assert!(line.contains("(--verbose lists them)"), "{line}");
    let first = suites[0]["name"].as_str().unwrap();
    assert!(
        !human.contains(&format!("{first} ")) || !line.contains(first),
        "names are not listed in the line: {line}"
    );
    for l in human.lines().skip_while(|l| *l != "Findings") {
        assert!(l.chars().count() < 200, "finding line too long: {l}");
    }

    let verbose = run(&["--verbose"]);
    for s in suites {
        let name = s["name"].as_str().unwrap();
        assert!(
            verbose.lines().any(|l| l.trim_start().starts_with(name)),
            "--verbose does not list {name}"
        );
    }
}

/// RSA key transport signs nothing: the audit completes one TLS 1.2 handshake and the server's
/// Finished (it decrypted the premaster secret sent under the leaf's key) is the proof.
#[test]
fn audit_proves_possession_with_the_finished_of_rsa_key_transport() {
    let server = rsa_s_server(&["-tls1_2", "-cipher", "AES128-GCM-SHA256:@SECLEVEL=0"]);
    let v = audit_json(&server.1.to_string());
    let c = &v["certificate_verification"];
    assert_eq!(c["key_possession"]["status"], "proven", "{c:#}");
    assert_eq!(c["key_possession"]["proof"], "finished");
    assert_eq!(c["trusted"], true, "{c:#}");
}

/// TLS 1.0 only (ECDHE and RSA key transport): rustls cannot speak to it, so the audit's proof
/// of key possession comes from tlsight's engine, like `tlsight handshake`'s fallback — the
/// ServerKeyExchange's MD5+SHA-1 RSA signature, or the Finished of RSA key transport.
#[test]
fn audit_proves_possession_of_a_tls10_only_server_with_the_engine() {
    for (cipher, proof) in [
        ("ECDHE-RSA-AES128-SHA:@SECLEVEL=0", "server_key_exchange"),
        ("AES128-SHA:@SECLEVEL=0", "finished"),
    ] {
        let server = rsa_s_server(&["-tls1", "-cipher", cipher]);
        let v = audit_json(&server.1.to_string());
        assert_eq!(
            v["protocols"]["TLSv1.0"], true,
            "{cipher}: {:#}",
            v["protocols"]
        );
        let c = &v["certificate_verification"];
        assert_eq!(c["key_possession"]["status"], "proven", "{cipher}: {c:#}");
        assert_eq!(c["key_possession"]["proof"], proof, "{cipher}");
        assert_eq!(c["trusted"], true, "{cipher}: {c:#}");
    }
}
