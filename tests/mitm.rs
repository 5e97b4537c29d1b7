//! `tlsight mitm` against real interception on loopback: mitmproxy in reverse-proxy mode, our
//! own TLS-terminating proxy (re-signing with a generated CA named like mitmproxy's, reverse
//! and HTTP CONNECT modes), a server without its private key, pins, a baseline, and a clean
//! path. Every peer listens on 127.0.0.1 and is started by the test.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use serde_json::Value;
use tlsight::handshake::server::{LocalServer, ServerSettings, TestKey};

// ---------------------------------------------------------------------------------------------
// helpers

fn local_server(settings: ServerSettings) -> LocalServer {
    LocalServer::start("127.0.0.1:0".parse().unwrap(), &settings).expect("local server")
}

fn root_pem() -> PathBuf {
    common::repo("certs/root.pem")
}

/// Runs `tlsight mitm ARGS --json` and returns (exit code, JSON, stderr).
fn mitm_json(args: &[&str], env: &[(&str, &str)]) -> (i32, Value, String) {
    let mut cmd = Command::cargo_bin("tlsight").unwrap();
    cmd.arg("mitm").args(args).arg("--json");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let code = out.status.code().unwrap_or(-1);
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!("not JSON ({e}); exit {code}\nstdout: {stdout}\nstderr: {stderr}")
    });
    (code, json, stderr)
}

fn mitm_fail(args: &[&str]) -> (i32, String) {
    let out = Command::cargo_bin("tlsight")
        .unwrap()
        .arg("mitm")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn signal_ids(v: &Value) -> Vec<String> {
    v["signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect()
}

fn signal<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["signals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no signal {id} in {:#}", v["signals"]))
}

fn spki_of(der: &[u8]) -> String {
    tlsight::x509::CertSummary::from_der(der)
        .unwrap()
        .spki_sha256
}

/// An empty directory to point SSL_CERT_DIR at, so the OS store is exactly SSL_CERT_FILE.
fn empty_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

// ---------------------------------------------------------------------------------------------
// our own interception proxy: rustls server with a forged leaf signed by a generated CA named
// "CN=mitmproxy, O=mitmproxy"; it first handshakes with the real upstream (as mitmproxy does
// to learn the upstream certificate), then terminates the client's TLS with the forged chain.

struct ForgingCa {
    ca_pem: String,
    chain: Vec<CertificateDer<'static>>,
    key_der: Vec<u8>,
}

impl ForgingCa {
    fn new() -> Self {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.distinguished_name = rcgen::DistinguishedName::new();
        ca.distinguished_name
            .push(rcgen::DnType::CommonName, "mitmproxy");
        ca.distinguished_name
            .push(rcgen::DnType::OrganizationName, "mitmproxy");
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
        ];
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca, ca_key);
        let leaf_key = rcgen::KeyPair::generate().unwrap();
        let mut leaf =
            rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
                .unwrap();
        leaf.distinguished_name = rcgen::DistinguishedName::new();
        leaf.distinguished_name
            .push(rcgen::DnType::CommonName, "localhost");
        leaf.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let leaf_cert = leaf.signed_by(&leaf_key, &issuer).unwrap();
        Self {
            ca_pem: ca_cert.pem(),
            chain: vec![leaf_cert.der().clone()],
            key_der: leaf_key.serialize_der(),
        }
    }

    fn server_config(&self) -> Arc<rustls::ServerConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let cfg = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                self.chain.clone(),
                PrivateKeyDer::Pkcs8(self.key_der.clone().into()),
            )
            .unwrap();
        Arc::new(cfg)
    }
}

/// A client config that trusts the committed test root (the upstream's PKI).
fn upstream_client() -> Arc<rustls::ClientConfig> {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(root_pem()).unwrap())
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

#[derive(Clone, Copy, PartialEq)]
enum ProxyMode {
    /// Terminate TLS on accept (reverse proxy in front of `upstream`).
    Reverse,
    /// HTTP CONNECT; relay bytes untouched.
    ConnectTunnel,
    /// HTTP CONNECT; terminate TLS with the forged chain.
    ConnectIntercept,
    /// Answer CONNECT with 403.
    ConnectRefuse,
}

struct TestProxy {
    addr: SocketAddr,
}

impl TestProxy {
    fn start(mode: ProxyMode, upstream: SocketAddr, ca: &ForgingCa) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = ca.server_config();
        let client = upstream_client();
        std::thread::spawn(move || {
            for sock in listener.incoming().flatten() {
                let (server, client) = (server.clone(), client.clone());
                std::thread::spawn(move || {
                    let _ = serve(mode, sock, upstream, server, client);
                });
            }
        });
        Self { addr }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

fn serve(
    mode: ProxyMode,
    mut sock: TcpStream,
    upstream: SocketAddr,
    server: Arc<rustls::ServerConfig>,
    client: Arc<rustls::ClientConfig>,
) -> std::io::Result<()> {
    sock.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut upstream_addr = upstream;
    if mode != ProxyMode::Reverse {
        let mut head = Vec::new();
        let mut b = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") && sock.read(&mut b)? == 1 {
            head.push(b[0]);
        }
        let text = String::from_utf8_lossy(&head).to_string();
        let authority = text
            .strip_prefix("CONNECT ")
            .and_then(|r| r.split(' ').next())
            .unwrap_or_default()
            .to_string();
        if mode == ProxyMode::ConnectRefuse {
            sock.write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")?;
            return Ok(());
        }
        // Loopback only: the tests never reach anything else.
        upstream_addr = authority.parse().map_err(std::io::Error::other)?;
        assert!(upstream_addr.ip().is_loopback());
        sock.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")?;
    }
    let mut up = TcpStream::connect_timeout(&upstream_addr, Duration::from_secs(5))?;
    up.set_read_timeout(Some(Duration::from_secs(10)))?;
    if mode == ProxyMode::ConnectTunnel {
        let (mut a, mut b) = (sock.try_clone()?, up.try_clone()?);
        let t = std::thread::spawn(move || {
            let _ = std::io::copy(&mut a, &mut b);
            let _ = b.shutdown(std::net::Shutdown::Write);
        });
        let _ = std::io::copy(&mut up, &mut sock);
        let _ = sock.shutdown(std::net::Shutdown::Write);
        let _ = t.join();
        return Ok(());
    }
    // Learn the upstream certificate first, as mitmproxy does.
    let mut uc = rustls::ClientConnection::new(client, ServerName::try_from("127.0.0.1").unwrap())
        .map_err(std::io::Error::other)?;
    while uc.is_handshaking() {
        uc.complete_io(&mut up)?;
    }
    let mut sc = rustls::ServerConnection::new(server).map_err(std::io::Error::other)?;
    while sc.is_handshaking() {
        sc.complete_io(&mut sock)?;
    }
    // Drain until the client goes away.
    let mut tls = rustls::Stream::new(&mut sc, &mut sock);
    let mut buf = [0u8; 1024];
    while matches!(tls.read(&mut buf), Ok(n) if n > 0) {}
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// mitmproxy itself

struct Mitmdump {
    child: Child,
    port: u16,
    confdir: tempfile::TempDir,
}

/// TLSIGHT_MITMDUMP, else `mitmdump` on PATH, else the virtualenv scripts/test.sh installs.
fn mitmdump_path() -> PathBuf {
    if let Some(p) = std::env::var_os("TLSIGHT_MITMDUMP") {
        return PathBuf::from(p);
    }
    let on_path = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|d| d.join("mitmdump").is_file()));
    if !on_path {
        let tools = std::env::var_os("TLSIGHT_TOOLS")
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/tlsight-tools"))
            });
        if let Some(venv) = tools.map(|t| t.join("mitmproxy/bin/mitmdump"))
            && venv.is_file()
        {
            return venv;
        }
    }
    PathBuf::from("mitmdump")
}

impl Mitmdump {
    /// `mitmdump --mode reverse:https://UPSTREAM` on a free loopback port, with its own confdir
    /// (so its CA is fresh and ours to read).
    /// `None` only when scripts/test.sh tried to install mitmproxy and could not
    /// (TLSIGHT_SKIP_MITMPROXY=1, printed loudly there); a missing tool otherwise fails the test.
    fn reverse(upstream: SocketAddr) -> Option<Self> {
        if std::env::var_os("TLSIGHT_SKIP_MITMPROXY").is_some() {
            eprintln!("SKIPPED: mitmproxy could not be installed (TLSIGHT_SKIP_MITMPROXY is set)");
            return None;
        }
        let confdir = tempfile::tempdir().unwrap();
        for _attempt in 0..3 {
            let port = common::free_port();
            let mut child = Command::new(mitmdump_path())
                .args([
                    "--mode",
                    &format!("reverse:https://{upstream}"),
                    "--listen-host",
                    "127.0.0.1",
                    "--listen-port",
                    &port.to_string(),
                    "--set",
                    &format!("confdir={}", confdir.path().display()),
                    "--ssl-insecure",
                    "-q",
                ])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("mitmdump (pip install mitmproxy; scripts/test.sh installs it)");
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline {
                if TcpStream::connect(("127.0.0.1", port)).is_ok()
                    && confdir.path().join("mitmproxy-ca-cert.pem").exists()
                {
                    return Some(Self {
                        child,
                        port,
                        confdir,
                    });
                }
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("mitmdump did not start");
    }

    fn target(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn ca(&self) -> PathBuf {
        self.confdir.path().join("mitmproxy-ca-cert.pem")
    }
}

impl Drop for Mitmdump {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

// ---------------------------------------------------------------------------------------------
// scenarios

#[test]
fn a_clean_path_is_clean_with_no_signals() {
    let server = local_server(ServerSettings::default());
    let target = server.addr().to_string();
    let (code, v, _) = mitm_json(&[&target, "--ca", root_pem().to_str().unwrap()], &[]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["verdict"], "clean");
    assert_eq!(v["signals"].as_array().unwrap().len(), 0, "{v:#}");
    assert_eq!(v["trust"]["custom"]["trusted"], true);
    assert_eq!(v["trust"]["mozilla"]["trusted"], false);
    assert_eq!(v["server"]["handshake_signature_valid"], true);
    assert_eq!(v["chain"].as_array().unwrap().len(), 2);
    assert_eq!(v["ct"]["expected"], false);
    assert!(v["server"]["ja3s"].as_str().unwrap().len() == 32);
}

#[test]
fn mitmproxy_in_reverse_mode_is_intercepted_by_a_known_issuer() {
    let server = local_server(ServerSettings::default());
    let Some(md) = Mitmdump::reverse(server.addr()) else {
        return;
    };
    let (code, v, _) = mitm_json(&[&md.target(), "--ca", root_pem().to_str().unwrap()], &[]);
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(v["verdict"], "intercepted");
    let s = signal(&v, "known_interception_issuer");
    assert_eq!(s["severity"], "critical");
    assert!(
        s["evidence"][0]
            .as_str()
            .unwrap()
            .contains("\"CN=mitmproxy, O=mitmproxy\""),
        "{s:#}"
    );
    assert_eq!(v["interception_products"][0]["id"], "mitmproxy");
    assert_eq!(v["interception_products"][0]["field"], "issuer");
    // mitmproxy's CA is not installed: nothing anchors the forged chain.
    assert!(signal_ids(&v).contains(&"untrusted_chain".to_string()));
    // The forged leaf is not the upstream's key.
    let upstream_leaf = spki_of(&TestKey::EcdsaP256.leaf().unwrap());
    assert_ne!(v["chain"][0]["spki_sha256"], upstream_leaf.as_str());
}

#[test]
fn mitmproxy_ca_in_ssl_cert_file_is_anchored_only_locally() {
    let server = local_server(ServerSettings::default());
    let Some(md) = Mitmdump::reverse(server.addr()) else {
        return;
    };
    let empty = empty_dir();
    let (code, v, _) = mitm_json(
        &[&md.target()],
        &[
            ("SSL_CERT_FILE", md.ca().to_str().unwrap()),
            ("SSL_CERT_DIR", empty.path().to_str().unwrap()),
        ],
    );
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(v["verdict"], "intercepted");
    assert_eq!(v["trust"]["os"]["trusted"], true, "{:#}", v["trust"]);
    assert_eq!(v["trust"]["mozilla"]["trusted"], false);
    let s = signal(&v, "anchored_only_locally");
    assert_eq!(s["severity"], "warning");
    assert_eq!(v["os_anchor_origin"]["kind"], "environment");
    assert_eq!(
        v["os_anchor_origin"]["path"].as_str().unwrap(),
        md.ca().to_str().unwrap()
    );
    assert!(signal_ids(&v).contains(&"known_interception_issuer".to_string()));
    assert!(!signal_ids(&v).contains(&"untrusted_chain".to_string()));
}

#[test]
fn our_forging_proxy_is_intercepted_and_its_ca_anchors_only_locally() {
    let server = local_server(ServerSettings::default());
    let ca = ForgingCa::new();
    let proxy = TestProxy::start(ProxyMode::Reverse, server.addr(), &ca);
    let tmp = tempfile::tempdir().unwrap();
    let ca_file = write(tmp.path(), "ca.pem", &ca.ca_pem);
    let empty = empty_dir();
    let (code, v, _) = mitm_json(
        &[&proxy.addr.to_string()],
        &[
            ("SSL_CERT_FILE", ca_file.to_str().unwrap()),
            ("SSL_CERT_DIR", empty.path().to_str().unwrap()),
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(
        signal_ids(&v),
        vec!["known_interception_issuer", "anchored_only_locally"],
        "{v:#}"
    );
}

#[test]
fn a_server_without_the_private_key_fails_key_possession() {
    let server = local_server(ServerSettings {
        key: TestKey::EcdsaP256,
        wrong_key: Some(TestKey::Ed25519),
        ..ServerSettings::default()
    });
    let (code, v, _) = mitm_json(
        &[
            &server.addr().to_string(),
            "--ca",
            root_pem().to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(v["verdict"], "intercepted");
    let s = signal(&v, "key_possession_failed");
    assert_eq!(s["severity"], "critical");
    assert_eq!(
        signal_ids(&v)[0],
        "key_possession_failed",
        "first in the list"
    );
    assert_eq!(v["server"]["handshake_signature_valid"], false);
    assert_eq!(v["server"]["key_possession"]["status"], "failed");
    assert_eq!(v["server"]["key_possession"]["proof"], "certificate_verify");
    // The genuine certificate is still shown, and still chains to the test root.
    assert_eq!(v["trust"]["custom"]["trusted"], true);
    assert_eq!(
        v["chain"][0]["spki_sha256"],
        spki_of(&TestKey::EcdsaP256.leaf().unwrap()).as_str()
    );
    assert!(!signal_ids(&v).contains(&"handshake_incomplete".to_string()));
}

#[test]
fn pins_match_and_mismatch() {
    let server = local_server(ServerSettings::default());
    let target = server.addr().to_string();
    let ca = root_pem();
    let leaf_pin = format!("sha256/{}", spki_of(&TestKey::EcdsaP256.leaf().unwrap()));
    let other_pin = format!("sha256/{}", spki_of(&TestKey::Rsa2048.leaf().unwrap()));
    // The leaf's key pinned (next to an unrelated backup pin): clean.
    let (code, v, _) = mitm_json(
        &[
            &target,
            "--ca",
            ca.to_str().unwrap(),
            "--pin",
            &other_pin,
            "--pin",
            &leaf_pin,
        ],
        &[],
    );
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["pins"][0]["matched"], false);
    assert_eq!(v["pins"][1]["matched"], true);
    assert!(
        v["pins"][1]["matched_by"]
            .as_str()
            .unwrap()
            .contains("certificate #0")
    );
    // Pinning the root's key (an anchor) works too.
    let root_der = {
        use rustls::pki_types::pem::PemObject;
        CertificateDer::from_pem_file(&ca).unwrap()
    };
    let root_pin = format!("sha256/{}", spki_of(&root_der));
    let (code, v, _) = mitm_json(
        &[&target, "--ca", ca.to_str().unwrap(), "--pin", &root_pin],
        &[],
    );
    assert_eq!(code, 0, "{v:#}");
    assert!(
        v["pins"][0]["matched_by"]
            .as_str()
            .unwrap()
            .contains("custom anchor")
    );
    // Only a foreign key pinned: intercepted.
    let (code, v, _) = mitm_json(
        &[&target, "--ca", ca.to_str().unwrap(), "--pin", &other_pin],
        &[],
    );
    assert_eq!(code, 1);
    assert_eq!(v["verdict"], "intercepted");
    assert_eq!(signal(&v, "pin_mismatch")["severity"], "critical");
    // A malformed pin cannot run.
    let (code, err) = mitm_fail(&[&target, "--pin", "sha256/tooshort"]);
    assert_eq!(code, 2);
    assert!(err.contains("bad pin 'sha256/tooshort'"), "{err}");
}

#[test]
fn baseline_remembered_then_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("known.json");
    let file_s = file.to_str().unwrap().to_string();
    let ca = root_pem();
    let ca_s = ca.to_str().unwrap();
    let server = local_server(ServerSettings::default());
    let addr = server.addr();
    let target = addr.to_string();

    // First use records the host.
    let (code, v, _) = mitm_json(
        &[&target, "--ca", ca_s, "--baseline", &file_s, "--remember"],
        &[],
    );
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["baseline"]["status"], "no_entry");
    assert_eq!(v["baseline"]["action"], "recorded");
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(
        saved["hosts"][&target]["leaf_spki_sha256"],
        spki_of(&TestKey::EcdsaP256.leaf().unwrap()).as_str()
    );
    // Same server: match, no signal.
    let (code, v, _) = mitm_json(&[&target, "--ca", ca_s, "--baseline", &file_s], &[]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["baseline"]["status"], "match");
    assert!(signal_ids(&v).is_empty());

    // Another key on the same address: the certificate changed.
    server
        .reconfigure(&ServerSettings {
            key: TestKey::Rsa2048,
            ..ServerSettings::default()
        })
        .unwrap();
    let (code, v, _) = mitm_json(
        &[&target, "--ca", ca_s, "--baseline", &file_s, "--remember"],
        &[],
    );
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(v["verdict"], "suspicious");
    assert_eq!(v["baseline"]["status"], "changed");
    assert_eq!(v["baseline"]["action"], "kept");
    let s = signal(&v, "baseline_changed");
    assert!(
        s["evidence"][0]
            .as_str()
            .unwrap()
            .starts_with("leaf_spki_sha256"),
        "{s:#}"
    );
    // The old entry is kept: accepting a change is the user's call.
    let saved2: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(
        saved2["hosts"][&target]["leaf_spki_sha256"],
        saved["hosts"][&target]["leaf_spki_sha256"]
    );

    // A different TLS stack too (TLS 1.2 only): the server hello changed with the chain.
    server
        .reconfigure(&ServerSettings {
            key: TestKey::Rsa2048,
            versions: tlsight::handshake::VersionChoice::Tls12,
            ..ServerSettings::default()
        })
        .unwrap();
    let (code, v, _) = mitm_json(&[&target, "--ca", ca_s, "--baseline", &file_s], &[]);
    assert_eq!(code, 1);
    let ids = signal_ids(&v);
    assert!(ids.contains(&"baseline_changed".to_string()), "{ids:?}");
    assert!(ids.contains(&"inconsistent_server".to_string()), "{ids:?}");
    let fields: Vec<&str> = v["baseline"]["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"ja3s") && fields.contains(&"version"),
        "{fields:?}"
    );

    // A baseline that is not JSON cannot run.
    std::fs::write(&file, "{").unwrap();
    let (code, err) = mitm_fail(&[&target, "--baseline", &file_s]);
    assert_eq!(code, 2);
    assert!(err.contains("not a tlsight baseline"), "{err}");
}

/// A local server behind a CONNECT proxy in `mode`; runs `tlsight mitm --proxy` (with
/// `--compare-direct` when asked) trusting the test root.
fn through_connect_proxy(mode: ProxyMode, compare: bool) -> (i32, Value, TestProxy) {
    let server = local_server(ServerSettings::default());
    let ca = ForgingCa::new();
    let proxy = TestProxy::start(mode, server.addr(), &ca);
    let target = server.addr().to_string();
    let root = root_pem();
    let url = proxy.url();
    let mut args = vec![
        target.as_str(),
        "--ca",
        root.to_str().unwrap(),
        "--proxy",
        &url,
    ];
    if compare {
        args.push("--compare-direct");
    }
    let (code, v, _) = mitm_json(&args, &[]);
    (code, v, proxy)
}

#[test]
fn http_connect_proxy_without_interception_is_clean_and_matches_the_direct_path() {
    let (code, v, proxy) = through_connect_proxy(ProxyMode::ConnectTunnel, true);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["verdict"], "clean");
    assert_eq!(v["via_proxy"], proxy.url());
    assert_eq!(v["address"], proxy.addr.to_string());
    let diffs = v["path_comparison"]["differences"].as_array().unwrap();
    assert!(diffs.is_empty(), "{diffs:?}");
    assert!(signal_ids(&v).is_empty());
}

#[test]
fn http_connect_proxy_with_interception_is_caught_and_differs_from_the_direct_path() {
    let (code, v, _) = through_connect_proxy(ProxyMode::ConnectIntercept, true);
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(v["verdict"], "intercepted");
    let ids = signal_ids(&v);
    assert!(
        ids.contains(&"known_interception_issuer".to_string()),
        "{ids:?}"
    );
    assert!(
        ids.contains(&"proxy_certificate_differs".to_string()),
        "{ids:?}"
    );
    let diff = signal(&v, "proxy_certificate_differs");
    let evidence = diff["evidence"].as_array().unwrap();
    assert!(
        evidence
            .iter()
            .any(|e| e.as_str().unwrap().contains("CN=mitmproxy")),
        "{diff:#}"
    );
    // Without --compare-direct the proxy path alone still shows the forged issuer.
    let (code, v, _) = through_connect_proxy(ProxyMode::ConnectIntercept, false);
    assert_eq!(code, 1);
    assert_eq!(v["verdict"], "intercepted");
    assert!(v["path_comparison"].is_null());
}

#[test]
fn proxy_failures_cannot_run() {
    let server = local_server(ServerSettings::default());
    let ca = ForgingCa::new();
    let refusing = TestProxy::start(ProxyMode::ConnectRefuse, server.addr(), &ca);
    let target = server.addr().to_string();
    let (code, err) = mitm_fail(&[&target, "--proxy", &refusing.url()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("refused the tunnel") && err.contains("403"),
        "{err}"
    );

    // A proxy that accepts and says nothing: bounded by --timeout.
    let silent = common::FakeServer::start(|s| {
        std::thread::sleep(Duration::from_secs(5));
        drop(s);
    });
    let t0 = Instant::now();
    let (code, err) = mitm_fail(&[
        &target,
        "--proxy",
        &format!("http://{}", silent.addr),
        "--timeout",
        "1",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("did not answer CONNECT"), "{err}");
    assert!(t0.elapsed() < Duration::from_secs(4));

    let (code, err) = mitm_fail(&[&target, "--proxy", "socks4://127.0.0.1:1"]);
    assert_eq!(code, 2);
    assert!(err.contains("bad proxy"), "{err}");
    let (code, _) = mitm_fail(&[&target, "--compare-direct"]);
    assert_eq!(code, 2);
}

#[test]
fn nothing_listening_cannot_run() {
    let port = common::free_port();
    let (code, err) = mitm_fail(&[&format!("127.0.0.1:{port}"), "--timeout", "2"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot connect"), "{err}");
}

#[test]
fn the_library_assesses_an_existing_inspection() {
    // The entry point `handshake` / `audit` use for their section.
    let server = local_server(ServerSettings::default());
    let ins = tlsight::handshake::inspect(&tlsight::handshake::InspectOptions::new(
        tlsight::handshake::Target::parse(&server.addr().to_string(), 443).unwrap(),
    ))
    .unwrap();
    let mut opts = tlsight::mitm::AssessOptions::new().unwrap();
    let a = tlsight::mitm::assess(&ins, &opts).unwrap();
    assert_eq!(a.verdict, tlsight::mitm::Verdict::Suspicious);
    assert_eq!(a.signals[0].id, "untrusted_chain");
    opts.extra_anchors = {
        use rustls::pki_types::pem::PemObject;
        vec![CertificateDer::from_pem_file(root_pem()).unwrap()]
    };
    let a = tlsight::mitm::assess(&ins, &opts).unwrap();
    assert_eq!(a.verdict, tlsight::mitm::Verdict::Clean);
    let text = tlsight::report::mitm::render(&a, tlsight::report::Palette::PLAIN);
    assert!(text.contains("verdict CLEAN"), "{text}");
    let section = tlsight::report::mitm::render_summary(&a, tlsight::report::Palette::PLAIN);
    assert_eq!(section.trim(), "verdict CLEAN   no signals");
}

#[test]
fn ipv6_loopback_clean_path() {
    let server = LocalServer::start("[::1]:0".parse().unwrap(), &ServerSettings::default())
        .expect("listen on ::1");
    let target = format!("[::1]:{}", server.addr().port());
    let (code, v, _) = mitm_json(&[&target, "--ca", root_pem().to_str().unwrap()], &[]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["name"], "::1");
    assert_eq!(v["host_valid"], true);
    assert!(signal_ids(&v).is_empty());
}

#[test]
fn key_possession_is_checked_in_tls12_too() {
    let server = local_server(ServerSettings {
        key: TestKey::Rsa2048,
        wrong_key: Some(TestKey::EcdsaP256),
        versions: tlsight::handshake::VersionChoice::Tls12,
        ..ServerSettings::default()
    });
    let (code, v, _) = mitm_json(
        &[
            &server.addr().to_string(),
            "--ca",
            root_pem().to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(signal(&v, "key_possession_failed")["severity"], "critical");
    assert_eq!(
        signal_ids(&v)[0],
        "key_possession_failed",
        "first in the list"
    );
    assert_eq!(v["server"]["handshake_signature_valid"], false);
    assert_eq!(
        v["server"]["key_possession"]["proof"],
        "server_key_exchange"
    );
}

#[test]
fn a_server_that_is_not_tls_cannot_be_assessed() {
    let http = common::FakeServer::start(|s| {
        common::reply(s, b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
    });
    let (code, err) = mitm_fail(&[&http.target()]);
    assert_eq!(code, 2);
    assert!(err.contains("no certificate to assess"), "{err}");
    assert!(err.contains("does not speak TLS"), "{err}");
}

#[test]
fn human_output_names_the_verdict_signals_and_evidence() {
    let server = local_server(ServerSettings::default());
    let ca = ForgingCa::new();
    let proxy = TestProxy::start(ProxyMode::Reverse, server.addr(), &ca);
    let out = Command::cargo_bin("tlsight")
        .unwrap()
        .args(["mitm", &proxy.addr.to_string()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains('\u{1b}'), "piped output must be plain");
    for needle in [
        "verdict INTERCEPTED",
        "critical known_interception_issuer",
        "issuer \"CN=mitmproxy, O=mitmproxy\" matches mitmproxy",
        "warning  untrusted_chain",
        "trust per store",
        "why: ",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
}

#[test]
fn remember_without_a_file_uses_the_state_directory() {
    let server = local_server(ServerSettings::default());
    let state = tempfile::tempdir().unwrap();
    let (code, v, _) = mitm_json(
        &[
            &server.addr().to_string(),
            "--ca",
            root_pem().to_str().unwrap(),
            "--remember",
        ],
        &[("XDG_STATE_HOME", state.path().to_str().unwrap())],
    );
    assert_eq!(code, 0, "{v:#}");
    let file = state.path().join("tlsight/mitm-baseline.json");
    assert_eq!(v["baseline"]["file"], file.to_str().unwrap());
    assert_eq!(v["baseline"]["action"], "recorded");
    assert!(file.is_file());
}

#[test]
fn a_custom_catalogue_replaces_the_built_in_one() {
    let server = local_server(ServerSettings::default());
    let tmp = tempfile::tempdir().unwrap();
    let cat = write(
        tmp.path(),
        "cat.json",
        r#"{"schema":1,"entries":[{"id":"testpki","product":"tlsight test PKI","vendor":"tlsight",
           "kind":"debugging_proxy","match":[{"O":"tlsight test PKI","CN":"tlsight Test Intermediate CA"}],
           "confidence":"verified","source":"certs/gen-certs.sh"}]}"#,
    );
    let (code, v, _) = mitm_json(
        &[
            &server.addr().to_string(),
            "--ca",
            root_pem().to_str().unwrap(),
            "--catalogue",
            cat.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(signal_ids(&v), vec!["known_interception_issuer"]);
    // The leaf's issuer and the intermediate's own subject both name the CA.
    let hits: Vec<(u64, &str)> = v["interception_products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["certificate"].as_u64().unwrap(),
                m["field"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(hits, vec![(0, "issuer"), (1, "subject")]);
    std::fs::write(&cat, "[]").unwrap();
    let (code, err) = mitm_fail(&[
        &server.addr().to_string(),
        "--catalogue",
        cat.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("bad interception catalogue"), "{err}");
}

/// `tlsight audit` through mitmproxy in reverse mode (a TLS-terminating proxy that stalls
/// other connections while an odd hello is pending): the default audit, five connections at
/// once, must give the same answer as the careful one with `--max-connections 1`.
#[test]
fn audit_through_mitmproxy_equals_the_one_connection_audit() {
    let upstream = common::OpensslServer::start(&[
        "-cert",
        common::repo("certs/rsa2048.pem").to_str().unwrap(),
        "-key",
        common::repo("certs/rsa2048.key").to_str().unwrap(),
        "-www",
    ]);
    let Some(md) = Mitmdump::reverse(upstream.target().parse().unwrap()) else {
        return;
    };
    let audit = |max: &str| {
        let out = Command::cargo_bin("tlsight")
            .unwrap()
            .args(["audit", &md.target(), "--json", "--timeout", "3"])
            .args(["--at", "2026-06-01T00:00:00Z", "--max-connections", max])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let o = v.as_object_mut().unwrap();
        for k in ["connections", "elapsed_ms", "throttled", "retried"] {
            o.remove(k);
        }
        // The enumeration must not depend on the concurrency; the active vulnerability checks'
        // own probes run after it and may time out differently through the proxy (their
        // `inconclusive` is never `vulnerable`, checked below), so only the passive ones,
        // judged from the enumeration, are compared.
        o.remove("check_connections");
        let vulns = o.remove("vulnerabilities").unwrap_or_default();
        let mut passive = Vec::new();
        for c in vulns.as_array().cloned().unwrap_or_default() {
            if c["active"] == true {
                assert_ne!(c["result"], "vulnerable", "{c:#}");
            } else {
                passive.push(c);
            }
        }
        o.insert("passive_checks".into(), Value::Array(passive));
        v
    };
    let default = audit("5");
    let careful = audit("1");
    assert_eq!(default["protocols"]["TLSv1.2"], true, "{default:#}");
    assert_eq!(default["protocols"]["TLSv1.3"], true, "{default:#}");
    for d in default["protocol_details"].as_array().unwrap() {
        // Only the SSLv2 hello may go unanswered (mitmproxy waits for the rest of it).
        if d["version"] != "SSLv2" {
            assert_ne!(d["status"], "no_answer", "{d}");
        }
    }
    for (k, v) in default.as_object().unwrap() {
        assert_eq!(Some(v), careful.get(k), "{k} differs");
    }
    assert_eq!(default, careful);
}
