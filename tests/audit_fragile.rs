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
            sock.set_read_timeout(Some(Duration::from_millis(500)))
                .unwrap();
            let mut buf = vec![0u8; 4096];
            let mut got = Vec::new();
            // Read one whole record (header says how long).
            while got.len() < 5 || got.len() < 5 + u16::from_be_bytes([got[3], got[4]]) as usize {
                match sock.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                }
                if got.first().is_some_and(|b| b & 0x80 != 0) {
                    break; // SSLv2
                }
            }
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

/// A server that accepts and then never says a word: every probe must end at the read
/// timeout, the audit must finish and say "timeout", never hang.
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
    let r = rt
        .block_on(audit_addr(addr, addr.to_string(), opts))
        .unwrap();
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
    assert!(r.protocols.values().all(|a| !a));
    assert!(
        r.protocol_details.iter().all(|d| d.detail == "timeout"),
        "{:?}",
        r.protocol_details
    );
    assert_eq!(r.grade.grade, "-");
}

/// A plain-text server (HTTP): a clear "not TLS" refusal for every version.
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
    let r = rt
        .block_on(audit_addr(addr, addr.to_string(), AuditOptions::default()))
        .unwrap();
    assert!(r.protocols.values().all(|a| !a));
    let tls12 = r
        .protocol_details
        .iter()
        .find(|d| d.version == "TLSv1.2")
        .unwrap();
    assert!(tls12.detail.contains("HTTP"), "{}", tls12.detail);
}
