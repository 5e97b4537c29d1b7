//! Post-quantum hybrid key exchange (X25519MLKEM768, SecP256r1MLKEM768, SecP384r1MLKEM1024)
//! against two independent
//! servers on loopback: rustls in-process with tlsight's own groups, and OpenSSL 3.5 (through
//! Node.js 24, `tests/pq/server.js`). Each handshake must negotiate the hybrid, decode its key
//! shares into their parts, decrypt the TLS 1.3 flight with the key log and verify both Finished
//! messages; a server that accepts only hybrids must be inspectable, verifiable and audited.

mod common;

use std::ffi::OsStr;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use assert_cmd::Command as Cli;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use tlsight::capture::Direction;
use tlsight::handshake::messages::{Message, MessageContent};
use tlsight::handshake::server::{LocalServer, ServerSettings, TEST_ROOT_PEM};
use tlsight::handshake::{self, InspectOptions, Target, Timeouts, VersionChoice};
use tlsight::report::handshake::{BuildOptions, HandshakeReport};
use tlsight::wire::extensions::{ExtensionValue, KeyShareEntry};
use tlsight::wire::handshake::HandshakeBody;

fn options(port: u16) -> InspectOptions {
    let mut o = InspectOptions::new(Target {
        host: "127.0.0.1".into(),
        port,
    });
    o.sni = Some("localhost".into());
    o.versions = VersionChoice::Any;
    o.extra_roots = vec![CertificateDer::from_pem_slice(TEST_ROOT_PEM).unwrap()];
    o.timeouts = Timeouts::uniform(Duration::from_secs(10));
    o
}

fn inspect(o: &InspectOptions) -> HandshakeReport {
    let ins = handshake::inspect(o).expect("connect");
    assert!(ins.failure.is_none(), "{:?}", ins.failure);
    let analysis = handshake::analyze(&ins);
    HandshakeReport::build(&ins, analysis, BuildOptions::default())
}

/// Key shares of every hello, in order: (direction, HRR?, shares).
fn shares(rep: &HandshakeReport) -> Vec<(Direction, Vec<KeyShareEntry>)> {
    let mut out = Vec::new();
    for m in &rep.messages {
        let MessageContent::Handshake(b) = &m.fields else {
            continue;
        };
        let exts = match b {
            HandshakeBody::ClientHello(ch) => &ch.extensions,
            HandshakeBody::ServerHello(sh) if !sh.hello_retry_request => &sh.extensions,
            _ => continue,
        };
        for e in exts {
            match &e.value {
                ExtensionValue::KeyShares { shares } => out.push((m.direction, shares.clone())),
                ExtensionValue::KeyShare { share } => out.push((m.direction, vec![share.clone()])),
                _ => {}
            }
        }
    }
    out
}

fn parts(s: &KeyShareEntry) -> Vec<(&str, usize)> {
    s.parts.iter().map(|p| (p.label.as_str(), p.len)).collect()
}

fn hrr_count(rep: &HandshakeReport) -> usize {
    rep.messages
        .iter()
        .filter(|m: &&Message| m.typ == "HelloRetryRequest")
        .count()
}

/// The TLS 1.3 flight was opened with the key log, and both Finished verify_data recomputed.
fn assert_decrypted(rep: &HandshakeReport) {
    assert_eq!(rep.negotiated.version.as_deref(), Some("TLSv1.3"));
    assert!(rep.decryption.decrypted, "{:?}", rep.decryption);
    assert_eq!(rep.decryption.client_finished_verified, Some(true));
    assert_eq!(rep.decryption.server_finished_verified, Some(true));
    for t in ["EncryptedExtensions", "Certificate", "CertificateVerify"] {
        assert!(
            rep.messages.iter().any(|m| m.typ == t && m.encrypted),
            "{t} not decrypted"
        );
    }
    assert!(rep.verification.trusted, "{:?}", rep.verification);
    assert_eq!(rep.verification.handshake_signature_valid, Some(true));
}

const X25519MLKEM768_CLIENT: [(&str, usize); 2] =
    [("ML-KEM-768 encapsulation key", 1184), ("X25519 share", 32)];
const X25519MLKEM768_SERVER: [(&str, usize); 2] =
    [("ML-KEM-768 ciphertext", 1088), ("X25519 share", 32)];
const SECP256R1MLKEM768_CLIENT: [(&str, usize); 2] = [
    ("secp256r1 point", 65),
    ("ML-KEM-768 encapsulation key", 1184),
];
const SECP256R1MLKEM768_SERVER: [(&str, usize); 2] =
    [("secp256r1 point", 65), ("ML-KEM-768 ciphertext", 1088)];

/// The default ClientHello: X25519MLKEM768 first with a plain x25519 share beside it.
fn assert_default_client_shares(first: &(Direction, Vec<KeyShareEntry>)) {
    assert_eq!(first.0, Direction::ClientToServer);
    let groups: Vec<(u16, usize)> = first.1.iter().map(|s| (s.group, s.key_len)).collect();
    assert_eq!(groups, [(0x11EC, 1216), (0x001D, 32)]);
    assert_eq!(parts(&first.1[0]), X25519MLKEM768_CLIENT);
    assert!(first.1[1].parts.is_empty());
    // The x25519 key inside the hybrid share is the one offered on its own (one key, reused).
    assert_eq!(first.1[0].key[1184..], first.1[1].key[..]);
}

// ---- rustls in-process, with tlsight's hybrid groups on the server side too ----

fn local(groups: Vec<rustls::NamedGroup>) -> LocalServer {
    LocalServer::start(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        &ServerSettings {
            groups,
            ..ServerSettings::default()
        },
    )
    .unwrap()
}

#[test]
fn rustls_server_negotiates_x25519mlkem768_by_default() {
    let server = local(Vec::new());
    let rep = inspect(&options(server.addr().port()));
    assert_decrypted(&rep);
    assert_eq!(rep.negotiated.group.as_deref(), Some("X25519MLKEM768"));
    assert_eq!(rep.negotiated.group_kind.as_deref(), Some("hybrid PQ"));
    assert_eq!(hrr_count(&rep), 0);
    let s = shares(&rep);
    assert_eq!(s.len(), 2, "{s:?}");
    assert_default_client_shares(&s[0]);
    assert_eq!(s[1].0, Direction::ServerToClient);
    assert_eq!((s[1].1[0].group, s[1].1[0].key_len), (0x11EC, 1120));
    assert_eq!(parts(&s[1].1[0]), X25519MLKEM768_SERVER);
}

#[test]
fn rustls_server_without_hybrids_takes_the_x25519_share_without_a_retry() {
    // The classical half of the hybrid key completes on its own (hybrid_component).
    let server = local(vec![rustls::NamedGroup::X25519]);
    let rep = inspect(&options(server.addr().port()));
    assert_decrypted(&rep);
    assert_eq!(rep.negotiated.group.as_deref(), Some("x25519"));
    assert_eq!(rep.negotiated.group_kind.as_deref(), Some("ECDHE"));
    assert_eq!(hrr_count(&rep), 0);
    let s = shares(&rep);
    assert_default_client_shares(&s[0]);
    assert_eq!((s[1].1[0].group, s[1].1[0].key_len), (0x001D, 32));
}

#[test]
fn rustls_server_with_only_secp256r1mlkem768_gets_it_after_a_retry() {
    let server = local(vec![rustls::NamedGroup::secp256r1MLKEM768]);
    let rep = inspect(&options(server.addr().port()));
    assert_decrypted(&rep);
    assert_eq!(rep.negotiated.group.as_deref(), Some("SecP256r1MLKEM768"));
    assert_eq!(hrr_count(&rep), 1);
    let s = shares(&rep);
    assert_eq!(s.len(), 3, "{s:?}");
    assert_eq!(s[1].0, Direction::ClientToServer);
    assert_eq!(s[1].1.iter().map(|x| x.group).collect::<Vec<_>>(), [0x11EB]);
    assert_eq!(parts(&s[1].1[0]), SECP256R1MLKEM768_CLIENT);
    assert_eq!(parts(&s[2].1[0]), SECP256R1MLKEM768_SERVER);
}

// ---- OpenSSL 3.5 (Node.js 24) ----

/// Runs the tlsight binary with a time limit.
fn tlsight<S: AsRef<OsStr>>(args: &[S]) -> Output {
    Cli::cargo_bin("tlsight")
        .unwrap()
        .args(args)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap()
}

/// TLSIGHT_NODE, else the virtualenv scripts/test.sh installs, else `node` on PATH. `None`
/// only when scripts/test.sh could not install it (TLSIGHT_SKIP_NODE, printed loudly).
fn node() -> Option<PathBuf> {
    if std::env::var_os("TLSIGHT_SKIP_NODE").is_some() {
        eprintln!("SKIPPED: Node.js could not be installed (TLSIGHT_SKIP_NODE is set)");
        return None;
    }
    if let Some(p) = std::env::var_os("TLSIGHT_NODE") {
        return Some(PathBuf::from(p));
    }
    let tools = std::env::var_os("TLSIGHT_TOOLS")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/tlsight-tools"))
        });
    if let Some(n) = tools.map(|t| t.join("nodejs/bin/node"))
        && n.exists()
    {
        return Some(n);
    }
    Some(PathBuf::from("node"))
}

/// `node tests/pq/server.js GROUPS` serving the ECDSA test leaf; killed on drop.
struct NodeServer {
    child: Child,
    addr: SocketAddr,
}

impl NodeServer {
    fn start(groups: &str) -> Option<Self> {
        let mut cmd = Command::new(node()?);
        cmd.arg(common::repo("tests/pq/server.js"))
            .arg(groups)
            .arg(common::repo("certs/ecdsa-p256-chain.pem"))
            .arg(common::repo("certs/ecdsa-p256.key"))
            .stderr(Stdio::inherit());
        let what = format!("node tests/pq/server.js {groups} (Node.js 24: scripts/test.sh)");
        let (child, addr) = common::spawn_until_accept(cmd, &what);
        Some(Self { child, addr })
    }

    fn target(&self) -> String {
        self.addr.to_string()
    }
}

impl Drop for NodeServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn openssl_server_negotiates_x25519mlkem768_and_the_session_decrypts() {
    let Some(server) = NodeServer::start("X25519MLKEM768:X25519") else {
        return;
    };
    let rep = inspect(&options(server.addr.port()));
    assert_decrypted(&rep);
    assert_eq!(rep.negotiated.group.as_deref(), Some("X25519MLKEM768"));
    assert_eq!(hrr_count(&rep), 0);
    let s = shares(&rep);
    assert_default_client_shares(&s[0]);
    assert_eq!((s[1].1[0].group, s[1].1[0].key_len), (0x11EC, 1120));
    assert_eq!(parts(&s[1].1[0]), X25519MLKEM768_SERVER);

    // The CLI's key log and recording open again with `tlsight decrypt`.
    let dir = tempfile::tempdir().unwrap();
    let (keylog, rec) = (dir.path().join("keys.txt"), dir.path().join("rec.json"));
    let ca = common::repo("certs/root.pem");
    let target = server.target();
    let out = tlsight(&[
        OsStr::new("handshake"),
        target.as_ref(),
        "--sni".as_ref(),
        "localhost".as_ref(),
        "--ca".as_ref(),
        ca.as_ref(),
        "--keylog".as_ref(),
        keylog.as_ref(),
        "--record".as_ref(),
        rec.as_ref(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("X25519MLKEM768 (hybrid post-quantum: ECDHE + ML-KEM)"),
        "{text}"
    );
    assert!(
        text.contains("X25519MLKEM768 (1120 bytes: ML-KEM-768 ciphertext 1088 + X25519 share 32)"),
        "{text}"
    );
    let keys = std::fs::read_to_string(&keylog).unwrap();
    assert!(keys.contains("SERVER_HANDSHAKE_TRAFFIC_SECRET"), "{keys}");
    let out = tlsight(&[
        OsStr::new("decrypt"),
        "--keylog".as_ref(),
        keylog.as_ref(),
        rec.as_ref(),
        "--json".as_ref(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Both Finished recomputed from the key log, and the server's application data opened.
    let finished = json["session"]["finished"].as_array().unwrap();
    assert_eq!(finished.len(), 2, "{json}");
    assert!(finished.iter().all(|f| f["ok"] == true), "{json}");
    assert_eq!(json["plaintext"]["server"], "hello\n");
}

/// A server offering only `group` gets it after one HelloRetryRequest; the retried ClientHello's
/// share and the server's split into the given parts.
fn openssl_server_with_only(
    group: &str,
    client: [(&str, usize); 2],
    server_parts: [(&str, usize); 2],
) {
    let Some(server) = NodeServer::start(group) else {
        return;
    };
    let rep = inspect(&options(server.addr.port()));
    assert_decrypted(&rep);
    assert_eq!(rep.negotiated.group.as_deref(), Some(group));
    assert_eq!(rep.negotiated.group_kind.as_deref(), Some("hybrid PQ"));
    assert_eq!(hrr_count(&rep), 1, "asked for by HelloRetryRequest");
    let s = shares(&rep);
    assert_eq!(s.len(), 3, "{s:?}");
    assert_eq!(parts(&s[1].1[0]), client);
    assert_eq!(parts(&s[2].1[0]), server_parts);
}

#[test]
fn openssl_server_with_only_secp256r1mlkem768_gets_it() {
    openssl_server_with_only(
        "SecP256r1MLKEM768",
        SECP256R1MLKEM768_CLIENT,
        SECP256R1MLKEM768_SERVER,
    );
}

#[test]
fn openssl_server_with_only_secp384r1mlkem1024_gets_it() {
    openssl_server_with_only(
        "SecP384r1MLKEM1024",
        [
            ("secp384r1 point", 97),
            ("ML-KEM-1024 encapsulation key", 1568),
        ],
        [("secp384r1 point", 97), ("ML-KEM-1024 ciphertext", 1568)],
    );
}

#[test]
fn openssl_server_accepting_only_hybrids_is_inspected_verified_and_audited() {
    let Some(server) = NodeServer::start("X25519MLKEM768:SecP256r1MLKEM768") else {
        return;
    };
    let ca = common::repo("certs/root.pem");
    let ca = ca.to_str().unwrap();
    let target = server.target();
    let run = |cmd: &str, extra: &[&str]| {
        let mut a = vec![cmd, target.as_str(), "--sni", "localhost", "--ca", ca];
        a.extend(extra);
        tlsight(&a)
    };
    // Without the hybrids the server refuses us: the classical groups alone cannot inspect it.
    let out = run("handshake", &["--groups", "x25519,secp256r1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("handshake_failure"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // `--groups` can pick the P-256 hybrid alone.
    let out = run("handshake", &["--groups", "SecP256r1MLKEM768", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["negotiated"]["group"], "SecP256r1MLKEM768");
    assert_eq!(json["negotiated"]["group_kind"], "hybrid PQ");
    assert_eq!(json["negotiated"]["hello_retry_request"], false);

    // verify HOST gets the chain through the hybrid handshake.
    let out = run("verify", &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // The audit finds exactly the two hybrids, TLS 1.3 only, and verifies the certificate.
    let out = run("audit", &["--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let groups: Vec<(String, bool, bool)> = json["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["name"].as_str().unwrap().to_string(),
                g["tls13"].as_bool().unwrap(),
                g["tls12"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        groups,
        [
            ("X25519MLKEM768".to_string(), true, false),
            ("SecP256r1MLKEM768".to_string(), true, false)
        ]
    );
    assert_eq!(json["certificate_verification"]["trusted"], true, "{json}");
}

#[test]
fn explain_gives_each_hybrids_share_layout() {
    let out = tlsight(&[
        "explain",
        "--group",
        "X25519MLKEM768",
        "--group",
        "0x11EB",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let h = |i: usize, k: &str| json[i]["hybrid"][k].clone();
    assert_eq!(json[0]["kind"], "hybrid PQ");
    assert_eq!(json[0]["rating"], "recommended");
    assert_eq!(
        (
            h(0, "kem_first"),
            h(0, "classical_len"),
            h(0, "kem_client_len"),
            h(0, "kem_server_len")
        ),
        (true.into(), 32.into(), 1184.into(), 1088.into())
    );
    assert_eq!(
        (h(1, "kem_first"), h(1, "classical_len"), h(1, "classical")),
        (false.into(), 65.into(), "secp256r1".into())
    );
    let text = tlsight(&["explain", "--group", "SecP256r1MLKEM768"]).stdout;
    let text = String::from_utf8_lossy(&text);
    assert!(
        text.contains("secp256r1 point (65) ‖ ML-KEM-768 encapsulation key (1184) = 1249 bytes"),
        "{text}"
    );
    assert!(
        text.contains("secp256r1 secret ‖ ML-KEM-768 secret"),
        "{text}"
    );
}
