//! `tlsight fs-demo` as a library call: record session A (RSA key transport) and session B
//! (ECDHE) against a server, then attack each recording with nothing but the server's private
//! key. The CLI renders the [`DemoReport`] (`report::fsdemo`) or prints it as JSON.

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use super::FsDemoError;
use super::server::{DEMO_KEY, OpensslServer};
use crate::capture::{Direction, KeyLogSecrets};
use crate::crypto::fs::{self, SessionAccount};
use crate::crypto::{decrypt_session, rsa_kx};
use crate::handshake::{self, Target, legacy12};

/// Session A: RSA key transport (TLS_RSA_WITH_AES_128_GCM_SHA256).
pub const SUITE_RSA: u16 = 0x009C;
/// Session B: ECDHE (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256).
pub const SUITE_ECDHE: u16 = 0xC02F;

/// What `fs-demo` runs against and where it keeps its files.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// The user's TLS 1.2 server (`HOST:PORT`); with `key`. None: a local `openssl s_server`.
    pub server: Option<String>,
    /// The user's server's RSA private key file.
    pub key: Option<PathBuf>,
    /// SNI and Host header (default: localhost, or the server's host name; none for an IP).
    pub sni: Option<String>,
    /// Keep the recordings and key logs in this directory.
    pub out: Option<PathBuf>,
    /// Allowed for each step on the network.
    pub timeout: Duration,
}

/// The `--json` account of `tlsight fs-demo`.
#[derive(Debug, Serialize)]
pub struct DemoReport {
    /// The server the sessions went to.
    pub server: String,
    /// "local openssl s_server" or "user server".
    pub server_kind: &'static str,
    /// Where the private key came from.
    pub private_key: String,
    /// Where the recordings were kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out_dir: Option<String>,
    /// Session A (RSA key transport) then B (ECDHE).
    pub sessions: Vec<DemoSession>,
    /// Why TLS 1.3 does not have this problem.
    pub tls13: &'static str,
}

/// One recorded session and what the private key did to it.
#[derive(Debug, Serialize)]
pub struct DemoSession {
    /// "A" or "B".
    pub name: &'static str,
    /// The suite offered.
    pub offered_suite: String,
    /// The recording file, when kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recording: Option<String>,
    /// Bytes each way.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<Bytes>,
    /// The attack with the private key.
    #[serde(flatten)]
    pub account: Option<SessionAccount>,
    /// The client's own key log decrypts the session (the endpoints knew the secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_keylog_decrypts: Option<bool>,
    /// The recovered master secret equals the one OpenSSL logged (local server only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matches_server_keylog: Option<bool>,
    /// Why the session could not be recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Bytes recorded each way.
#[derive(Debug, Serialize)]
pub struct Bytes {
    /// Client to server.
    pub client_to_server: usize,
    /// Server to client.
    pub server_to_client: usize,
}

/// Why TLS 1.3 does not have this problem (the report's `tls13`).
pub const TLS13_NOTE: &str = "TLS 1.3 removed static RSA key transport: every TLS 1.3 handshake \
    agrees its secret by ephemeral (EC)DHE, so a leaked server key never decrypts recorded TLS 1.3 traffic.";

impl DemoReport {
    /// How many sessions the private key was tried on (none: the demo could not run).
    pub fn sessions_attacked(&self) -> usize {
        self.sessions.iter().filter(|s| s.account.is_some()).count()
    }
}

/// Runs the demo: starts the local server (unless `opts.server`), records both sessions,
/// attacks each recording with the private key, and removes the server's files again.
pub fn run(opts: &DemoOptions) -> Result<DemoReport, FsDemoError> {
    let timeout = opts.timeout;
    // Local openssl server or the user's server.
    let (local, addr, key, key_label, sni) = match (&opts.server, &opts.key) {
        (Some(server), Some(key_path)) => {
            // Same target syntax and DNS timeout as `tlsight handshake`.
            let target = Target::parse(server, 443)?;
            let addr = match handshake::resolve(&target, timeout) {
                Ok(a) => a[0],
                Err(e) => return Err(e.into()),
            };
            let key = rsa_kx::load_private_key_file(key_path)?;
            // RFC 6066: no IP literals in SNI; the Host header still names the target.
            let sni = opts
                .sni
                .clone()
                .or_else(|| target.ip().is_none().then(|| target.host.clone()));
            (None, addr, key, key_path.display().to_string(), sni)
        }
        _ => {
            let srv = OpensslServer::start(timeout)?;
            let key =
                rsa_kx::load_private_key(&String::from_utf8_lossy(DEMO_KEY), "built-in demo key")?;
            let addr = srv.addr;
            let sni = Some(opts.sni.clone().unwrap_or_else(|| "localhost".into()));
            (
                Some(srv),
                addr,
                key,
                "built-in demo key (certs/rsa2048.key)".to_string(),
                sni,
            )
        }
    };
    if let Some(dir) = &opts.out
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        return Err(FsDemoError::io(dir, e));
    }
    let host = sni.clone().unwrap_or_else(|| addr.ip().to_string());
    let request = format!("GET / HTTP/1.0\r\nHost: {host}\r\n\r\n").into_bytes();
    let mut sessions = Vec::new();
    let mut client_secrets = KeyLogSecrets::default();
    for (name, suite, file) in [
        ("A", SUITE_RSA, "session-a-rsa.json"),
        ("B", SUITE_ECDHE, "session-b-ecdhe.json"),
    ] {
        let mut s = DemoSession {
            name,
            offered_suite: crate::crypto::suite_name(suite),
            recording: None,
            bytes: None,
            account: None,
            client_keylog_decrypts: None,
            matches_server_keylog: None,
            error: None,
        };
        let hs = legacy12::Options {
            suite,
            server_name: sni.clone(),
            request: request.clone(),
            timeout,
            extended_master_secret: true,
            encrypt_then_mac: true,
        };
        let session = match legacy12::run(addr, &hs) {
            Ok(x) => x,
            Err(e) => {
                s.error = Some(e.to_string());
                sessions.push(s);
                continue;
            }
        };
        let t = session.transcript;
        s.bytes = Some(Bytes {
            client_to_server: t.stream(Direction::ClientToServer).0.len(),
            server_to_client: t.stream(Direction::ServerToClient).0.len(),
        });
        if let Some(dir) = &opts.out {
            let path = dir.join(file);
            if let Err(e) = t.save(&path) {
                return Err(e.into());
            }
            s.recording = Some(path.display().to_string());
        }
        for e in session.secrets.entries() {
            client_secrets.insert(e);
        }
        // From here on: only the recording and the private key.
        match fs::attack(&t, &key) {
            Ok(a) => {
                if let (Some(srv), Some(rec)) = (&local, &a.recovered) {
                    s.matches_server_keylog = srv.keylog().and_then(|log| {
                        let cr = decrypt_session(&t, &session.secrets).ok()?.client_random;
                        Some(
                            log.get(&cr, "CLIENT_RANDOM").map(hex::encode)
                                == Some(rec.master_secret.clone()),
                        )
                    });
                }
                s.account = Some(a);
            }
            Err(e) => s.error = Some(e.to_string()),
        }
        s.client_keylog_decrypts = Some(fs::decrypts_with(&t, &session.secrets));
        sessions.push(s);
    }
    if let Some(dir) = &opts.out {
        let path = dir.join("client.keylog");
        if let Err(e) = std::fs::write(&path, client_secrets.to_nss()) {
            return Err(FsDemoError::io(&path, e));
        }
        if let Some(srv) = &local {
            let _ = std::fs::copy(srv.dir.join("server.keylog"), dir.join("server.keylog"));
        }
    }
    let report = DemoReport {
        server: addr.to_string(),
        server_kind: if local.is_some() {
            "local openssl s_server"
        } else {
            "user server"
        },
        private_key: key_label,
        out_dir: opts.out.as_ref().map(|d| d.display().to_string()),
        sessions,
        tls13: TLS13_NOTE,
    };
    drop(local);
    Ok(report)
}
