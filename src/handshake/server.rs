//! A local TLS server (rustls, ring) serving the committed test PKI on loopback: the peer for
//! `tlsight demo`, `tlsight serve` and the integration tests, so everything works offline.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::{ServerConfig, ServerConnection};

use super::HandshakeError;

/// The committed test root (certs/root.pem), trust anchor of every test leaf.
pub const TEST_ROOT_PEM: &[u8] = include_bytes!("../../certs/root.pem");
const INTERMEDIATE_PEM: &[u8] = include_bytes!("../../certs/intermediate.pem");

/// Which committed leaf the server presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestKey {
    /// certs/rsa2048.pem.
    Rsa2048,
    /// certs/ecdsa-p256.pem.
    EcdsaP256,
    /// certs/ed25519.pem.
    Ed25519,
    /// certs/chains/good.pem: another ECDSA P-256 leaf with its own key, the signer of a server
    /// that presents `EcdsaP256`'s certificate without its key (same algorithm, wrong key).
    OtherEcdsaP256,
}

impl TestKey {
    fn pem(self) -> (&'static [u8], &'static [u8]) {
        match self {
            Self::Rsa2048 => (
                include_bytes!("../../certs/rsa2048.pem"),
                include_bytes!("../../certs/rsa2048.key"),
            ),
            Self::EcdsaP256 => (
                include_bytes!("../../certs/ecdsa-p256.pem"),
                include_bytes!("../../certs/ecdsa-p256.key"),
            ),
            Self::Ed25519 => (
                include_bytes!("../../certs/ed25519.pem"),
                include_bytes!("../../certs/ed25519.key"),
            ),
            Self::OtherEcdsaP256 => (
                include_bytes!("../../certs/chains/good.pem"),
                include_bytes!("../../certs/chains/good.key"),
            ),
        }
    }

    /// The leaf certificate (DER).
    pub fn leaf(self) -> Result<CertificateDer<'static>, HandshakeError> {
        CertificateDer::from_pem_slice(self.pem().0)
            .map_err(|e| HandshakeError::Config(format!("test leaf: {e}")))
    }
}

/// How the local server behaves.
#[derive(Debug, Clone)]
pub struct ServerSettings {
    /// Leaf to present (the chain is leaf + test intermediate).
    pub key: TestKey,
    /// Sign with this key instead of the leaf's own: a server that does not hold the key.
    pub wrong_key: Option<TestKey>,
    /// Versions to accept.
    pub versions: super::VersionChoice,
    /// ALPN protocols the server accepts.
    pub alpn: Vec<Vec<u8>>,
    /// Key-exchange groups (rustls names); empty = provider default. Offering only one the
    /// client does not send a share for forces a HelloRetryRequest.
    pub groups: Vec<rustls::NamedGroup>,
    /// TLS 1.3 tickets to send after the handshake.
    pub tickets: usize,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            key: TestKey::EcdsaP256,
            wrong_key: None,
            versions: super::VersionChoice::Any,
            alpn: vec![b"h2".to_vec(), b"http/1.1".to_vec()],
            groups: Vec::new(),
            tickets: 1,
        }
    }
}

/// A running local server; stops when dropped.
#[derive(Debug)]
pub struct LocalServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    config: Arc<std::sync::Mutex<Arc<ServerConfig>>>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Debug)]
struct FixedCert(Arc<CertifiedKey>);

impl ResolvesServerCert for FixedCert {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }
}

fn load_key(
    pem: &[u8],
    provider: &CryptoProvider,
) -> Result<Arc<dyn rustls::sign::SigningKey>, HandshakeError> {
    let der = PrivateKeyDer::from_pem_slice(pem)
        .map_err(|e| HandshakeError::Config(format!("test key: {e}")))?;
    provider
        .key_provider
        .load_private_key(der)
        .map_err(|e| HandshakeError::Config(format!("test key: {e}")))
}

/// The server configuration for `settings`.
pub fn server_config(settings: &ServerSettings) -> Result<ServerConfig, HandshakeError> {
    let mut provider = (*super::provider()).clone();
    if !settings.groups.is_empty() {
        let all = provider.kx_groups.clone();
        provider.kx_groups = settings
            .groups
            .iter()
            .filter_map(|g| all.iter().find(|k| k.name() == *g).copied())
            .collect();
    }
    let intermediate = CertificateDer::from_pem_slice(INTERMEDIATE_PEM)
        .map_err(|e| HandshakeError::Config(format!("test intermediate: {e}")))?;
    let chain = vec![settings.key.leaf()?, intermediate];
    let signer = settings.wrong_key.unwrap_or(settings.key);
    let signing_key = load_key(signer.pem().1, &provider)?;
    // CertifiedKey::new does not check that key and certificate match, which is what lets the
    // wrong_key setting stage a server without the private key.
    let certified = Arc::new(CertifiedKey::new(chain, signing_key));
    let versions = settings.versions.rustls_versions();
    let mut cfg = ServerConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(&versions)
        .map_err(|e| HandshakeError::Config(e.to_string()))?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(FixedCert(certified)));
    cfg.alpn_protocols = settings.alpn.clone();
    cfg.send_tls13_tickets = settings.tickets;
    Ok(cfg)
}

impl LocalServer {
    /// Starts serving on `bind` (use port 0 for an ephemeral port).
    pub fn start(bind: SocketAddr, settings: &ServerSettings) -> Result<Self, HandshakeError> {
        let cfg = Arc::new(server_config(settings)?);
        let listener = TcpListener::bind(bind).map_err(|e| HandshakeError::Connect {
            addr: bind.to_string(),
            reason: format!("cannot listen: {e}"),
        })?;
        let addr = listener
            .local_addr()
            .map_err(|e| HandshakeError::Io(e.to_string()))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| HandshakeError::Io(e.to_string()))?;
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let config = Arc::new(std::sync::Mutex::new(cfg));
        let config2 = config.clone();
        let thread = std::thread::spawn(move || {
            while !stop2.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((sock, _)) => {
                        let cfg = config2.lock().unwrap_or_else(|p| p.into_inner()).clone();
                        std::thread::spawn(move || serve_one(cfg, sock));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Ok(Self {
            addr,
            stop,
            config,
            thread: Some(thread),
        })
    }

    /// Serves later connections with other settings on the same listening socket: a "server
    /// that changed" on the same address, without the race of releasing and rebinding the port.
    pub fn reconfigure(&self, settings: &ServerSettings) -> Result<(), HandshakeError> {
        let cfg = Arc::new(server_config(settings)?);
        *self.config.lock().unwrap_or_else(|p| p.into_inner()) = cfg;
        Ok(())
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until the process ends (for `tlsight serve`).
    pub fn wait(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// One connection: handshake, answer one HTTP request (if any arrives), close.
fn serve_one(cfg: Arc<ServerConfig>, mut sock: TcpStream) {
    let _ = sock.set_nonblocking(false);
    let _ = sock.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = sock.set_write_timeout(Some(Duration::from_secs(10)));
    let Ok(mut conn) = ServerConnection::new(cfg) else {
        return;
    };
    let mut tls = rustls::Stream::new(&mut conn, &mut sock);
    let mut buf = [0u8; 4096];
    // Reading drives the handshake; a client that only inspects closes after it.
    let n = match tls.read(&mut buf) {
        Ok(n) => n,
        Err(_) => return,
    };
    if n > 0 {
        let body = "hello from the tlsight test server\n";
        let resp = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = tls.write_all(resp.as_bytes());
    }
    tls.conn.send_close_notify();
    let _ = tls.flush();
}
