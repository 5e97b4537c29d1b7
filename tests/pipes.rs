//! Every command's output into a pipe whose reader is gone (`tlsight … | head` after head has
//! quit) ends quietly: status 0, nothing on stderr, no panic ("failed printing to stdout").

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tlsight::handshake::server::{LocalServer, ServerSettings};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/certs/root.pem");
const CHAINS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/certs/chains");

/// Runs tlsight with stdout on a pipe whose read end is already closed, so the first write
/// fails with EPIPE whatever the output size. Returns (status, stderr).
fn run_into_closed_pipe(args: &[&str]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let mut child = Command::new(env!("CARGO_BIN_EXE_tlsight"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(_status) = child.try_wait().expect("wait") {
            break;
        }
        assert!(Instant::now() < deadline, "{args:?} hangs");
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_command_ends_quietly_on_a_closed_pipe() {
    let server = LocalServer::start("127.0.0.1:0".parse().unwrap(), &ServerSettings::default())
        .expect("server");
    let target = server.addr().to_string();
    let good = format!("{CHAINS}/good.pem");
    let chains_root = format!("{CHAINS}/root.pem");
    let cases: Vec<Vec<&str>> = vec![
        vec!["explain", "--list"],
        vec!["explain", "TLS_AES_128_GCM_SHA256", "--json"],
        vec![
            "verify",
            "--chain",
            &good,
            "--host",
            "good.test",
            "--ca",
            &chains_root,
            "--store",
            "custom",
            "--at",
            "2030-01-01",
        ],
        vec!["handshake", &target, "--sni", "localhost", "--ca", ROOT],
        vec![
            "mitm",
            &target,
            "--sni",
            "localhost",
            "--ca",
            ROOT,
            "--json",
        ],
        vec!["audit", &target, "--sni", "localhost", "--ca", ROOT],
        vec![
            "audit",
            &target,
            "--sni",
            "localhost",
            "--ca",
            ROOT,
            "--json",
        ],
        vec!["demo"],
    ];
    for args in cases {
        let (code, err) = run_into_closed_pipe(&args);
        assert_eq!(code, Some(0), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?} wrote to stderr: {err}");
    }
}

/// The same through a real `head` that quits after one line of a long output.
#[test]
fn explain_list_into_head_is_quiet() {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{}' explain --list | head -n 1 >/dev/null",
            env!("CARGO_BIN_EXE_tlsight")
        ))
        .output()
        .expect("sh");
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
