//! The active vulnerability checks (probe::checks: heartbleed, ccs_injection, robot,
//! renegotiation_*, ticketbleed, early_data_0rtt, tls_poodle) against peers on loopback:
//! vulnerable servers built here on tlsight's wire codec (or a rustls server behind a
//! byte-level shim), real servers that must come out clean, and hostile peers that must give
//! `inconclusive`, never `vulnerable`.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tlsight::probe::checks::{self, Check, Context, Verdict, Vulnerability};
use tlsight::probe::report::SuiteResult;
use tlsight::probe::{AuditReport, Scheduler, Settings};
use tlsight::wire::handshake::ClientHello;
use tlsight::wire::read_record;

const CERTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/certs");

fn settings() -> Settings {
    Settings {
        connect_timeout: Duration::from_secs(3),
        read_timeout: Duration::from_secs(3),
        ..Settings::default()
    }
}

/// What the audit would have measured: TLS 1.2 with these suites, the heartbeat and ticket
/// extensions answered or not, TLS 1.3 or not.
fn measured(suites: &[u16], heartbeat: bool, ticket: bool, tls13: bool) -> AuditReport {
    let mut r = AuditReport::default();
    r.cipher_suite_details.insert(
        "TLSv1.2".into(),
        suites
            .iter()
            .map(|c| SuiteResult {
                code: format!("0x{c:04X}"),
                name: String::new(),
                rating: tlsight::suites::Rating::Secure,
                reasons: Vec::new(),
                flags: Vec::new(),
                key_exchange: None,
            })
            .collect(),
    );
    r.protocols.insert("TLSv1.2".into(), true);
    r.protocols.insert("TLSv1.3".into(), tls13);
    r.features.heartbeat = Some(heartbeat);
    r.features.session_ticket = Some(ticket);
    r
}

/// Runs one check against `addr` with `report` as the audit's measurements.
fn run(check: Check, addr: SocketAddr, report: &AuditReport) -> Vulnerability {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let s = Scheduler::new(addr, settings());
        let cx = Context {
            scheduler: &s,
            sni: None,
            report,
        };
        let mut v = checks::run_list(&[check], &cx).await;
        let v = v.remove(0);
        assert_eq!(v.connections, s.connections(), "cost counted: {v:?}");
        v
    })
}

fn expect(v: &Vulnerability, want: Verdict) {
    assert_eq!(
        v.outcome.result, want,
        "{}: {} ({:?})",
        v.info.id, v.outcome.reason, v.outcome.evidence
    );
}

// ---------------------------------------------------------------------------------------------
// A TLS 1.2 server's first flight on tlsight's codec, and the vulnerable behaviours after it.

const RSA_GCM: u16 = 0x009C; // TLS_RSA_WITH_AES_128_GCM_SHA256
const RSA_CBC: u16 = 0x002F; // TLS_RSA_WITH_AES_128_CBC_SHA

fn record(ct: u8, payload: &[u8]) -> Vec<u8> {
    let mut r = vec![ct, 3, 3];
    r.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    r.extend_from_slice(payload);
    r
}

fn handshake(typ: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![typ];
    m.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    m.extend_from_slice(body);
    m
}

/// Reads one record (header + fragment), `None` at EOF, timeout or garbage.
fn read_one(s: &mut TcpStream) -> Option<(u8, Vec<u8>)> {
    let mut h = [0u8; 5];
    s.read_exact(&mut h).ok()?;
    let len = u16::from_be_bytes([h[3], h[4]]) as usize;
    let mut f = vec![0u8; len];
    s.read_exact(&mut f).ok()?;
    Some((h[0], f))
}

fn read_client_hello(s: &mut TcpStream) -> Option<(ClientHello, Vec<u8>)> {
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let (ct, f) = read_one(s)?;
    if ct != 22 || f.first() != Some(&1) || f.len() < 4 {
        return None;
    }
    let raw = record(22, &f);
    Some((ClientHello::decode(&f[4..]).ok()?, raw))
}

fn chain() -> Vec<Vec<u8>> {
    CertificateDer::pem_file_iter(format!("{CERTS}/rsa2048-chain.pem"))
        .unwrap()
        .map(|c| c.unwrap().as_ref().to_vec())
        .collect()
}

/// ServerHello (the first suite of `prefer` the client offered; heartbeat and
/// renegotiation_info answered when offered), Certificate, ServerHelloDone.
fn first_flight(ch: &ClientHello, prefer: &[u16], heartbeat: bool) -> Option<Vec<u8>> {
    let suite = *prefer.iter().find(|s| ch.cipher_suites.contains(s))?;
    let mut exts = Vec::new();
    let offered = |t: u16| ch.extensions.iter().any(|e| e.typ == t);
    if offered(0xFF01) || ch.cipher_suites.contains(&0x00FF) {
        exts.extend_from_slice(&[0xFF, 0x01, 0, 1, 0]);
    }
    if heartbeat && offered(15) {
        exts.extend_from_slice(&[0, 15, 0, 1, 1]);
    }
    let mut sh = vec![3, 3];
    sh.extend_from_slice(&[0x42; 32]);
    sh.push(0);
    sh.extend_from_slice(&suite.to_be_bytes());
    sh.push(0);
    sh.extend_from_slice(&(exts.len() as u16).to_be_bytes());
    sh.extend_from_slice(&exts);
    let mut list = Vec::new();
    for c in chain() {
        list.extend_from_slice(&(c.len() as u32).to_be_bytes()[1..]);
        list.extend_from_slice(&c);
    }
    let mut cert = (list.len() as u32).to_be_bytes()[1..].to_vec();
    cert.extend_from_slice(&list);
    let mut out = record(22, &handshake(2, &sh));
    out.extend(record(22, &handshake(11, &cert)));
    out.extend(record(22, &handshake(14, &[])));
    Some(out)
}

fn serve(behaviour: fn(TcpStream)) -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            std::thread::spawn(move || behaviour(s));
        }
    });
    addr
}

/// Heartbleed: answers a heartbeat request with as many bytes as its payload_length claims,
/// copied from "memory" (what OpenSSL 1.0.1f's memcpy did).
fn heartbleed_server(mut s: TcpStream) {
    let Some((ch, _)) = read_client_hello(&mut s) else {
        return;
    };
    let Some(flight) = first_flight(&ch, &[RSA_GCM, RSA_CBC], true) else {
        return;
    };
    let _ = s.write_all(&flight);
    let memory: Vec<u8> = b"-----BEGIN RSA PRIVATE KEY----- session cookies, passwords... "
        .iter()
        .copied()
        .cycle()
        .take(1 << 16)
        .collect();
    while let Some((ct, f)) = read_one(&mut s) {
        if ct == 24 && f.len() >= 3 && f[0] == 1 {
            let claimed = u16::from_be_bytes([f[1], f[2]]) as usize;
            let mut answer = vec![2, f[1], f[2]];
            // The bug: the payload is copied for `claimed` bytes from where the request sat.
            let mut heap = f[3..].to_vec();
            heap.extend_from_slice(&memory);
            answer.extend_from_slice(&heap[..claimed]);
            answer.extend_from_slice(&[0u8; 16]);
            let _ = s.write_all(&record(24, &answer[..answer.len().min(16384 + 19)]));
        }
    }
}

/// CCS injection: an early ChangeCipherSpec is taken, and later records are treated as
/// protected under keys the client never derived (CVE-2014-0224's zero-length master secret).
fn ccs_server(mut s: TcpStream) {
    let Some((ch, _)) = read_client_hello(&mut s) else {
        return;
    };
    let Some(flight) = first_flight(&ch, &[RSA_GCM, RSA_CBC], false) else {
        return;
    };
    let _ = s.write_all(&flight);
    let mut keys_on = false;
    while let Some((ct, _)) = read_one(&mut s) {
        if ct == 20 && !keys_on {
            keys_on = true; // accepted silently, no unexpected_message
        } else if keys_on {
            let _ = s.write_all(&record(21, &[2, 20])); // cannot open: bad_record_mac
            return;
        } else {
            let _ = s.write_all(&record(21, &[2, 10]));
            return;
        }
    }
}

/// ROBOT: a ClientKeyExchange whose decryption does not start 0x00 0x02 gets handshake_failure
/// at once, any other waits for the Finished and then gets bad_record_mac (the strong
/// Bleichenbacher oracle of the paper). Raw RSA: the rsa crate's PKCS#1 decryption rejects
/// implicitly (Marvin countermeasure), which is exactly what a vulnerable server lacks.
fn robot_server(mut s: TcpStream) {
    use rsa::traits::PublicKeyParts;
    let key = tlsight::crypto::rsa_kx::load_private_key_file(std::path::Path::new(&format!(
        "{CERTS}/rsa2048.key"
    )))
    .unwrap();
    let Some((ch, _)) = read_client_hello(&mut s) else {
        return;
    };
    let Some(flight) = first_flight(&ch, &[RSA_GCM, RSA_CBC], false) else {
        return;
    };
    let _ = s.write_all(&flight);
    let Some((22, cke)) = read_one(&mut s) else {
        return;
    };
    if cke.len() < 6 || cke[0] != 16 {
        return;
    }
    let Ok(c) = rsa::BoxedUint::from_be_slice(&cke[6..], key.n().bits_precision()) else {
        return;
    };
    type NoRng = dyn rsa::rand_core::TryCryptoRng<Error = std::convert::Infallible>;
    let Ok(m) = rsa::hazmat::rsa_decrypt(None::<&mut NoRng>, &key, &c) else {
        return;
    };
    let m = m.to_be_bytes();
    let m = &m[m.len() - key.size()..];
    if m[..2] != [0, 2] {
        let _ = s.write_all(&record(21, &[2, 40]));
        return;
    }
    // Wait for ChangeCipherSpec and the Finished, which no key opens.
    let mut seen = 0;
    while let Some((ct, _)) = read_one(&mut s) {
        seen += 1;
        if ct == 22 || seen >= 2 {
            let _ = s.write_all(&record(21, &[2, 20]));
            return;
        }
    }
}

#[test]
fn heartbleed_leaking_server_is_vulnerable() {
    let addr = serve(heartbleed_server);
    let v = run(
        checks::heartbleed::CHECK,
        addr,
        &measured(&[RSA_GCM], true, false, false),
    );
    expect(&v, Verdict::Vulnerable);
    assert!(v.outcome.reason.contains("16403 bytes"), "{v:?}");
    assert_eq!(v.connections, 1);
    assert!(
        v.outcome
            .evidence
            .as_deref()
            .is_some_and(|e| e.contains("024000")),
        "{v:?}"
    );
}

#[test]
fn heartbleed_not_applicable_without_the_extension() {
    let addr = serve(ccs_server); // never answers the heartbeat extension
    let v = run(
        checks::heartbleed::CHECK,
        addr,
        &measured(&[RSA_GCM], false, false, false),
    );
    expect(&v, Verdict::NotApplicable);
    assert_eq!(v.connections, 0);
    // Measured as unknown: the ServerHello decides, on one connection.
    let mut report = measured(&[RSA_GCM], false, false, false);
    report.features.heartbeat = None;
    let v = run(checks::heartbleed::CHECK, addr, &report);
    expect(&v, Verdict::NotApplicable);
    assert_eq!(v.connections, 1);
}

#[test]
fn ccs_accepting_server_is_vulnerable() {
    let addr = serve(ccs_server);
    let v = run(
        checks::ccs_injection::CHECK,
        addr,
        &measured(&[RSA_GCM], false, false, false),
    );
    expect(&v, Verdict::Vulnerable);
    assert!(
        v.outcome
            .evidence
            .as_deref()
            .is_some_and(|e| e.contains("bad_record_mac")),
        "{v:?}"
    );
}

#[test]
fn robot_oracle_server_is_vulnerable_strong() {
    let addr = serve(robot_server);
    let v = run(
        checks::robot::CHECK,
        addr,
        &measured(&[RSA_GCM], false, false, false),
    );
    expect(&v, Verdict::Vulnerable);
    assert!(v.outcome.reason.starts_with("strong oracle"), "{v:?}");
    // Five messages, measured twice.
    assert_eq!(v.connections, 10);
    let e = v.outcome.evidence.unwrap_or_default();
    assert!(
        e.contains("wrong first bytes: fatal alert handshake_failure"),
        "{e}"
    );
    assert!(e.contains("correct: fatal alert bad_record_mac"), "{e}");
}

#[test]
fn robot_not_applicable_without_rsa_key_transport() {
    let addr = serve(robot_server);
    let v = run(
        checks::robot::CHECK,
        addr,
        &measured(&[0xC02F], false, false, false),
    );
    expect(&v, Verdict::NotApplicable);
    assert_eq!(v.connections, 0);
}

// ---------------------------------------------------------------------------------------------
// Ticketbleed: a rustls TLS 1.2 server with tickets behind a shim that, on a resumption with a
// ticket and a short session id, pads the echoed id to 32 bytes with "memory" (F5's bug).

fn rustls_server_config(tls13: bool, early_data: u32) -> Arc<rustls::ServerConfig> {
    let versions: &[&rustls::SupportedProtocolVersion] = if tls13 {
        &[&rustls::version::TLS13]
    } else {
        &[&rustls::version::TLS12]
    };
    rustls_server_config_for(versions, early_data)
}

fn rustls_server_config_for(
    versions: &[&'static rustls::SupportedProtocolVersion],
    early_data: u32,
) -> Arc<rustls::ServerConfig> {
    let tls13 = versions.contains(&&rustls::version::TLS13);
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(format!("{CERTS}/rsa2048-chain.pem"))
            .unwrap()
            .map(|c| c.unwrap())
            .collect();
    let key = PrivateKeyDer::from_pem_file(format!("{CERTS}/rsa2048.key")).unwrap();
    let mut cfg = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(versions)
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    if !tls13 || early_data == 0 {
        // TLS 1.2 tickets for Ticketbleed; TLS 1.3 0-RTT needs rustls' stateful resumption.
        cfg.ticketer = rustls::crypto::ring::Ticketer::new().unwrap();
    }
    cfg.max_early_data_size = early_data;
    cfg.send_tls13_tickets = 2;
    Arc::new(cfg)
}

/// Runs a rustls server connection over `s`, `first` being bytes already read from it.
fn rustls_serve(cfg: Arc<rustls::ServerConfig>, mut s: TcpStream, first: &[u8]) {
    let Ok(mut conn) = rustls::ServerConnection::new(cfg) else {
        return;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let mut first = first;
    // An empty read would count as the peer's EOF.
    if !first.is_empty()
        && (conn.read_tls(&mut first).is_err() || conn.process_new_packets().is_err())
    {
        return;
    }
    let mut buf = [0u8; 4096];
    loop {
        while conn.wants_write() {
            if conn.write_tls(&mut s).is_err() {
                return;
            }
        }
        match conn.read_tls(&mut s) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        if conn.process_new_packets().is_err() {
            let _ = conn.write_tls(&mut s);
            return;
        }
        if let Some(mut early) = conn.early_data() {
            let _ = early.read(&mut buf);
        }
        while let Ok(n) = conn.reader().read(&mut buf) {
            if n == 0 {
                break;
            }
        }
    }
}

fn ticketbleed_shim(mut s: TcpStream) {
    static CFG: std::sync::OnceLock<Arc<rustls::ServerConfig>> = std::sync::OnceLock::new();
    let cfg = CFG.get_or_init(|| rustls_server_config(false, 0)).clone();
    let Some((ch, raw)) = read_client_hello(&mut s) else {
        return;
    };
    let ticket = ch
        .extensions
        .iter()
        .any(|e| e.typ == 35 && !e.raw.is_empty());
    if !(ticket && ch.session_id.len() < 32) {
        return rustls_serve(cfg, s, &raw);
    }
    // The resumption: let rustls answer, then rewrite its ServerHello's session id.
    let Ok(mut conn) = rustls::ServerConnection::new(cfg) else {
        return;
    };
    let mut input = &raw[..];
    if conn.read_tls(&mut input).is_err() || conn.process_new_packets().is_err() {
        return;
    }
    let mut out = Vec::new();
    while conn.wants_write() {
        if conn.write_tls(&mut out).is_err() {
            return;
        }
    }
    let Ok(Some(rec)) = read_record(&out, 0) else {
        return;
    };
    let (frag, used) = (rec.fragment.to_vec(), rec.wire_len());
    if frag.first() != Some(&2) || frag.len() < 39 {
        return;
    }
    let body_len = u32::from_be_bytes([0, frag[1], frag[2], frag[3]]) as usize;
    let body = &frag[4..4 + body_len];
    let old = body[34] as usize;
    let mut sid = ch.session_id.clone();
    sid.extend_from_slice(b"\xde\xad\xbe\xefLEAKED-MEMORY-BYTES-FROM-F5-BIGIP");
    sid.truncate(32);
    let mut nb = body[..34].to_vec();
    nb.push(32);
    nb.extend_from_slice(&sid);
    nb.extend_from_slice(&body[35 + old..]);
    let mut nf = handshake(2, &nb);
    nf.extend_from_slice(&frag[4 + body_len..]);
    let mut reply = record(22, &nf);
    reply.extend_from_slice(&out[used..]);
    let _ = s.write_all(&reply);
    std::thread::sleep(Duration::from_millis(200));
}

#[test]
fn ticketbleed_echoing_server_is_vulnerable() {
    let addr = serve(ticketbleed_shim);
    let v = run(
        checks::ticketbleed::CHECK,
        addr,
        &measured(&[0xC02F], false, true, false),
    );
    expect(&v, Verdict::Vulnerable);
    assert_eq!(v.connections, 2);
    let e = v.outcome.evidence.unwrap_or_default();
    assert!(e.contains("deadbeef"), "{e}");
}

#[test]
fn ticketbleed_clean_on_rustls_and_not_applicable_without_tickets() {
    static CFG: std::sync::OnceLock<Arc<rustls::ServerConfig>> = std::sync::OnceLock::new();
    fn plain(mut s: TcpStream) {
        let cfg = CFG.get_or_init(|| rustls_server_config(false, 0)).clone();
        if let Some((_, raw)) = read_client_hello(&mut s) {
            rustls_serve(cfg, s, &raw);
        }
    }
    let addr = serve(plain);
    let v = run(
        checks::ticketbleed::CHECK,
        addr,
        &measured(&[0xC02F], false, true, false),
    );
    expect(&v, Verdict::NotVulnerable);
    let v = run(
        checks::ticketbleed::CHECK,
        addr,
        &measured(&[0xC02F], false, false, false),
    );
    expect(&v, Verdict::NotApplicable);
}

// ---------------------------------------------------------------------------------------------
// 0-RTT: rustls with max_early_data_size accepts early data; without it the tickets allow none.

#[test]
fn early_data_accepted_by_rustls_is_reported_as_exposure() {
    static ED: std::sync::OnceLock<Arc<rustls::ServerConfig>> = std::sync::OnceLock::new();
    static NO: std::sync::OnceLock<Arc<rustls::ServerConfig>> = std::sync::OnceLock::new();
    fn with_0rtt(s: TcpStream) {
        rustls_serve(
            ED.get_or_init(|| rustls_server_config(true, 16384)).clone(),
            s,
            &[],
        );
    }
    fn without(s: TcpStream) {
        rustls_serve(
            NO.get_or_init(|| rustls_server_config(true, 0)).clone(),
            s,
            &[],
        );
    }
    let report = measured(&[], false, false, true);
    let v = run(checks::early_data_0rtt::CHECK, serve(with_0rtt), &report);
    expect(&v, Verdict::Vulnerable);
    assert!(v.outcome.reason.contains("replay"), "{v:?}");
    assert!(
        v.outcome
            .evidence
            .as_deref()
            .is_some_and(|e| e.contains("max_early_data_size 16384") && e.contains("resumed")),
        "{v:?}"
    );
    assert_eq!(v.connections, 2);
    let v = run(checks::early_data_0rtt::CHECK, serve(without), &report);
    expect(&v, Verdict::NotVulnerable);
    let v = run(
        checks::early_data_0rtt::CHECK,
        serve(without),
        &measured(&[0xC02F], false, false, false),
    );
    expect(&v, Verdict::NotApplicable);
}

// ---------------------------------------------------------------------------------------------
// Hostile peers: silent, reset, garbage. Never `vulnerable`; `inconclusive` where a probe ran.

fn silent(mut s: TcpStream) {
    common::read_hello(&mut s);
    std::thread::sleep(Duration::from_secs(8));
}

fn reset(mut s: TcpStream) {
    // Closing with unread bytes in the receive buffer makes the kernel send a RST.
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let mut b = [0u8; 5];
    let _ = s.read_exact(&mut b);
    std::thread::sleep(Duration::from_millis(50));
}

fn garbage(s: TcpStream) {
    common::reply(s, b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
}

#[test]
fn hostile_peers_are_inconclusive() {
    let report = measured(&[RSA_GCM, RSA_CBC, 0xC02F], true, true, true);
    let list = [
        checks::heartbleed::CHECK,
        checks::ccs_injection::CHECK,
        checks::robot::CHECK,
        checks::renegotiation_insecure::CHECK,
        checks::renegotiation_client_initiated::CHECK,
        checks::ticketbleed::CHECK,
        checks::early_data_0rtt::CHECK,
        checks::tls_poodle::CHECK,
    ];
    for (name, peer) in [
        ("reset", reset as fn(TcpStream)),
        ("garbage", garbage),
        ("silent", silent),
    ] {
        let addr = serve(peer);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let got = rt.block_on(async {
            let s = Scheduler::new(addr, settings());
            let cx = Context {
                scheduler: &s,
                sni: None,
                report: &report,
            };
            checks::run_list(&list, &cx).await
        });
        for v in got {
            assert_eq!(
                v.outcome.result,
                Verdict::Inconclusive,
                "{name} peer, {}: {} ({:?})",
                v.info.id,
                v.outcome.reason,
                v.outcome.evidence
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Real servers through the whole audit (`audit_addr` runs every check): no false positives.

use Verdict::{Inconclusive, NotApplicable as NA, NotVulnerable as OK, Vulnerable as VULN};
use std::collections::BTreeMap;

const MINE: [&str; 8] = [
    "heartbleed",
    "ccs_injection",
    "robot",
    "renegotiation_insecure",
    "renegotiation_client_initiated",
    "ticketbleed",
    "early_data_0rtt",
    "tls_poodle",
];

/// The verdicts of this file's checks in a full audit of `addr`, checked against `want`
/// (in [`MINE`] order); the checks' connections stay well within half the audit's.
fn audit_expect(addr: SocketAddr, want: [Verdict; 8]) -> AuditReport {
    use tlsight::probe::scan::{AuditOptions, audit_addr};
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let report = rt
        .block_on(audit_addr(addr, addr.to_string(), AuditOptions::default()))
        .expect("audit");
    let got: BTreeMap<&str, &Vulnerability> = report
        .vulnerabilities
        .iter()
        .map(|v| (v.info.id, v))
        .collect();
    let mut mine_cost = 0;
    for (id, want) in MINE.iter().zip(want) {
        let v = got
            .get(id)
            .unwrap_or_else(|| panic!("{id} missing from the audit"));
        assert_ne!(v.outcome.result, Inconclusive, "{id}: {:?}", v.outcome);
        assert_eq!(v.outcome.result, want, "{id}: {:?}", v.outcome);
        mine_cost += v.connections;
    }
    assert!(
        mine_cost * 2 <= report.connections - report.check_connections,
        "these checks cost {mine_cost} of {} connections",
        report.connections
    );
    report
}

#[test]
fn openssl_legacy_with_client_renegotiation_is_exactly_that() {
    let s = common::test_pki_server(&["-cipher", "ALL:@SECLEVEL=0", "-client_renegotiation"]);
    let addr: SocketAddr = s.target().parse().unwrap();
    audit_expect(addr, [NA, OK, OK, OK, VULN, OK, OK, OK]);
}

#[test]
fn openssl_legacy_renegotiation_is_insecure_renegotiation() {
    let s = common::test_pki_server(&["-legacy_renegotiation", "-client_renegotiation"]);
    let addr: SocketAddr = s.target().parse().unwrap();
    let v = run(
        checks::renegotiation_insecure::CHECK,
        addr,
        &measured(&[0xC02F], false, false, false),
    );
    expect(&v, Verdict::Vulnerable);
    assert_eq!(v.connections, 1);
}

#[test]
fn openssl_intermediate_and_modern_are_clean() {
    let s = common::test_pki_server(&[
        "-no_tls1",
        "-no_tls1_1",
        "-cipher",
        "ECDHE+AESGCM:ECDHE+CHACHA20",
    ]);
    audit_expect(
        s.target().parse().unwrap(),
        [NA, OK, NA, OK, OK, OK, OK, NA],
    );
    let s = common::test_pki_server(&["-tls1_3"]);
    audit_expect(
        s.target().parse().unwrap(),
        [NA, NA, NA, NA, NA, NA, OK, NA],
    );
}

/// GnuTLS with heartbeats on: Heartbleed is tested for real (and refused); GnuTLS accepts a
/// client-initiated secure renegotiation by default, which is what the check must say.
#[test]
fn gnutls_with_heartbeat_is_clean_but_renegotiates() {
    if !common::tool_ready("gnutls-serv", "TLSIGHT_NO_GNUTLS") {
        return;
    }
    let g = common::GnutlsServer::start_with("NORMAL", &["--heartbeat"]).expect("gnutls-serv");
    audit_expect(g.addr, [OK, OK, OK, OK, VULN, OK, OK, OK]);
}

/// nginx with its shipped TLS defaults (Debian 12's 1.22: TLS 1.0-1.2, `HIGH:!aNULL:!MD5`): no
/// check says vulnerable except the CBC exposures its defaults really carry (BEAST: CBC in TLS
/// 1.0; Lucky13: CBC suites), and nginx refuses client-initiated renegotiation.
/// Whether the nginx build speaks TLS 1.3 by default (1.23.4 and later do).
fn report_has_tls13(n: &common::daemon::Daemon) -> bool {
    let out = std::process::Command::new("openssl")
        .args(["s_client", "-tls1_3", "-connect", &n.target()])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("openssl s_client");
    String::from_utf8_lossy(&out.stdout).contains("TLSv1.3")
}

#[test]
fn nginx_is_clean() {
    let Some(n) = common::daemon::nginx() else {
        return;
    };
    let tls13 = report_has_tls13(&n);
    let early = if tls13 { OK } else { NA };
    let report = audit_expect(n.addr(), [NA, OK, OK, OK, OK, OK, early, OK]);
    for v in &report.vulnerabilities {
        if !matches!(v.info.id, "lucky13" | "beast") {
            assert_ne!(
                v.outcome.result,
                Verdict::Vulnerable,
                "{}: {:?}",
                v.info.id,
                v.outcome
            );
        }
        assert_ne!(
            v.outcome.result, Inconclusive,
            "{}: {:?}",
            v.info.id, v.outcome
        );
    }
}

#[test]
fn rustls_is_clean() {
    static CFG: std::sync::OnceLock<Arc<rustls::ServerConfig>> = std::sync::OnceLock::new();
    fn both(mut s: TcpStream) {
        let cfg = CFG
            .get_or_init(|| {
                rustls_server_config_for(&[&rustls::version::TLS13, &rustls::version::TLS12], 0)
            })
            .clone();
        if let Some((_, raw)) = read_client_hello(&mut s) {
            rustls_serve(cfg, s, &raw);
        }
    }
    audit_expect(serve(both), [NA, OK, NA, OK, OK, OK, OK, NA]);
}

/// OpenSSL with `-early_data`: a real server whose tickets allow 0-RTT and that accepts it.
#[test]
fn openssl_with_early_data_accepts_0rtt() {
    let (cert, key) = (
        format!("{CERTS}/rsa2048.pem"),
        format!("{CERTS}/rsa2048.key"),
    );
    let s = common::OpensslServer::start(&[
        "-cert",
        &cert,
        "-key",
        &key,
        "-early_data",
        "-max_early_data",
        "16384",
    ]);
    let v = run(
        checks::early_data_0rtt::CHECK,
        s.target().parse().unwrap(),
        &measured(&[], false, false, true),
    );
    expect(&v, Verdict::Vulnerable);
    assert!(
        v.outcome
            .evidence
            .as_deref()
            .is_some_and(|e| e.contains("max_early_data_size 16384")),
        "{v:?}"
    );
}
