//! `tlsight audit` against real `openssl s_server` instances on 127.0.0.1, in several
//! configurations. The truth for each is computed here with `openssl s_client`, one suite and
//! one version at a time; tlsight must find exactly that set, no more, no less.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tlsight::probe::Settings;
use tlsight::probe::report::AuditReport;
use tlsight::probe::scan::{AuditOptions, audit_addr};

fn certs() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("certs")
}

/// An `openssl s_server` child, killed on drop.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start(key: &str, extra: &[&str]) -> Self {
        let c = certs();
        let mut args: Vec<std::ffi::OsString> = vec![
            "-cert".into(),
            c.join(format!("{key}.pem")).into(),
            "-cert_chain".into(),
            c.join("intermediate.pem").into(),
            "-key".into(),
            c.join(format!("{key}.key")).into(),
            "-www".into(),
        ];
        args.extend(extra.iter().map(|a| a.into()));
        let (child, addr) = common::spawn_s_server(&args);
        Self { child, addr }
    }
}

impl Server {}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Truth: version name → accepted suite codes, from s_client one suite at a time.
fn truth(addr: SocketAddr) -> BTreeMap<String, BTreeSet<u16>> {
    common::s_client_truth(addr, &[])
}

fn run_audit(addr: SocketAddr) -> AuditReport {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let root = std::fs::read(certs().join("root.pem")).unwrap();
    let mut opts = AuditOptions::default();
    opts.verify.extra_anchors = tlsight::x509::certs_from_bytes(&root, "root.pem").unwrap();
    opts.verify.stores.os = false;
    rt.block_on(audit_addr(addr, addr.to_string(), opts))
        .unwrap()
}

fn found(r: &AuditReport) -> BTreeMap<String, BTreeSet<u16>> {
    r.cipher_suite_details
        .iter()
        .map(|(v, l)| {
            (
                v.clone(),
                l.iter()
                    .map(|s| u16::from_str_radix(s.code.trim_start_matches("0x"), 16).unwrap())
                    .collect(),
            )
        })
        .collect()
}

/// Per version, tlsight's suites must equal s_client's, compared by name so a mismatch reads.
fn assert_same(
    got: &BTreeMap<String, BTreeSet<u16>>,
    expected: &BTreeMap<String, BTreeSet<u16>>,
    server: &str,
) {
    let name = |set: &BTreeSet<u16>| {
        set.iter()
            .map(|c| tlsight::probe::suite::suite_name(*c))
            .collect::<Vec<_>>()
    };
    for v in expected.keys().chain(got.keys()).collect::<BTreeSet<_>>() {
        let e = expected.get(v).cloned().unwrap_or_default();
        let g = got.get(v).cloned().unwrap_or_default();
        assert_eq!(
            name(&g),
            name(&e),
            "{v}: tlsight (left) vs s_client (right), {server}"
        );
    }
}

/// Runs both sides and compares, printing names on mismatch.
fn check(key: &str, extra: &[&str]) -> AuditReport {
    let server = Server::start(key, extra);
    let report = run_audit(server.addr);
    let expected = truth(server.addr);
    assert!(
        !expected.is_empty(),
        "the server accepted nothing at all: bad test setup"
    );
    let got = found(&report);
    assert_same(&got, &expected, &format!("s_server {extra:?}"));
    for (v, accepted) in &report.protocols {
        if v != "SSLv2" && v != "SSLv3" {
            assert_eq!(*accepted, expected.contains_key(v), "{v} acceptance");
        }
    }
    assert!(!report.protocols["SSLv2"] && !report.protocols["SSLv3"]);
    report
}

#[test]
fn tls13_only_server() {
    let r = check(
        "ecdsa-p256",
        &[
            "-tls1_3",
            "-ciphersuites",
            "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_CCM_SHA256",
            "-groups",
            "X25519:P-384",
            "-alpn",
            "h2,http/1.1",
        ],
    );
    assert_eq!(
        r.alpn,
        vec!["h2", "http/1.1"],
        "ALPN through rustls TLS 1.3 handshakes"
    );
    let groups: Vec<&str> = r.groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(
        groups.iter().collect::<BTreeSet<_>>(),
        ["secp384r1", "x25519"].iter().collect::<BTreeSet<_>>()
    );
    assert!(r.groups.iter().all(|g| g.tls13 && !g.tls12));
    // The certificate comes from a real TLS 1.3 handshake, since no plaintext flight has it.
    let cert = r.certificate.as_ref().expect("certificate");
    assert_eq!(cert.key_type, "EC");
    let v = r.certificate_verification.as_ref().expect("verification");
    assert!(
        v.trusted,
        "chain to the test root, name 127.0.0.1: {:?}",
        v.errors
    );
    assert!(
        r.mozilla
            .iter()
            .any(|m| m.profile == "modern" && !m.compliant),
        "CCM is outside modern"
    );
}

#[test]
fn tls12_ecdhe_only_server() {
    let r = check(
        "rsa2048",
        &[
            "-tls1_2",
            "-cipher",
            "ECDHE",
            "-groups",
            "P-256:P-384:X25519",
            "-alpn",
            "h2,http/1.1",
        ],
    );
    assert_eq!(r.alpn, vec!["h2", "http/1.1"]);
    let g: BTreeSet<&str> = r.groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(
        g,
        ["secp256r1", "secp384r1", "x25519"].into_iter().collect()
    );
    assert!(r.groups.iter().all(|g| g.tls12 && !g.tls13));
    assert!(r.dh_bits.is_none());
    assert!(!r.signature_algorithms.is_empty());
    assert_eq!(r.features.secure_renegotiation, Some(true));
    assert_eq!(r.features.extended_master_secret, Some(true));
    assert_eq!(r.features.compression, Some(false));
    assert_eq!(r.features.fallback_scsv, None, "one version only");
    assert!(
        r.certificate
            .as_ref()
            .is_some_and(|c| c.key_type == "RSA" && c.key_bits == 2048)
    );
    let v = r.certificate_verification.as_ref().expect("verification");
    assert!(v.trusted, "{:?}", v.errors);
    assert_eq!(r.certificate.as_ref().map(|c| c.chain_len), Some(2));
    assert_eq!(r.features.session_ticket, Some(true));
    assert_eq!(r.features.resumption_session_id, Some(true));
    assert_eq!(r.features.resumption_ticket, Some(true));
}

#[test]
fn static_rsa_only_server() {
    let r = check("rsa2048", &["-tls1_2", "-cipher", "kRSA:@SECLEVEL=0"]);
    assert!(
        r.findings.iter().any(|f| f.id == "no_fs_at_all"),
        "{:?}",
        r.findings
    );
    assert_ne!(r.grade.grade, "A");
    assert!(r.groups.is_empty());
    assert!(
        r.signature_algorithms.is_empty(),
        "no ServerKeyExchange with RSA key transport"
    );
}

#[test]
fn legacy_tls10_tls11_cbc_server() {
    let r = check(
        "rsa2048",
        &[
            "-min_protocol",
            "TLSv1",
            "-max_protocol",
            "TLSv1.2",
            "-cipher",
            "AES128-SHA:ECDHE-RSA-AES256-SHA:DHE-RSA-AES128-SHA:NULL-SHA:ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0",
        ],
    );
    for v in ["TLSv1.0", "TLSv1.1", "TLSv1.2"] {
        assert!(r.protocols[v], "{v}");
    }
    let ids: BTreeSet<&str> = r.findings.iter().map(|f| f.id.as_str()).collect();
    for id in ["tls10", "tls11", "null_cipher", "beast"] {
        assert!(ids.contains(id), "{id} missing from {ids:?}");
    }
    assert_eq!(r.grade.grade, "F", "NULL cipher caps at F: {:?}", r.grade);
    assert_eq!(
        r.features.fallback_scsv,
        Some(true),
        "OpenSSL honours TLS_FALLBACK_SCSV"
    );
    assert_eq!(
        r.features.encrypt_then_mac,
        Some(true),
        "OpenSSL answers ETM for CBC suites"
    );
    assert!(r.dh_bits.is_some_and(|b| b >= 1024));
}

#[test]
fn server_cipher_order_is_reported() {
    let order = [
        "ECDHE-RSA-AES256-GCM-SHA384",
        "AES128-SHA",
        "ECDHE-RSA-CHACHA20-POLY1305",
        "ECDHE-RSA-AES128-GCM-SHA256",
    ];
    let r = check(
        "rsa2048",
        &[
            "-tls1_2",
            "-serverpref",
            "-no_ticket",
            "-cipher",
            &order.join(":"),
        ],
    );
    assert_eq!(r.features.session_ticket, Some(false));
    assert_eq!(r.features.resumption_ticket, Some(false));
    assert_eq!(r.features.resumption_session_id, Some(true));
    assert_eq!(r.server_preference.get("TLSv1.2"), Some(&true));
    assert_eq!(
        r.cipher_suites["TLSv1.2"],
        vec![
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_RSA_WITH_AES_128_CBC_SHA",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        ]
    );
}

#[test]
fn client_order_server_is_reported_as_such() {
    let server = Server::start(
        "rsa2048",
        &[
            "-tls1_2",
            "-cipher",
            "ECDHE-RSA-AES256-GCM-SHA384:AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256",
        ],
    );
    let r = run_audit(server.addr);
    assert_eq!(r.server_preference.get("TLSv1.2"), Some(&false));
}

#[test]
fn connection_budget_is_honoured_and_counted() {
    let server = Server::start("rsa2048", &["-tls1_2", "-cipher", "ECDHE"]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let settings = Settings {
        max_connections: 1,
        delay: Duration::from_millis(5),
        ..Settings::default()
    };
    let t = Instant::now();
    let r = rt
        .block_on(audit_addr(
            server.addr,
            "x".into(),
            AuditOptions {
                settings,
                ..Default::default()
            },
        ))
        .unwrap();
    // With one connection at a time and 5 ms between starts, n connections take ≥ 5(n-1) ms.
    assert!(r.connections > 10);
    assert!(t.elapsed() >= Duration::from_millis(5 * (r.connections as u64 - 1)));
}

#[test]
fn refused_connection_is_a_clear_error() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let e = rt
        .block_on(audit_addr(addr, "x".into(), AuditOptions::default()))
        .unwrap_err();
    assert!(e.to_string().contains("cannot connect"), "{e}");
}

#[test]
fn different_certificate_without_sni_is_reported() {
    let c = certs();
    let ecdsa = c.join("ecdsa-p256.pem");
    let ecdsa_key = c.join("ecdsa-p256.key");
    let server = Server::start(
        "rsa2048",
        &[
            "-tls1_2",
            "-servername",
            "tlsight.test",
            "-cert2",
            ecdsa.to_str().unwrap(),
            "-key2",
            ecdsa_key.to_str().unwrap(),
        ],
    );
    let root = std::fs::read(c.join("root.pem")).unwrap();
    let mut opts = AuditOptions {
        sni: Some("tlsight.test".into()),
        ..Default::default()
    };
    opts.verify.extra_anchors = tlsight::x509::certs_from_bytes(&root, "root.pem").unwrap();
    opts.verify.stores.os = false;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let r = rt
        .block_on(audit_addr(server.addr, "tlsight.test".into(), opts))
        .unwrap();
    assert_eq!(
        r.certificate.as_ref().map(|c| c.key_type.as_str()),
        Some("EC")
    );
    assert_eq!(r.sni_changes_certificate, Some(true));
    let plain = r
        .certificate_without_sni
        .as_ref()
        .expect("no-SNI certificate");
    assert_eq!(plain.key_type, "RSA");
    assert!(
        r.certificate_without_sni_verification
            .as_ref()
            .is_some_and(|v| v.host.as_deref() == Some("tlsight.test"))
    );
    // Each leaf's key is proven on a connection that gets that leaf (with and without SNI).
    for v in [
        &r.certificate_verification,
        &r.certificate_without_sni_verification,
    ] {
        let kp = v
            .as_ref()
            .and_then(|v| v.key_possession.as_ref())
            .expect("key possession");
        assert!(kp.proven(), "{kp:?}");
    }
}

/// A second TLS implementation: GnuTLS with TLS 1.0–1.3, CBC and 3DES enabled.
#[test]
fn gnutls_server_matches_s_client() {
    let Some(server) =
        common::GnutlsServer::start("NORMAL:+VERS-TLS1.0:+VERS-TLS1.1:+3DES-CBC:+SHA1")
    else {
        // Not a silent pass: say so on stderr (cargo test --nocapture shows it).
        eprintln!("gnutls-serv not installed (apt install gnutls-bin): skipped");
        return;
    };
    let report = run_audit(server.addr);
    let expected = truth(server.addr);
    // s_client can only judge suites this OpenSSL implements (Debian's has no 3DES); the
    // others tlsight found must be the 3DES suites the priority string enabled.
    let testable: BTreeSet<u16> = common::openssl_suites().iter().map(|s| s.0).collect();
    let mut got = found(&report);
    for (v, set) in got.iter_mut() {
        let extra: Vec<u16> = set
            .iter()
            .copied()
            .filter(|c| !testable.contains(c))
            .collect();
        for c in extra {
            let n = tlsight::probe::suite::suite_name(c);
            assert!(
                n.contains("3DES_EDE_CBC"),
                "{v}: {n} accepted but not verifiable"
            );
            set.remove(&c);
        }
    }
    assert_same(&got, &expected, "gnutls-serv");
    assert!(report.protocols["TLSv1.3"] && report.protocols["TLSv1.0"]);
    assert!(
        report.findings.iter().any(|f| f.id == "sweet32"),
        "3DES found and flagged"
    );
}

/// The groups `openssl s_client -tls1_2 -groups G:CURVE` negotiates with the server, for each G
/// OpenSSL offers in TLS 1.2, plus the certificate's CURVE itself (which every ECDSA handshake
/// must list, RFC 8422 §5.1): the TLS 1.2 groups an audit must find.
fn s_client_groups12(addr: SocketAddr, cert_curve: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for g in ["X25519", "P-256", "P-384", "P-521", "X448"] {
        let list = if g == cert_curve {
            g.to_string()
        } else {
            format!("{g}:{cert_curve}")
        };
        let o = Command::new("openssl")
            .args(["s_client", "-connect", &addr.to_string(), "-tls1_2"])
            .args(["-groups", &list])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&o.stdout);
        let Some(line) = text.lines().find(|l| l.starts_with("Server Temp Key:")) else {
            continue;
        };
        let name = if line.contains("X25519") {
            "x25519"
        } else if line.contains("X448") {
            "x448"
        } else if line.contains("prime256v1") {
            "secp256r1"
        } else if line.contains("secp384r1") {
            "secp384r1"
        } else if line.contains("secp521r1") {
            "secp521r1"
        } else {
            panic!("unexpected temp key: {line}")
        };
        out.insert(name.to_string());
    }
    out
}

/// TLS 1.2 servers with ECDSA P-256 and P-384 certificates: every group s_client can get,
/// including those after the certificate's own curve was found (the audit keeps that curve in
/// supported_groups, or the server could no longer use its certificate).
#[test]
fn tls12_ecdsa_groups_match_s_client_for_p256_and_p384() {
    let dir = tempfile::tempdir().unwrap();
    let (p384_cert, p384_key) = (dir.path().join("p384.pem"), dir.path().join("p384.key"));
    let ok = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
        .args(["ec_paramgen_curve:P-384", "-nodes", "-days", "2"])
        .args([
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ])
        .arg("-keyout")
        .arg(&p384_key)
        .arg("-out")
        .arg(&p384_cert)
        .stderr(Stdio::null())
        .status()
        .unwrap()
        .success();
    assert!(ok, "openssl req (P-384 certificate)");
    let c = certs();
    for (curve, cert, key) in [
        ("P-256", c.join("ecdsa-p256.pem"), c.join("ecdsa-p256.key")),
        ("P-384", p384_cert, p384_key),
    ] {
        let (child, addr) = common::spawn_s_server(&[
            std::ffi::OsStr::new("-tls1_2"),
            "-cert".as_ref(),
            cert.as_os_str(),
            "-key".as_ref(),
            key.as_os_str(),
            "-www".as_ref(),
        ]);
        let server = Server { child, addr };
        let want = s_client_groups12(server.addr, curve);
        let r = run_audit(server.addr);
        let got: BTreeSet<String> = r
            .groups
            .iter()
            .filter(|g| g.tls12)
            .map(|g| g.name.clone())
            .collect();
        assert_eq!(got, want, "{curve} server");
        assert!(want.len() >= 5, "{curve}: s_client found {want:?}");
    }
}
