//! The extension point the scanner calls but does not implement: a second handshake engine for
//! servers rustls cannot talk to (our own TLS 1.0-1.2 engine, issue 11). A small object-safe
//! trait, so the engine plugs in without the scanner knowing its internals.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Instant;

/// A boxed future, as object-safe async traits need.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

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
