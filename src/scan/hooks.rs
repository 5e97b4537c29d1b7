//! Extension points the scanner calls but does not implement: the plaintext upgrade before TLS
//! (STARTTLS, issue 13, lives in `net`) and a second handshake engine for servers rustls cannot
//! talk to (our own TLS 1.0-1.2 engine, issue 11). Each is a small object-safe trait, so the
//! layer that implements it plugs in without the scanner knowing the protocol.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Instant;

use tokio::net::TcpStream;

/// A boxed future, as object-safe async traits need.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Runs a plaintext protocol on a fresh connection until the server is ready for a
/// ClientHello (SMTP `STARTTLS`, IMAP `a STARTTLS`, ...). Must return by `deadline`; the
/// scanner also enforces it.
pub trait Upgrade: Send + Sync + std::fmt::Debug {
    /// Protocol name for the output (`smtp`, `imap`, ...).
    fn name(&self) -> &str;
    /// Performs the upgrade; `Err` carries the reason (status `starttls_failure`).
    fn upgrade<'a>(
        &'a self,
        sock: &'a mut TcpStream,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<(), String>>;
}

/// What a fallback engine learned from a server rustls could not handshake with.
#[derive(Debug, Clone, Default)]
pub struct FallbackResult {
    /// Negotiated version code point.
    pub version: Option<u16>,
    /// Negotiated cipher suite code point.
    pub cipher_suite: Option<u16>,
    /// The certificates the server sent, leaf first (DER).
    pub certificates: Vec<rustls::pki_types::CertificateDer<'static>>,
    /// Whether the server's signature over the key exchange verified.
    pub handshake_signature_valid: Option<bool>,
}

/// A second handshake engine, tried when rustls found nothing in common with the server
/// (alerts `handshake_failure` / `protocol_version` in answer to the hello): typically TLS 1.0
/// or 1.1 only, or suites rustls does not implement.
pub trait Fallback: Send + Sync + std::fmt::Debug {
    /// Handshakes with `addr` on a new connection, sending `sni` when given.
    fn handshake<'a>(
        &'a self,
        addr: SocketAddr,
        sni: Option<&'a str>,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<FallbackResult, String>>;
}
