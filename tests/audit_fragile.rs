//! A deliberately fragile TLS 1.2 server on 127.0.0.1 that drops any hello over 300 bytes
//! (like the stacks sslscan falls back for) and otherwise accepts only
//! TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: the audit must retry with compact hellos and still find
//! exactly that suite.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tlsight::probe::scan::{AuditOptions, audit_addr};
use tlsight::wire::builder::wrap_records;
use tlsight::wire::extensions::ExtensionValue;
use tlsight::wire::handshake::ClientHello;

fn answer(hello: &[u8]) -> Option<Vec<u8>> {
    if hello.first() != Some(&22) || hello.len() > 300 {
        return None; // drop: close without a word
    }
    let body = hello.get(9..)?;
    let ch = ClientHello::decode(body).ok()?;
    let offers13 = ch.extensions.iter().any(|e| {
        matches!(&e.value, ExtensionValue::SupportedVersions { versions } if versions.contains(&0x0304))
    });
    if ch.legacy_version != 0x0303 || offers13 {
        return Some(vec![21, 3, 3, 0, 2, 2, 70]);
    }
    if !ch.cipher_suites.contains(&0xC02F) {
        return Some(vec![21, 3, 3, 0, 2, 2, 40]);
    }
    Some(server_hello_c02f())
}

/// Serves one reply per connection, computed by `answer` from the first record.
fn serve(
    answer: fn(&[u8]) -> Option<Vec<u8>>,
) -> (SocketAddr, Arc<AtomicBool>, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let server = std::thread::spawn(move || {
        listener.set_nonblocking(true).unwrap();
        while !stop2.load(Ordering::Relaxed) {
            let Ok((mut sock, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(2));
                continue;
            };
            sock.set_nonblocking(false).unwrap();
            let got = read_record(&mut sock, Duration::from_millis(500));
            if let Some(reply) = answer(&got) {
                let _ = sock.write_all(&reply);
            }
        }
    });
    (addr, stop, server)
}

fn server_hello_c02f() -> Vec<u8> {
    let mut sh = vec![3, 3];
    sh.extend_from_slice(&[0x42; 32]);
    sh.push(0);
    sh.extend_from_slice(&[0xC0, 0x2F, 0]);
    sh.extend_from_slice(&[0, 5, 0xFF, 0x01, 0, 1, 0]); // renegotiation_info
    let mut msg = vec![2, 0, 0, sh.len() as u8];
    msg.extend_from_slice(&sh);
    msg.extend_from_slice(&[14, 0, 0, 0]); // ServerHelloDone
    wrap_records(22, 0x0303, &msg)
}

/// A TLS 1.2 server that answers every TLS 1.2 hello with the same suite, offered or not.
fn stubborn(hello: &[u8]) -> Option<Vec<u8>> {
    let ch = ClientHello::decode(hello.get(9..)?).ok()?;
    let offers13 = ch.extensions.iter().any(|e| {
        matches!(&e.value, ExtensionValue::SupportedVersions { versions } if versions.contains(&0x0304))
    });
    if ch.legacy_version != 0x0303 || offers13 {
        return Some(vec![21, 3, 3, 0, 2, 2, 70]);
    }
    Some(server_hello_c02f())
}

#[test]
fn server_that_ignores_the_offer_is_flagged() {
    let (addr, stop, server) = serve(stubborn);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let r = rt
        .block_on(audit_addr(addr, addr.to_string(), AuditOptions::default()))
        .unwrap();
    stop.store(true, Ordering::Relaxed);
    server.join().unwrap();
    assert_eq!(
        r.cipher_suites.get("TLSv1.2"),
        Some(&vec!["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256".to_string()])
    );
    assert!(
        r.findings.iter().any(|f| f.id == "ignores_offer"),
        "{:?}",
        r.findings
    );
}

#[test]
fn compact_retry_finds_the_suite_on_a_server_that_drops_big_hellos() {
    let (addr, stop, server) = serve(answer);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let r = rt
        .block_on(audit_addr(addr, addr.to_string(), AuditOptions::default()))
        .unwrap();
    stop.store(true, Ordering::Relaxed);
    server.join().unwrap();
    assert_eq!(
        r.cipher_suites.get("TLSv1.2"),
        Some(&vec!["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256".to_string()])
    );
    assert!(r.protocols["TLSv1.2"]);
    for v in ["SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.3"] {
        assert!(!r.protocols[v], "{v}");
    }
    let tls10 = r
        .protocol_details
        .iter()
        .find(|d| d.version == "TLSv1.0")
        .unwrap();
    assert!(
        tls10.detail.contains("protocol_version"),
        "{}",
        tls10.detail
    );
    assert_eq!(r.features.secure_renegotiation, Some(true));
}

/// A server that accepts and then never says a word: the audit must end at the read timeout
/// (one round, two lone retries, then no more retries) and say there was nothing to audit.
#[test]
fn silent_server_times_out_cleanly() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let held = Arc::new(std::sync::Mutex::new(Vec::new()));
    let held2 = held.clone();
    std::thread::spawn(move || {
        for s in listener.incoming().flatten() {
            held2.lock().unwrap().push(s);
        }
    });
    let opts = AuditOptions {
        settings: tlsight::probe::Settings {
            read_timeout: Duration::from_millis(300),
            connect_timeout: Duration::from_millis(300),
            max_connections: 8,
            delay: Duration::ZERO,
            tap: None,
        },
        ..Default::default()
    };
    let t = std::time::Instant::now();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let err = rt
        .block_on(audit_addr(addr, addr.to_string(), opts))
        .unwrap_err();
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    assert_eq!(err.code(), "no_answer", "{err}");
    assert!(err.to_string().contains("no answer within 0.3 s"), "{err}");
}

/// A plain-text server (HTTP): not TLS, nothing to audit.
#[test]
fn http_server_is_not_tls() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut s in listener.incoming().flatten() {
            let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        }
    });
    let rt = tokio::runtime::Runtime::new().unwrap();
    let err = rt
        .block_on(audit_addr(addr, addr.to_string(), AuditOptions::default()))
        .unwrap_err();
    assert_eq!(err.code(), "not_tls", "{err}");
    assert!(err.to_string().contains("HTTP"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Fragile servers: what a careful audit (one connection at a time) finds, the default audit must
// find too.

/// What a fake TLS 1.2 server does with one hello.
#[derive(Clone, Copy)]
enum Act {
    Reply(&'static [u8]),
    Hello(u16),
    /// Close without a word.
    Drop,
    /// Say nothing until the client gives up.
    Stall,
}

/// A TLS 1.2 server on our codec: `accept` in server order; TLS 1.3 and other versions get a
/// protocol_version alert, no suite in common a handshake_failure alert, SSLv2 a close.
/// `drops`: the suite it selects and cannot serve (it drops the connection).
/// `stall_when_busy`: it says nothing while another connection is open.
struct Fake {
    accept: &'static [u16],
    drops: Option<u16>,
    stall_when_busy: bool,
    /// Hellos at this legacy version get no answer at all.
    ignores_version: Option<u16>,
}

impl Fake {
    fn act(&self, hello: &[u8], busy: bool) -> Act {
        if hello.first().is_some_and(|b| b & 0x80 != 0) {
            return Act::Drop;
        }
        let Some(ch) = hello.get(9..).and_then(|b| ClientHello::decode(b).ok()) else {
            return Act::Drop;
        };
        if (self.stall_when_busy && busy) || self.ignores_version == Some(ch.legacy_version) {
            return Act::Stall;
        }
        let offers13 = ch.extensions.iter().any(|e| {
            matches!(&e.value, ExtensionValue::SupportedVersions { versions } if versions.contains(&0x0304))
        });
        if ch.legacy_version != 0x0303 || offers13 {
            return Act::Reply(&[21, 3, 3, 0, 2, 2, 70]);
        }
        match self.accept.iter().find(|c| ch.cipher_suites.contains(c)) {
            Some(c) if Some(*c) == self.drops => Act::Drop,
            Some(c) => Act::Hello(*c),
            None => Act::Reply(&[21, 3, 3, 0, 2, 2, 40]),
        }
    }

    /// Serves on 127.0.0.1, one thread per connection, until the test process ends.
    fn start(self) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let fake = Arc::new(self);
        let open = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        std::thread::spawn(move || {
            for mut sock in listener.incoming().flatten() {
                let fake = fake.clone();
                let open = open.clone();
                open.fetch_add(1, Ordering::SeqCst);
                std::thread::spawn(move || {
                    let got = read_record(&mut sock, Duration::from_secs(2));
                    // Connections the client has just closed may not be counted out yet.
                    let mut busy = open.load(Ordering::SeqCst) > 1;
                    for _ in 0..10 {
                        if !busy {
                            break;
                        }
                        std::thread::sleep(Duration::from_millis(5));
                        busy = open.load(Ordering::SeqCst) > 1;
                    }
                    match fake.act(&got, busy) {
                        Act::Reply(b) => {
                            let _ = sock.write_all(b);
                        }
                        Act::Hello(c) => {
                            let _ = sock.write_all(&server_hello(c));
                        }
                        Act::Drop => {
                            open.fetch_sub(1, Ordering::SeqCst);
                            return;
                        }
                        Act::Stall => {}
                    }
                    // Hold the connection until the client is done with it.
                    let _ = sock.set_read_timeout(Some(Duration::from_secs(10)));
                    let mut b = [0u8; 1024];
                    while matches!(sock.read(&mut b), Ok(n) if n > 0) {}
                    open.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        addr
    }
}

/// Reads one whole record (its header says how long), or an SSLv2 hello's first bytes.
fn read_record(sock: &mut std::net::TcpStream, timeout: Duration) -> Vec<u8> {
    let _ = sock.set_read_timeout(Some(timeout));
    let mut buf = vec![0u8; 4096];
    let mut got = Vec::new();
    while got.len() < 5 || got.len() < 5 + u16::from_be_bytes([got[3], got[4]]) as usize {
        match sock.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
        if got.first().is_some_and(|b| b & 0x80 != 0) {
            break; // SSLv2
        }
    }
    got
}

fn server_hello(suite: u16) -> Vec<u8> {
    let mut sh = vec![3, 3];
    sh.extend_from_slice(&[0x42; 32]);
    sh.push(0);
    sh.extend_from_slice(&suite.to_be_bytes());
    sh.push(0);
    sh.extend_from_slice(&[0, 5, 0xFF, 0x01, 0, 1, 0]); // renegotiation_info
    let mut msg = vec![2, 0, 0, sh.len() as u8];
    msg.extend_from_slice(&sh);
    msg.extend_from_slice(&[14, 0, 0, 0]); // ServerHelloDone
    wrap_records(22, 0x0303, &msg)
}

fn run_audit(addr: SocketAddr, max_connections: usize) -> tlsight::probe::AuditReport {
    let opts = AuditOptions {
        settings: tlsight::probe::Settings {
            read_timeout: Duration::from_millis(1000),
            connect_timeout: Duration::from_millis(1000),
            max_connections,
            delay: Duration::ZERO,
            tap: None,
        },
        ..Default::default()
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(audit_addr(addr, addr.to_string(), opts))
        .unwrap()
}

/// The report as JSON without what depends on the path taken (cost, throttling).
fn findings_only(r: &tlsight::probe::AuditReport) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_str(&tlsight::report::to_json(r)).unwrap();
    let o = v.as_object_mut().unwrap();
    for k in ["connections", "elapsed_ms", "throttled", "retried"] {
        o.remove(k);
    }
    v
}

const ECDHE_RSA_AES128_GCM: u16 = 0xC02F;
const ECDHE_RSA_AES256_GCM: u16 = 0xC030;
const DHE_RSA_AES128_GCM: u16 = 0x009E;
const RSA_AES128_GCM: u16 = 0x009C;

/// A server that says nothing while another connection is open: the default audit (5 at once)
/// must back off, retry, report that it did, and end with the careful audit's answer.
#[test]
fn server_that_stalls_under_concurrency_gets_the_careful_answer() {
    let addr = Fake {
        accept: &[ECDHE_RSA_AES256_GCM, ECDHE_RSA_AES128_GCM, RSA_AES128_GCM],
        drops: None,
        stall_when_busy: true,
        ignores_version: None,
    }
    .start();
    let careful = run_audit(addr, 1);
    assert!(!careful.throttled);
    assert_eq!(
        careful.cipher_suites.get("TLSv1.2").map(Vec::len),
        Some(3),
        "{:?}",
        careful.protocol_details
    );
    let default = run_audit(addr, 5);
    assert!(default.throttled, "{:?}", default.protocol_details);
    assert!(default.retried > 0);
    assert_eq!(findings_only(&default), findings_only(&careful));
    // Nothing called refused on a timeout: every version has an explicit answer.
    for d in &default.protocol_details {
        assert_ne!(
            d.status,
            tlsight::probe::report::ProtocolStatus::NoAnswer,
            "{d:?}"
        );
    }
    assert_eq!(
        default.cipher_suites["TLSv1.2"],
        vec![
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_RSA_WITH_AES_128_GCM_SHA256"
        ]
    );
}

/// A server that prefers a suite it cannot serve and drops the connection whenever it would
/// pick it: the suite is isolated and reported, the others are still found.
#[test]
fn suite_that_drops_the_connection_is_isolated() {
    let addr = Fake {
        accept: &[
            DHE_RSA_AES128_GCM,
            ECDHE_RSA_AES256_GCM,
            ECDHE_RSA_AES128_GCM,
        ],
        drops: Some(DHE_RSA_AES128_GCM),
        stall_when_busy: false,
        ignores_version: None,
    }
    .start();
    let r = run_audit(addr, 5);
    assert!(r.protocols["TLSv1.2"], "{:?}", r.protocol_details);
    assert_eq!(
        r.cipher_suites["TLSv1.2"],
        vec![
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
        ]
    );
    assert_eq!(
        r.dropped_suites.get("TLSv1.2"),
        Some(&vec!["TLS_DHE_RSA_WITH_AES_128_GCM_SHA256".to_string()])
    );
    assert!(
        r.findings.iter().any(|f| f.id == "suite_drops_connection"
            && f.message.contains("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256")),
        "{:?}",
        r.findings
    );
    // Isolating one suite among a version's candidates costs a few hellos, not one per suite.
    assert!(r.connections < 60, "{} connections", r.connections);
}

/// A server that never answers TLS 1.0 hellos: TLS 1.0 is "no answer", not "refused", and the
/// report says the audit could not tell.
#[test]
fn a_version_without_an_answer_is_not_called_refused() {
    let addr = Fake {
        accept: &[ECDHE_RSA_AES128_GCM],
        drops: None,
        stall_when_busy: false,
        ignores_version: Some(0x0301),
    }
    .start();
    let r = run_audit(addr, 5);
    use tlsight::probe::report::ProtocolStatus;
    let status = |v: &str| {
        r.protocol_details
            .iter()
            .find(|d| d.version == v)
            .map(|d| (d.status, d.detail.clone()))
            .unwrap()
    };
    assert_eq!(
        status("TLSv1.0").0,
        ProtocolStatus::NoAnswer,
        "{:?}",
        status("TLSv1.0")
    );
    assert!(status("TLSv1.0").1.contains("no answer"));
    assert_eq!(status("TLSv1.1").0, ProtocolStatus::Refused);
    assert_eq!(status("TLSv1.2").0, ProtocolStatus::Accepted);
    assert!(!r.protocols["TLSv1.0"]);
    assert!(
        r.findings
            .iter()
            .any(|f| f.id == "no_answer" && f.message.starts_with("TLSv1.0:")),
        "{:?}",
        r.findings
    );
    // TLS 1.0 may be enabled: no profile that forbids it can be met.
    for m in &r.mozilla {
        let flagged = m
            .failures
            .iter()
            .any(|f| f == "TLSv1.0 got no answer: cannot confirm it is disabled");
        assert_eq!(flagged, m.profile != "old", "{m:?}");
        if m.profile != "old" {
            assert!(!m.compliant);
        }
    }
    // The retry of the silent version went one connection at a time.
    assert!(r.throttled && r.retried >= 1);
}

/// The same stalling server, which also never answers TLS 1.0 hellos: the first lone retry is
/// that TLS 1.0 hello (the SSLv3 probe, first to time out, waits for the back-off and queues
/// last), and its silence must not make the audit give up on the others.
#[test]
fn stalling_server_that_ignores_one_version_is_still_audited() {
    let addr = Fake {
        accept: &[ECDHE_RSA_AES256_GCM, ECDHE_RSA_AES128_GCM],
        drops: None,
        stall_when_busy: true,
        ignores_version: Some(0x0301),
    }
    .start();
    let default = run_audit(addr, 5);
    assert!(default.throttled);
    assert_eq!(
        default.cipher_suites.get("TLSv1.2").map(Vec::len),
        Some(2),
        "{:?}",
        default.protocol_details
    );
    let tls10 = &default.protocol_details[2];
    assert_eq!(tls10.version, "TLSv1.0");
    assert_eq!(
        tls10.status,
        tlsight::probe::report::ProtocolStatus::NoAnswer,
        "{tls10:?}"
    );
    assert_eq!(findings_only(&default), findings_only(&run_audit(addr, 1)));
}
