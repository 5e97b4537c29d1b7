//! tlsight's own TLS 1.0 / 1.1 / 1.2 client, for the servers rustls refuses to talk to: RSA key
//! transport, finite-field DHE, anonymous DH/ECDH, CBC / CCM / Camellia / ARIA / 3DES / RC4 /
//! NULL suites, and the versions before TLS 1.2. It is sans-IO ([`Client`] takes the server's
//! bytes and hands back bytes to send; [`crate::handshake`] owns the socket and the recording),
//! it completes full handshakes (client Finished sent, server Finished verified), and it says
//! what proved that the server holds its certificate's key: the ServerKeyExchange signature for
//! (EC)DHE, the server's Finished for RSA key transport (only the holder of the private key
//! could decrypt the pre-master secret the Finished is keyed from).
//!
//! It is an inspector, not a general-purpose TLS library: no resumption, no renegotiation, no
//! client certificates (a CertificateRequest is answered with an empty Certificate), no SSLv3,
//! no TLS 1.3 (rustls does that), no DSA / static-DH / PSK / SRP / GOST suites. Every primitive
//! comes from ring or RustCrypto through [`crate::crypto`].

mod client;

pub use client::{Client, EngineError};

use serde::Serialize;

/// What the client offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Lowest version accepted (0x0301 TLS 1.0 .. 0x0303 TLS 1.2).
    pub min_version: u16,
    /// Highest version offered.
    pub max_version: u16,
    /// Cipher suites to offer, in order; empty = every suite the engine runs (see
    /// [`supported_suites`]).
    pub suites: Vec<u16>,
    /// Elliptic-curve groups to offer (x25519, secp256r1, secp384r1); empty = all three.
    pub groups: Vec<u16>,
    /// SNI host name.
    pub server_name: Option<String>,
    /// ALPN protocols to offer.
    pub alpn: Vec<Vec<u8>>,
    /// Offer the extended master secret (RFC 7627).
    pub extended_master_secret: bool,
    /// Offer encrypt-then-MAC (RFC 7366).
    pub encrypt_then_mac: bool,
    /// Signal secure renegotiation (RFC 5746) with the SCSV; `false` is a legacy client (no
    /// SCSV, no renegotiation_info), as the insecure-renegotiation check needs.
    pub secure_renegotiation: bool,
    /// Offer the heartbeat extension (RFC 6520, peer_allowed_to_send).
    pub heartbeat: bool,
    /// Offer the session_ticket extension (RFC 5077) with these bytes (empty: ask for one).
    pub session_ticket: Option<Vec<u8>>,
    /// ClientHello.session_id.
    pub session_id: Vec<u8>,
    /// Stop after the server's ServerHelloDone without sending our flight (probes that send
    /// crafted messages of their own there: early ChangeCipherSpec, ROBOT's ClientKeyExchange).
    pub pause_at_server_hello_done: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            min_version: 0x0301,
            max_version: 0x0303,
            suites: Vec::new(),
            groups: Vec::new(),
            server_name: None,
            alpn: Vec::new(),
            extended_master_secret: true,
            encrypt_then_mac: true,
            secure_renegotiation: true,
            heartbeat: false,
            session_ticket: None,
            session_id: Vec::new(),
            pause_at_server_hello_done: false,
        }
    }
}

/// Elliptic-curve groups the engine can agree on (ring's X25519, P-256, P-384).
pub const GROUPS: [u16; 3] = [0x001D, 0x0017, 0x0018];

/// Signature schemes offered in TLS 1.2 (all verifiable by [`crate::crypto::kx`]).
pub const SIG_SCHEMES: [u16; 15] = [
    0x0804, 0x0805, 0x0806, 0x0403, 0x0503, 0x0603, 0x0807, 0x0401, 0x0501, 0x0601, 0x0809, 0x080A,
    0x080B, 0x0201, 0x0203,
];

/// Every TLS 1.0-1.2 suite the engine can negotiate, in the default offer order: forward
/// secret AEADs first, then the rest as the crypto table lists them.
pub fn supported_suites() -> Vec<u16> {
    use crate::crypto::suite::{KeyExchange, SUPPORTED};
    let mut v: Vec<&crate::crypto::SuiteParams> = SUPPORTED.iter().filter(|s| !s.tls13).collect();
    v.sort_by_key(|s| {
        let fs = matches!(s.kx, KeyExchange::Ecdhe | KeyExchange::Dhe);
        (
            !fs,
            !s.bulk.is_aead(),
            s.kx.is_anonymous(),
            // ECDHE before finite-field DHE, as OpenSSL and browsers order them: a 2048-bit
            // modular exponentiation costs far more than an X25519 or P-256 key share.
            matches!(s.kx, KeyExchange::Dhe),
            matches!(
                s.bulk,
                crate::crypto::Bulk::Rc4(_) | crate::crypto::Bulk::Null(_)
            ),
        )
    });
    v.into_iter().map(|s| s.code).collect()
}

/// What proved that the server holds the private key of the certificate it sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PossessionProof {
    /// (EC)DHE: the certificate's key signed the ServerKeyExchange parameters.
    Signature,
    /// RSA key transport: the server's Finished is keyed from a pre-master secret only the
    /// private key could decrypt.
    Finished,
    /// Anonymous suite: no certificate, nothing to prove.
    None,
}

/// The engine's verdict on key possession.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyPossession {
    /// What the proof was (or would have been).
    pub proof: PossessionProof,
    /// Whether it held.
    pub ok: bool,
    /// Why not, when it did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// What the engine learnt, filled in as the handshake goes (so a failed handshake still shows
/// how far it got).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Negotiated version.
    pub version: Option<u16>,
    /// Negotiated suite.
    pub cipher_suite: Option<u16>,
    /// Elliptic-curve group of the ServerKeyExchange.
    pub group: Option<u16>,
    /// Size of the DHE prime, in bits.
    pub dh_prime_bits: Option<usize>,
    /// The server's chain, leaf first.
    pub certificates: Vec<Vec<u8>>,
    /// Stapled OCSP response (CertificateStatus).
    pub ocsp: Vec<u8>,
    /// ServerKeyExchange signature: scheme name and whether it verified.
    pub ske_signature: Option<(String, bool)>,
    /// Key possession verdict, once known.
    pub key_possession: Option<KeyPossession>,
    /// Extended master secret in use.
    pub extended_master_secret: bool,
    /// Encrypt-then-MAC in use (CBC suites).
    pub encrypt_then_mac: bool,
    /// ALPN protocol the server chose.
    pub alpn: Option<String>,
    /// The server asked for a client certificate (answered with none).
    pub client_certificate_requested: bool,
    /// ClientHello.random.
    pub client_random: Vec<u8>,
    /// The master secret, once derived.
    pub master_secret: Option<Vec<u8>>,
    /// Both Finished messages verified.
    pub finished_verified: bool,
    /// ServerHello.session_id.
    pub session_id: Vec<u8>,
    /// The server answered the heartbeat extension.
    pub heartbeat: bool,
    /// The server answered renegotiation_info (RFC 5746).
    pub secure_renegotiation: bool,
    /// The ticket of the server's NewSessionTicket, when it sent one.
    pub session_ticket: Option<Vec<u8>>,
    /// Warning alerts received (descriptions), e.g. no_renegotiation (100).
    pub warning_alerts: Vec<u8>,
    /// Renegotiations completed on this connection.
    pub renegotiations: usize,
    /// ServerHellos received (2 once a renegotiation got its answer).
    pub server_hellos: usize,
}
