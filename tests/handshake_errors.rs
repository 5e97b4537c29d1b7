//! Bad peers and bad arguments: one clear line on stderr, a documented non-zero exit code, never
//! a panic or a hang. Every peer here is a loopback socket the test starts.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use common::{FakeServer, read_hello, reply};

/// Runs `tlsight handshake TARGET ARGS…`; returns (exit code, stderr, stdout).
fn handshake(target: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("tlsight")
        .unwrap()
        .arg("handshake")
        .arg(target)
        .args(args)
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn assert_one_line_error(code: i32, stderr: &str, needle: &str) {
    assert_eq!(code, 2, "exit code; stderr: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "exactly one line on stderr: {stderr:?}");
    assert!(lines[0].starts_with("tlsight: "), "{stderr}");
    assert!(
        lines[0].contains(needle),
        "expected '{needle}' in: {stderr}"
    );
    assert!(!stderr.contains("panicked"));
}

#[test]
fn connection_refused() {
    let port = common::free_port();
    let (code, err, _) = handshake(&format!("127.0.0.1:{port}"), &[]);
    assert_one_line_error(code, &err, "connection refused");
}

#[test]
fn silent_server_times_out() {
    let s = FakeServer::start(|mut s| {
        read_hello(&mut s);
        std::thread::sleep(Duration::from_secs(10));
    });
    let start = Instant::now();
    let (code, err, _) = handshake(&s.target(), &["--timeout", "1"]);
    assert_one_line_error(code, &err, "sent nothing for 1.0s");
    assert!(
        start.elapsed() < Duration::from_secs(8),
        "bounded by --timeout"
    );
}

#[test]
fn plain_http_server_is_named() {
    let s =
        FakeServer::start(|s| reply(s, b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"));
    let (code, err, _) = handshake(&s.target(), &[]);
    assert_one_line_error(code, &err, "does not speak TLS");
    assert!(err.contains("HTTP"), "{err}");
}

#[test]
fn ssh_banner_is_named() {
    let s = FakeServer::start(|mut s| {
        let _ = s.write_all(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");
        read_hello(&mut s);
        std::thread::sleep(Duration::from_millis(200));
    });
    let (code, err, _) = handshake(&s.target(), &[]);
    assert_one_line_error(code, &err, "SSH");
}

#[test]
fn fatal_alert_is_named() {
    let s = FakeServer::start(|s| reply(s, &[21, 3, 3, 0, 2, 2, 40]));
    let (code, err, out) = handshake(&s.target(), &[]);
    assert_one_line_error(code, &err, "handshake_failure");
    // The partial transcript is still shown, alert included.
    assert!(
        out.contains("ClientHello") && out.contains("fatal handshake_failure"),
        "{out}"
    );
}

#[test]
fn truncated_record_then_close() {
    let s = FakeServer::start(|s| reply(s, &[22, 3, 3, 0, 80, 2, 0, 0]));
    let (code, err, _) = handshake(&s.target(), &[]);
    assert_one_line_error(code, &err, "mid-record");
}

#[test]
fn oversized_record_is_rejected() {
    let s = FakeServer::start(|s| reply(s, &[22, 3, 3, 0xFF, 0xFF, 2, 0, 0]));
    let (code, err, _) = handshake(&s.target(), &[]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("65535") || err.to_lowercase().contains("record"),
        "{err}"
    );
}

#[test]
fn close_without_reply() {
    let s = FakeServer::start(|mut s| read_hello(&mut s));
    let (code, err, _) = handshake(&s.target(), &[]);
    assert_one_line_error(code, &err, "closed the connection");
}

#[test]
fn bad_arguments() {
    for (args, needle) in [
        (vec!["handshake", "host:99999"], "port"),
        (
            vec!["handshake", "127.0.0.1:1", "--timeout", "0"],
            "--timeout",
        ),
        (
            vec!["handshake", "127.0.0.1:1", "--ca", "/nonexistent/ca.pem"],
            "/nonexistent/ca.pem",
        ),
    ] {
        let out = Command::cargo_bin("tlsight")
            .unwrap()
            .args(&args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    let out = Command::cargo_bin("tlsight")
        .unwrap()
        .args(["handshake"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn unresolvable_name_fails_cleanly() {
    // .invalid never resolves (RFC 6761); the resolver may answer from /etc/hosts or fail fast.
    let (code, err, _) = handshake("tlsight-test.invalid:443", &["--timeout", "3"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("DNS"), "{err}");
}

#[test]
fn json_of_a_failed_handshake_has_the_error() {
    let s = FakeServer::start(|s| reply(s, &[21, 3, 3, 0, 2, 2, 70]));
    let (code, _, out) = handshake(&s.target(), &["--json"]);
    assert_eq!(code, 2);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["error"].as_str().unwrap().contains("protocol_version"));
    assert_eq!(v["messages"][0]["type"], "ClientHello");
    assert_eq!(v["messages"][1]["type"], "Alert");
    assert_eq!(v["messages"][1]["description"], "protocol_version");
}

#[test]
fn keylog_is_written_in_nss_format() {
    // A complete handshake against the in-process server through the CLI.
    let server = tlsight::handshake::server::LocalServer::start(
        "127.0.0.1:0".parse().unwrap(),
        &Default::default(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kl = dir.path().join("keys.log");
    let rec = dir.path().join("session.json");
    let (code, err, out) = handshake(
        &server.addr().to_string(),
        &[
            "--sni",
            "localhost",
            "--ca",
            common::repo("certs/root.pem").to_str().unwrap(),
            "--keylog",
            kl.to_str().unwrap(),
            "--record",
            rec.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}{out}");
    let text = std::fs::read_to_string(&kl).unwrap();
    for label in [
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
        "SERVER_HANDSHAKE_TRAFFIC_SECRET",
        "CLIENT_TRAFFIC_SECRET_0",
        "SERVER_TRAFFIC_SECRET_0",
    ] {
        assert!(
            text.lines()
                .any(|l| l.starts_with(label) && l.split(' ').count() == 3),
            "{label} in {text}"
        );
    }
    let t = tlsight::capture::Transcript::load(&rec).unwrap();
    assert!(t.chunks.len() >= 3);
    // The same target without --ca: completes, untrusted (exit 1), and the interception
    // section says why it is suspicious.
    let (code, err, out) = handshake(
        &server.addr().to_string(),
        &["--sni", "localhost", "--json"],
    );
    assert_eq!(code, 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["verification"]["trusted"], false);
    assert_eq!(v["interception"]["verdict"], "suspicious");
    assert_eq!(v["interception"]["signals"][0]["id"], "untrusted_chain");
    // Silence unused-import lints when the stream is not needed.
    let _ = TcpStream::connect(server.addr());
}

#[test]
fn server_with_nothing_in_common_points_to_audit() {
    // Static RSA key transport only: rustls offers none of it, OpenSSL refuses the hello.
    // (With the default --engine auto, tlsight's own engine then completes the handshake:
    // tests/engine.rs. Pinned to rustls, the refusal is the answer.)
    let s = common::OpensslServer::start(&[
        "-tls1_2",
        "-cipher",
        "AES128-GCM-SHA256",
        "-cert",
        common::repo("certs/rsa2048.pem").to_str().unwrap(),
        "-key",
        common::repo("certs/rsa2048.key").to_str().unwrap(),
    ]);
    let (code, err, _) = handshake(&s.target(), &["--sni", "localhost", "--engine", "rustls"]);
    assert_one_line_error(code, &err, "handshake_failure in answer to the ClientHello");
    assert!(err.contains("tlsight audit"), "{err}");
}
