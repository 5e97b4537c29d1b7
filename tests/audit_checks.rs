//! The audit's vulnerability checks (src/probe/checks/), each shown `vulnerable` on a server
//! that has the flaw and clean on servers that do not: openssl s_server in its legacy shape
//! (CBC in TLS 1.0, 1024-bit DH), a legacy box built here on our codec for what OpenSSL 3 no
//! longer plays (SSLv2, SSLv3, RC4, 3DES, export suites, TLS compression), an HTTPS server with
//! gzip (rustls in-process) for BREACH, and modern servers (s_server, gnutls-serv, rustls) with
//! no false positive. Hostile peers make checks inconclusive, never vulnerable.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use common::{GnutlsServer, OpensslServer, repo};
use tlsight::probe::AuditReport;
use tlsight::probe::scan::{AuditOptions, audit_addr};
use tlsight::wire::builder::wrap_records;
use tlsight::wire::extensions::ExtensionValue;
use tlsight::wire::handshake::ClientHello;

fn run_audit(addr: SocketAddr) -> AuditReport {
    try_audit(addr).expect("audit")
}

fn try_audit(addr: SocketAddr) -> Result<AuditReport, tlsight::probe::ProbeError> {
    let opts = AuditOptions {
        settings: tlsight::probe::Settings {
            read_timeout: Duration::from_millis(1500),
            connect_timeout: Duration::from_millis(1500),
            ..Default::default()
        },
        ..Default::default()
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(audit_addr(addr, addr.to_string(), opts))
}

fn check<'a>(r: &'a AuditReport, id: &str) -> &'a tlsight::probe::checks::Vulnerability {
    r.vulnerabilities
        .iter()
        .find(|v| v.info.id == id)
        .unwrap_or_else(|| panic!("no check {id}"))
}

fn verdict<'a>(r: &'a AuditReport, id: &str) -> &'a str {
    check(r, id).outcome.result.as_str()
}

fn show(r: &AuditReport) -> String {
    r.vulnerabilities
        .iter()
        .map(|v| {
            format!(
                "{} {} {} [{}]\n",
                v.info.id,
                v.outcome.result.as_str(),
                v.outcome.reason,
                v.outcome.evidence.as_deref().unwrap_or("")
            )
        })
        .collect()
}

/// The checks of this half of the list (the engine-based ones have their own tests).
const MINE: &[&str] = &[
    "poodle",
    "beast",
    "lucky13",
    "sweet32",
    "rc4",
    "freak",
    "logjam",
    "drown",
    "crime",
    "breach",
    "secure_renegotiation",
    "fallback_scsv",
    "downgrade_sentinel",
];

fn assert_clean(r: &AuditReport, except: &[&str]) {
    for id in MINE.iter().filter(|id| !except.contains(id)) {
        let v = verdict(r, id);
        assert!(
            v == "not_vulnerable" || v == "not_applicable",
            "{id} should be clean: {v}\n{}",
            show(r)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// A legacy box on our codec: picks the first of its suites the client offers, at the client's
// version if it speaks it; optional DEFLATE, SSLv2, export key exchange.

#[derive(Clone)]
struct Legacy {
    /// Versions it speaks.
    versions: &'static [u16],
    /// Suites in its order, with the versions each is accepted in (empty: every version).
    suites: &'static [(u16, &'static [u16])],
    compress: bool,
    sslv2: bool,
    /// Hellos offering an export suite get no answer (a peer hostile to the probes).
    silent_on_export: bool,
    /// Hellos of these versions get a reset.
    reset_versions: &'static [u16],
}

fn cert_der() -> Vec<u8> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    CertificateDer::from_pem_file(repo("certs/rsa2048.pem"))
        .unwrap()
        .to_vec()
}

fn u24(n: usize) -> [u8; 3] {
    [(n >> 16) as u8, (n >> 8) as u8, n as u8]
}

fn handshake_msg(typ: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![typ];
    m.extend_from_slice(&u24(body.len()));
    m.extend_from_slice(body);
    m
}

impl Legacy {
    fn start(self) -> SocketAddr {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        std::thread::spawn(move || {
            for s in l.incoming().flatten() {
                let me = self.clone();
                std::thread::spawn(move || me.serve(s));
            }
        });
        addr
    }

    fn serve(&self, mut s: TcpStream) {
        let _ = s.set_read_timeout(Some(Duration::from_secs(3)));
        let mut buf = vec![0u8; 16384];
        // Record header, handshake header, client version: closing with the rest of the hello
        // unread makes the kernel answer with a reset.
        let mut head = [0u8; 11];
        for _ in 0..50 {
            match s.peek(&mut head) {
                Ok(11) => break,
                Ok(0) | Err(_) => return,
                Ok(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
        if head[0] == 22
            && self
                .reset_versions
                .contains(&u16::from_be_bytes([head[9], head[10]]))
        {
            return;
        }
        let mut got = Vec::new();
        loop {
            match s.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
            if got[0] & 0x80 != 0 && got.len() >= 2 {
                break;
            }
            if got.len() >= 5 && got.len() >= 5 + u16::from_be_bytes([got[3], got[4]]) as usize {
                break;
            }
        }
        let reply = if got[0] & 0x80 != 0 {
            if !self.sslv2 {
                return;
            }
            self.sslv2_hello()
        } else {
            match self.answer(&got) {
                Some(Ok(r)) => r,
                Some(Err(())) => {
                    // Silence: hold the connection past the client's timeout.
                    std::thread::sleep(Duration::from_secs(4));
                    return;
                }
                None => vec![21, 3, 1, 0, 2, 2, 40],
            }
        };
        let _ = s.write_all(&reply);
        std::thread::sleep(Duration::from_millis(100));
    }

    fn sslv2_hello(&self) -> Vec<u8> {
        let cert = cert_der();
        let specs = [0x01, 0x00, 0x80, 0x07, 0x00, 0xC0]; // RC4_128_WITH_MD5, DES_192_EDE3
        let mut m = vec![4, 0, 1, 0, 2];
        m.extend_from_slice(&(cert.len() as u16).to_be_bytes());
        m.extend_from_slice(&(specs.len() as u16).to_be_bytes());
        m.extend_from_slice(&16u16.to_be_bytes());
        m.extend_from_slice(&cert);
        m.extend_from_slice(&specs);
        m.extend_from_slice(&[0x33; 16]);
        let mut out = vec![0x80 | (m.len() >> 8) as u8, m.len() as u8];
        out.extend_from_slice(&m);
        out
    }

    /// None: handshake_failure; Some(Err): no answer at all.
    fn answer(&self, rec: &[u8]) -> Option<Result<Vec<u8>, ()>> {
        let ch = ClientHello::decode(rec.get(5..)?.get(4..)?).ok()?;
        let offers13 = ch.extensions.iter().any(|e| {
            matches!(&e.value, ExtensionValue::SupportedVersions { versions } if versions.contains(&0x0304))
        });
        let v = ch.legacy_version;
        if offers13 || !self.versions.contains(&v) {
            return Some(Ok(vec![21, 3, 1, 0, 2, 2, 70]));
        }
        let export = ch
            .cipher_suites
            .iter()
            .any(|c| tlsight::probe::suite::cipher_suite(*c).is_some_and(|i| i.export()));
        if self.silent_on_export && export {
            return Some(Err(()));
        }
        let (suite, _) = self
            .suites
            .iter()
            .find(|(c, vs)| ch.cipher_suites.contains(c) && (vs.is_empty() || vs.contains(&v)))?;
        let comp = u8::from(self.compress && ch.compression_methods.contains(&1));
        let mut sh = v.to_be_bytes().to_vec();
        sh.extend_from_slice(&[0x42; 32]);
        sh.push(0);
        sh.extend_from_slice(&suite.to_be_bytes());
        sh.push(comp);
        if v >= 0x0301 {
            sh.extend_from_slice(&[0, 5, 0xFF, 0x01, 0, 1, 0]); // renegotiation_info
        }
        let cert = cert_der();
        let mut list = u24(cert.len()).to_vec();
        list.extend_from_slice(&cert);
        let mut cbody = u24(list.len()).to_vec();
        cbody.extend_from_slice(&list);
        let mut msg = handshake_msg(2, &sh);
        msg.extend(handshake_msg(11, &cbody));
        let info = tlsight::probe::suite::cipher_suite(*suite)?;
        if info.export() {
            // A 512-bit temporary key (RSA modulus or DH prime), then the rest, unsigned.
            let mut ske = vec![0, 64];
            ske.push(0xC3);
            ske.extend_from_slice(&[0x5A; 63]);
            ske.extend_from_slice(&[0, 1, 2, 0, 1, 7, 0, 0]);
            msg.extend(handshake_msg(12, &ske));
        }
        msg.extend(handshake_msg(14, &[]));
        Some(Ok(wrap_records(22, v, &msg)))
    }
}

/// An SSLv2/SSLv3/TLS 1.0 box with RC4, 3DES, CBC, RSA_EXPORT and DEFLATE: every passive check
/// of the suites, CRIME, DROWN (same key as its TLS certificate) and FREAK from the enumeration.
#[test]
fn legacy_box_is_vulnerable_to_what_it_offers() {
    let addr = Legacy {
        versions: &[0x0300, 0x0301],
        suites: &[(0x002F, &[]), (0x0005, &[]), (0x000A, &[]), (0x0003, &[])],
        compress: true,
        sslv2: true,
        silent_on_export: false,
        reset_versions: &[],
    }
    .start();
    let r = run_audit(addr);
    for id in [
        "poodle", "beast", "lucky13", "sweet32", "rc4", "freak", "drown", "crime",
    ] {
        assert_eq!(verdict(&r, id), "vulnerable", "{id}\n{}", show(&r));
    }
    let drown = check(&r, "drown");
    assert!(
        drown.outcome.reason.contains("the TLS certificate's key"),
        "{}",
        show(&r)
    );
    // FREAK came from the enumeration: no probe of its own.
    let freak = check(&r, "freak");
    assert_eq!(freak.connections, 0);
    assert_eq!(verdict(&r, "logjam"), "not_vulnerable", "{}", show(&r));
    assert_eq!(verdict(&r, "secure_renegotiation"), "not_vulnerable");
    // The grade and the profiles follow.
    assert_eq!(r.grade.grade, "F");
    assert!(
        r.grade
            .caps
            .iter()
            .any(|c| c.contains("vulnerable to DROWN"))
    );
    assert!(r.mozilla.iter().all(|m| !m.compliant));
}

/// Export suites are offered by the enumeration only where they are defined (SSLv3, TLS 1.0);
/// this box picks them in TLS 1.2 too, which only the FREAK and Logjam probes ask.
#[test]
fn export_suites_in_tls12_are_found_by_one_probe_each() {
    let addr = Legacy {
        versions: &[0x0303],
        suites: &[(0x009C, &[]), (0x0003, &[]), (0x0014, &[])],
        compress: false,
        sslv2: false,
        silent_on_export: false,
        reset_versions: &[],
    }
    .start();
    let r = run_audit(addr);
    for id in ["freak", "logjam"] {
        let v = check(&r, id);
        assert_eq!(v.outcome.result.as_str(), "vulnerable", "{}", show(&r));
        assert_eq!(v.connections, 1, "{}", show(&r));
        assert!(
            v.outcome
                .evidence
                .as_deref()
                .unwrap_or("")
                .contains("512-bit"),
            "{}",
            show(&r)
        );
    }
    assert_clean(&r, &["freak", "logjam", "fallback_scsv"]);
    assert_eq!(r.grade.grade, "F");
}

/// A box that never answers a hello offering an export suite and resets SSLv3 and TLS 1.0
/// hellos: FREAK, Logjam, POODLE and BEAST cannot decide, and nothing is called vulnerable on
/// silence or resets.
#[test]
fn hostile_answers_are_inconclusive_never_vulnerable() {
    let addr = Legacy {
        versions: &[0x0303],
        suites: &[(0xC02F, &[]), (0x009C, &[])],
        compress: false,
        sslv2: false,
        silent_on_export: true,
        reset_versions: &[0x0300, 0x0301],
    }
    .start();
    let r = run_audit(addr);
    for id in ["freak", "logjam", "poodle", "beast"] {
        assert_eq!(verdict(&r, id), "inconclusive", "{id}\n{}", show(&r));
    }
    for v in &r.vulnerabilities {
        if MINE.contains(&v.info.id) {
            assert_ne!(v.outcome.result.as_str(), "vulnerable", "{}", show(&r));
        }
    }
}

/// A peer that accepts and never answers: the audit ends with its one-line error, no verdicts.
#[test]
fn silent_peer_ends_the_audit_without_verdicts() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in l.incoming().flatten() {
            held.push(s);
        }
    });
    let err = try_audit(addr).expect_err("nothing to audit");
    assert_eq!(err.code(), "no_answer");
}

// ---------------------------------------------------------------------------------------------
// Real servers.

fn dh1024() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tlsight-checks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("dh1024.pem");
    let ok = std::process::Command::new("openssl")
        .args(["dhparam", "-out"])
        .arg(&path)
        .arg("1024")
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap()
        .success();
    assert!(ok, "openssl dhparam");
    path
}

fn s_server(extra: &[&str]) -> OpensslServer {
    let cert = repo("certs/rsa2048.pem");
    let key = repo("certs/rsa2048.key");
    let mut args = vec![
        "-cert",
        cert.to_str().unwrap(),
        "-key",
        key.to_str().unwrap(),
    ];
    args.extend(extra);
    OpensslServer::start(&args)
}

/// openssl s_server, legacy shape: TLS 1.0-1.3, every suite OpenSSL 3 still has (anonymous DH
/// included), 1024-bit DH parameters of its own.
#[test]
fn openssl_legacy_shape() {
    let dh = dh1024();
    let srv = s_server(&[
        "-cipher",
        "ALL:@SECLEVEL=0",
        "-dhparam",
        dh.to_str().unwrap(),
    ]);
    let r = run_audit(srv.target().parse().unwrap());
    for id in ["beast", "lucky13", "logjam"] {
        assert_eq!(verdict(&r, id), "vulnerable", "{id}\n{}", show(&r));
    }
    // Our own 1024-bit prime (anonymous DH suites get it too), not a well-known one.
    let logjam = Some(check(&r, "logjam"));
    let evidence = logjam
        .and_then(|v| v.outcome.evidence.as_deref())
        .unwrap_or("");
    assert!(
        evidence.contains("1024-bit prime in TLSv1.0 (TLS_DHE_RSA_")
            && !evidence.contains("well-known"),
        "{}",
        show(&r)
    );
    // No export suite in OpenSSL 3: the DHE_EXPORT probe is not even needed (1024 decided),
    // FREAK's probe costs one connection and is refused. s_server serves one connection at a
    // time and the handshake checks (ROBOT's silences) run beside it with a 1.5 s read
    // timeout here, so the scheduler may retry that hello once.
    let freak = check(&r, "freak");
    assert_eq!(
        freak.outcome.result.as_str(),
        "not_vulnerable",
        "{}",
        show(&r)
    );
    assert!((1..=2).contains(&freak.connections), "{}", show(&r));
    assert_clean(&r, &["beast", "lucky13", "logjam"]);
}

/// Without DH parameters of its own, OpenSSL gives anonymous DH suites the 1024-bit RFC 2409
/// Oakley group 2, the prime the Logjam paper found most shared: named in the evidence.
#[test]
fn openssl_default_anonymous_dh_uses_a_well_known_1024_bit_prime() {
    let srv = s_server(&["-no_tls1_3", "-cipher", "ADH:@SECLEVEL=0"]);
    let r = run_audit(srv.target().parse().unwrap());
    let logjam = Some(check(&r, "logjam"));
    let evidence = logjam
        .and_then(|v| v.outcome.evidence.as_deref())
        .unwrap_or("");
    assert_eq!(verdict(&r, "logjam"), "vulnerable", "{}", show(&r));
    assert!(
        evidence.contains("(TLS_DH_anon_") && evidence.contains("RFC 2409 Oakley group 2"),
        "{}",
        show(&r)
    );
}

/// openssl s_server, intermediate shape (TLS 1.2-1.3, ECDHE AEAD): nothing.
#[test]
fn openssl_intermediate_shape_is_clean() {
    let srv = s_server(&[
        "-no_tls1",
        "-no_tls1_1",
        "-cipher",
        "ECDHE+AESGCM:ECDHE+CHACHA20",
    ]);
    let r = run_audit(srv.target().parse().unwrap());
    assert_clean(&r, &[]);
    assert_eq!(verdict(&r, "lucky13"), "not_vulnerable");
    assert_eq!(verdict(&r, "downgrade_sentinel"), "not_vulnerable");
    assert_eq!(verdict(&r, "breach"), "not_applicable");
}

/// openssl s_server, modern shape (TLS 1.3 only): nothing, and what needs TLS <= 1.2 says so.
#[test]
fn openssl_modern_shape_is_clean() {
    let srv = s_server(&["-tls1_3"]);
    let r = run_audit(srv.target().parse().unwrap());
    assert_clean(&r, &[]);
    assert_eq!(verdict(&r, "secure_renegotiation"), "not_applicable");
    assert_eq!(verdict(&r, "fallback_scsv"), "not_applicable");
}

#[test]
fn gnutls_serv_is_clean() {
    if !common::tool_ready("gnutls-serv", "TLSIGHT_NO_GNUTLS") {
        return;
    }
    let Some(srv) = GnutlsServer::start("NORMAL") else {
        return;
    };
    let r = run_audit(srv.addr);
    // GnuTLS NORMAL still has TLS 1.0 and CBC suites: the BEAST and Lucky13 exposures are real.
    assert_eq!(verdict(&r, "beast"), "vulnerable");
    assert_clean(&r, &["beast", "lucky13"]);
}

// ---------------------------------------------------------------------------------------------
// BREACH: an HTTPS server (rustls, ALPN http/1.1) answering GET / with or without gzip.

fn https_server(gzip: bool) -> SocketAddr {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(repo("certs/rsa2048-chain.pem"))
            .unwrap()
            .map(|c| c.unwrap())
            .collect();
    let key = PrivateKeyDer::from_pem_file(repo("certs/rsa2048.key")).unwrap();
    let mut cfg = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .unwrap();
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    let cfg = Arc::new(cfg);
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            let cfg = cfg.clone();
            std::thread::spawn(move || {
                let _ = s.set_read_timeout(Some(Duration::from_secs(3)));
                let Ok(conn) = rustls::ServerConnection::new(cfg) else {
                    return;
                };
                let mut tls = rustls::StreamOwned::new(conn, s);
                let mut req = Vec::new();
                let mut buf = [0u8; 2048];
                while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => req.extend_from_slice(&buf[..n]),
                    }
                }
                let asked = String::from_utf8_lossy(&req).to_ascii_lowercase();
                let enc = if gzip && asked.contains("accept-encoding: gzip") {
                    "Content-Encoding: gzip\r\n"
                } else {
                    ""
                };
                let _ = write!(
                    tls,
                    "HTTP/1.1 200 OK\r\n{enc}Content-Length: 0\r\nConnection: close\r\n\r\n"
                );
                let _ = tls.flush();
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    addr
}

#[test]
fn breach_is_found_on_a_gzip_https_server_and_not_on_a_plain_one() {
    let r = run_audit(https_server(true));
    let b = check(&r, "breach");
    assert_eq!(b.outcome.result.as_str(), "vulnerable", "{}", show(&r));
    assert_eq!(b.connections, 1);
    assert!(b.outcome.evidence.as_deref().unwrap_or("").contains("gzip"));
    // rustls in-process: nothing else.
    assert_clean(&r, &["breach"]);

    let r = run_audit(https_server(false));
    assert_eq!(verdict(&r, "breach"), "not_vulnerable", "{}", show(&r));
    assert_clean(&r, &[]);
}

/// The CLI: `--json` carries every field of every check; the text report has one aligned line
/// per check, and `--verbose` adds evidence and cost.
#[test]
fn cli_reports_vulnerabilities_in_json_and_text() {
    let srv = s_server(&[
        "-no_tls1",
        "-no_tls1_1",
        "-cipher",
        "ECDHE+AESGCM:AES128-SHA",
    ]);
    let (code, out, err) = common::run_tlsight(&["audit", "--json", &srv.target()]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let list = v["vulnerabilities"].as_array().unwrap();
    assert!(list.len() >= MINE.len());
    for c in list {
        for key in [
            "id",
            "title",
            "cve",
            "source",
            "method",
            "active",
            "result",
            "reason",
            "connections",
        ] {
            assert!(c.get(key).is_some(), "{key} missing in {c}");
        }
    }
    let lucky = list.iter().find(|c| c["id"] == "lucky13").unwrap();
    assert_eq!(lucky["result"], "vulnerable");
    assert!(
        lucky["evidence"]
            .as_str()
            .unwrap()
            .contains("TLS_RSA_WITH_AES_128_CBC_SHA")
    );
    let sum: u64 = list
        .iter()
        .map(|c| c["connections"].as_u64().unwrap())
        .sum();
    assert_eq!(v["check_connections"].as_u64().unwrap(), sum);

    let (code, out, _) = common::run_tlsight(&["audit", "--verbose", &srv.target()]);
    assert_eq!(code, 0);
    let section: Vec<&str> = out
        .lines()
        .skip_while(|l| *l != "Vulnerabilities")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    let line = section
        .iter()
        .find(|l| l.trim_start().starts_with("Lucky13"))
        .unwrap();
    assert!(
        line.contains("vulnerable") && line.contains("exposure"),
        "{line}"
    );
    // Verdicts start in one column.
    let col = |l: &str| {
        [
            "vulnerable",
            "not_vulnerable",
            "not_applicable",
            "inconclusive",
        ]
        .iter()
        .filter_map(|w| l.find(&format!(" {w} ")))
        .min()
    };
    let cols: Vec<usize> = section.iter().filter_map(|l| col(l)).collect();
    assert!(cols.len() >= MINE.len(), "{section:#?}");
    assert!(cols.windows(2).all(|w| w[0] == w[1]), "{section:#?}");
    assert!(section.iter().any(|l| l.contains("evidence: ")));
}
