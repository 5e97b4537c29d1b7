//! Peers on loopback that never answer a hello with TLS (built here: no package ships them).
//! `tlsight audit` must end like `handshake` does: one line on stderr naming what the peer did,
//! exit 2, and with `--json` the same error as an object, never a report where every version
//! reads "refused". `verify HOST` and `mitm` must not run either.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use common::{FakeServer, read_hello, reply};

/// Runs `tlsight audit TARGET --timeout 1 ARGS…`: (exit code, stderr, stdout).
fn audit(target: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("tlsight")
        .unwrap()
        .args(["audit", target, "--timeout", "1"])
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// The peer gets an audit with and without `--json`; both must be the same "could not run".
fn assert_nothing_to_audit(target: &str, code: &str, needle: &str) {
    let (exit, err, out) = audit(target, &[]);
    assert_eq!(exit, 2, "exit code; stderr: {err}; stdout: {out}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "exactly one line on stderr: {err:?}");
    assert!(lines[0].starts_with("tlsight: audit: "), "{err}");
    assert!(lines[0].contains(needle), "expected '{needle}' in: {err}");
    assert!(out.is_empty(), "no report of nothing on stdout: {out}");

    let (exit, err, out) = audit(target, &["--json"]);
    assert_eq!(exit, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(v["error"]["code"], code, "{v:#}");
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(msg.contains(needle), "{msg}");
    assert!(v.get("protocols").is_none(), "{v:#}");
}

#[test]
fn http_server() {
    let s =
        FakeServer::start(|s| reply(s, b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"));
    assert_nothing_to_audit(&s.target(), "not_tls", "looks like HTTP");
}

#[test]
fn ssh_banner() {
    let s = FakeServer::start(|mut s| {
        let _ = s.write_all(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");
        read_hello(&mut s);
        std::thread::sleep(Duration::from_millis(200));
    });
    assert_nothing_to_audit(&s.target(), "not_tls", "looks like SSH");
}

#[test]
fn garbage_bytes() {
    let s = FakeServer::start(|s| reply(s, &[0x00, 0xFF, 0x13, 0x37, 0x42, 0x00, 0x01, 0x02]));
    assert_nothing_to_audit(&s.target(), "not_tls", "does not speak TLS");
}

#[test]
fn silent_peer_is_no_answer_and_bounded() {
    let s = FakeServer::start(|mut s| {
        read_hello(&mut s);
        std::thread::sleep(Duration::from_secs(20));
    });
    let t = Instant::now();
    let (exit, err, _) = audit(&s.target(), &["--json"]);
    assert_eq!(exit, 2, "{err}");
    assert!(err.contains("no answer within 1.0 s"), "{err}");
    // One round of timeouts, two lone retries that also time out, then no more retries.
    assert!(t.elapsed() < Duration::from_secs(8), "{:?}", t.elapsed());
    assert_nothing_to_audit(&s.target(), "no_answer", "no answer within 1.0 s");
}

#[test]
fn slow_drip_peer() {
    // Starts a plausible ServerHello and sends it a byte every 150 ms: never complete in time.
    let s = FakeServer::start(|mut s| {
        read_hello(&mut s);
        for b in [
            22u8, 3, 3, 0, 80, 2, 0, 0, 76, 3, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
        ] {
            if s.write_all(&[b]).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(150));
        }
    });
    assert_nothing_to_audit(&s.target(), "no_answer", "bytes of it");
}

#[test]
fn close_after_client_hello() {
    let s = FakeServer::start(|mut s| read_hello(&mut s));
    assert_nothing_to_audit(
        &s.target(),
        "closed",
        "closed the connection after the ClientHello",
    );
}

#[test]
fn reset_after_client_hello() {
    // Closing with unread bytes in the receive buffer makes the kernel send a RST.
    let s = FakeServer::start(|mut s: TcpStream| {
        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
        let mut b = [0u8; 5];
        let _ = s.read_exact(&mut b);
        std::thread::sleep(Duration::from_millis(50));
    });
    assert_nothing_to_audit(&s.target(), "reset", "reset the connection");
}

#[test]
fn alert_only_peer() {
    let s = FakeServer::start(|s| reply(s, &[21, 3, 3, 0, 2, 2, 80]));
    assert_nothing_to_audit(
        &s.target(),
        "alerts_only",
        "only alerts: internal_error (80)",
    );
}

#[test]
fn empty_records_peer() {
    let s = FakeServer::start(|s| reply(s, &[22, 3, 3, 0, 0, 22, 3, 3, 0, 0]));
    assert_nothing_to_audit(&s.target(), "empty_records", "empty records");
}

// ---------------------------------------------------------------------------------------------
// `verify HOST` and `mitm` on the same peers: they cannot run either (exit 2, one line on stderr,
// nothing on stdout, with or without --json).

fn cannot_run(cmd: &str, target: &str, json: bool) {
    let mut c = Command::cargo_bin("tlsight").unwrap();
    c.args([cmd, target]).timeout(Duration::from_secs(60));
    if cmd == "mitm" {
        c.args(["--timeout", "2"]);
    }
    if json {
        c.arg("--json");
    }
    let out = c.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{cmd} {target}: {err}");
    assert_eq!(err.lines().count(), 1, "{cmd}: {err}");
    assert!(err.starts_with(&format!("tlsight: {cmd}: ")), "{err}");
    assert!(out.stdout.is_empty(), "{cmd}: no report of nothing");
}

#[test]
fn verify_and_mitm_cannot_run_against_peers_that_are_not_tls() {
    let peers = [
        FakeServer::start(|s| reply(s, b"HTTP/1.1 400 Bad Request\r\n\r\n")),
        FakeServer::start(|mut s| {
            let _ = s.write_all(b"SSH-2.0-OpenSSH_9.2p1\r\n");
            read_hello(&mut s);
        }),
        FakeServer::start(|mut s| read_hello(&mut s)),
        FakeServer::start(|s| reply(s, &[21, 3, 3, 0, 2, 2, 80])),
        FakeServer::start(|s| reply(s, &[22, 3, 3, 0, 0, 22, 3, 3, 0, 0])),
    ];
    for p in &peers {
        for cmd in ["verify", "mitm"] {
            cannot_run(cmd, &p.target(), false);
            cannot_run(cmd, &p.target(), true);
        }
    }
}
