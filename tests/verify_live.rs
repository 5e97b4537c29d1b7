//! `tlsight verify HOST:PORT` against servers this test starts on 127.0.0.1: the in-process
//! rustls server (certs/ test PKI) and `openssl s_server` serving generated chains.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command as Process, Stdio};
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;
use tlsight::handshake::server::{LocalServer, ServerSettings};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/certs/root.pem");
const CHAINS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/certs/chains");
const AT: &str = "2030-01-01T00:00:00Z";

fn verify(args: &[&str]) -> (Option<i32>, Value, String) {
    let out = Command::cargo_bin("tlsight")
        .expect("binary")
        .env("NO_COLOR", "1")
        .arg("verify")
        .args(args)
        .output()
        .expect("runs");
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.code(),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `verify` of a loopback rustls server for `localhost`, anchored only in the test root.
fn verify_local(target: &str, extra: &[&str]) -> (Option<i32>, Value, String) {
    let mut args = vec![
        target,
        "--sni",
        "localhost",
        "--ca",
        ROOT,
        "--store",
        "custom",
        "--at",
        AT,
    ];
    args.extend_from_slice(extra);
    verify(&args)
}

fn local(settings: &ServerSettings) -> LocalServer {
    LocalServer::start("127.0.0.1:0".parse().expect("addr"), settings).expect("server")
}

#[test]
fn live_chain_from_a_loopback_rustls_server_is_trusted() {
    let server = LocalServer::start(
        "127.0.0.1:0".parse().expect("addr"),
        &ServerSettings::default(),
    )
    .expect("server");
    let target = server.addr().to_string();
    let (code, v, err) = verify(&[
        &target,
        "--sni",
        "localhost",
        "--ca",
        ROOT,
        "--store",
        "custom",
        "--at",
        AT,
        "--json",
    ]);
    assert_eq!(code, Some(0), "{err} {v:#}");
    assert_eq!(
        v["host"], "localhost",
        "the SNI is the name checked by default"
    );
    assert_eq!(v["chain"].as_array().map(Vec::len), Some(3));
    assert_eq!(v["chain"][0]["signature_valid"], true);
    assert_eq!(v["connection"]["address"], target);
    assert_eq!(v["connection"]["handshake_signature_valid"], true);
    assert_eq!(v["connection"]["sni"], "localhost");
}

#[test]
fn live_name_mismatch_exits_1() {
    let server = LocalServer::start(
        "127.0.0.1:0".parse().expect("addr"),
        &ServerSettings::default(),
    )
    .expect("server");
    let (code, v, _) = verify(&[
        &server.addr().to_string(),
        "--sni",
        "localhost",
        "--host",
        "wrong.test",
        "--ca",
        ROOT,
        "--store",
        "custom",
        "--at",
        AT,
        "--json",
    ]);
    assert_eq!(code, Some(1));
    assert_eq!(v["errors"][0]["code"], "hostname_mismatch");
}

#[test]
fn nothing_listening_exits_2() {
    // bind then drop: a loopback port with no listener
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let (code, _, err) = verify(&[&format!("127.0.0.1:{port}"), "--store", "mozilla"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.starts_with("tlsight: verify: ") && err.trim().lines().count() == 1,
        "{err}"
    );
}

/// `openssl s_server` presenting `leaf` (key certs/chains/good.key) with `extra` as its chain.
struct SServer {
    child: Child,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl SServer {
    fn start(bundle: &str) -> Self {
        Self::start_with(bundle, &[])
    }

    fn start_with(bundle: &str, extra: &[String]) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let pem = std::fs::read_to_string(format!("{CHAINS}/{bundle}")).expect("bundle");
        let blocks: Vec<String> = pem
            .split_inclusive("-----END CERTIFICATE-----\n")
            .map(str::to_string)
            .collect();
        let leaf = dir.path().join("leaf.pem");
        let rest = dir.path().join("chain.pem");
        std::fs::write(&leaf, &blocks[0]).expect("write");
        std::fs::write(&rest, blocks[1..].concat()).expect("write");
        let mut child = Process::new("openssl")
            .args(["s_server", "-accept", "127.0.0.1:0", "-www", "-key"])
            .arg(format!("{CHAINS}/good.key"))
            .arg("-cert")
            .arg(&leaf)
            .arg("-cert_chain")
            .arg(&rest)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl must be installed for this test");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(a) = line.strip_prefix("ACCEPT ") {
                    let _ = tx.send(a.trim().to_string());
                }
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("s_server printed its ACCEPT line")
            .parse()
            .expect("address");
        Self {
            child,
            addr,
            _dir: dir,
        }
    }
}

impl Drop for SServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn live_expired_chain_from_s_server() {
    let s = SServer::start("expired.pem");
    let (code, v, err) = verify(&[
        &s.addr.to_string(),
        "--sni",
        "good.test",
        "--ca",
        &format!("{CHAINS}/root.pem"),
        "--store",
        "custom",
        "--at",
        AT,
        "--json",
    ]);
    assert_eq!(code, Some(1), "{err}");
    let codes: Vec<&str> = v["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["code"].as_str())
        .collect();
    assert_eq!(codes, vec!["expired"]);
}

#[test]
fn live_out_of_order_chain_from_s_server() {
    let s = SServer::start("out-of-order.pem");
    let (code, v, err) = verify(&[
        &s.addr.to_string(),
        "--sni",
        "good.test",
        "--ca",
        &format!("{CHAINS}/root.pem"),
        "--store",
        "custom",
        "--at",
        AT,
        "--json",
    ]);
    assert_eq!(code, Some(0), "{err} {v:#}");
    let warnings: Vec<&str> = v["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter_map(|e| e["code"].as_str())
        .collect();
    assert!(warnings.contains(&"chain_out_of_order"), "{warnings:?}");
}

#[test]
fn live_stapled_ocsp_is_decoded() {
    let s = SServer::start_with(
        "revoked.pem",
        &["-status_file".to_string(), format!("{CHAINS}/revoked.ocsp")],
    );
    let (code, v, err) = verify(&[
        &s.addr.to_string(),
        "--sni",
        "good.test",
        "--ca",
        &format!("{CHAINS}/root.pem"),
        "--store",
        "custom",
        "--at",
        AT,
        "--json",
    ]);
    assert_eq!(code, Some(1), "{err} {v:#}");
    assert!(
        v["connection"]["stapled_ocsp_bytes"]
            .as_u64()
            .is_some_and(|n| n > 0),
        "{v:#}"
    );
    assert_eq!(v["ocsp"]["responses"][0]["status"], "revoked");
    assert_eq!(v["ocsp"]["signature_valid"], true);
    assert_eq!(v["errors"][0]["code"], "revoked");
}

/// A server that presents the genuine test chain but signs with another P-256 key (a copied
/// certificate): the chain is valid, the server is not its owner, so never "trusted".
#[test]
fn a_server_without_the_leaf_key_is_not_trusted_tls13_and_tls12() {
    use tlsight::handshake::VersionChoice;
    use tlsight::handshake::server::TestKey;
    for (versions, proof) in [
        (VersionChoice::Tls13, "certificate_verify"),
        (VersionChoice::Tls12, "server_key_exchange"),
    ] {
        let server = local(&ServerSettings {
            key: TestKey::EcdsaP256,
            wrong_key: Some(TestKey::OtherEcdsaP256),
            versions,
            ..ServerSettings::default()
        });
        let target = server.addr().to_string();
        let (code, v, err) = verify_local(&target, &["--json"]);
        assert_eq!(code, Some(1), "{versions:?}: {err} {v:#}");
        assert_eq!(v["trusted"], false, "{versions:?}");
        assert_eq!(
            v["errors"][0]["code"], "key_possession_failed",
            "{versions:?}: first error {v:#}"
        );
        // The chain's own validity stays visible.
        assert_eq!(v["chain_trusted"], true, "{versions:?}");
        assert_eq!(v["stores"]["custom"]["trusted"], true);
        assert_eq!(v["key_possession"]["status"], "failed");
        assert_eq!(v["key_possession"]["proof"], proof, "{versions:?}");
        assert_eq!(v["connection"]["handshake_signature_valid"], false);

        let out = Command::cargo_bin("tlsight")
            .expect("binary")
            .env("NO_COLOR", "1")
            .args(["verify", &target, "--sni", "localhost", "--ca", ROOT])
            .args(["--store", "custom", "--at", AT])
            .output()
            .expect("runs");
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            text.starts_with("NOT TRUSTED for localhost"),
            "{versions:?}:\n{text}"
        );
        assert!(!text.contains("\nTRUSTED"), "{text}");
        assert!(
            text.contains("the chain itself is valid, but the server did not prove"),
            "{text}"
        );
    }
}

/// The genuine server proves possession, and the report says with which message.
#[test]
fn a_genuine_server_proves_possession_with_certificate_verify() {
    let server = local(&ServerSettings::default());
    let (code, v, err) = verify_local(&server.addr().to_string(), &["--json"]);
    assert_eq!(code, Some(0), "{err} {v:#}");
    assert_eq!(v["key_possession"]["status"], "proven");
    assert_eq!(v["key_possession"]["proof"], "certificate_verify");
    assert_eq!(v["chain_trusted"], true);
}
