//! Decryption of recorded TLS sessions: the TLS 1.3 key schedule ([`tls13`]), the TLS 1.2 PRF,
//! master secret and key block ([`tls12`]), record protection ([`record`]), the walk over a whole
//! recorded session ([`session`]) and recovery of RSA key-transport secrets from the server's
//! private key ([`rsa_kx`]). Pure functions over bytes: nothing here opens a socket.
//!
//! Primitives come from ring (HKDF, HMAC, SHA-2, AES-GCM, ChaCha20-Poly1305) and, for what ring
//! lacks, from RustCrypto crates: RSA decryption (`rsa` 0.10, RUSTSEC-2023-0071 fixed), MD5 and
//! HMAC-MD5, CBC mode over AES / 3DES / Camellia / ARIA, GCM over Camellia / ARIA, AES-CCM, RC4.

pub mod dh;
pub mod fs;
pub mod kx;
pub(crate) mod mac;
pub mod record;
pub mod rsa_kx;
pub mod session;
pub mod suite;
pub mod tls12;
pub mod tls13;

pub use record::RecordCipher;
pub use session::{
    DecryptedRecord, DecryptedSession, FinishedCheck, HandshakeMessage, decrypt_session,
};
pub use suite::{Bulk, HashAlg, KeyExchange, SuiteParams};

use crate::capture::Direction;

/// Errors from deriving keys and decrypting records.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// A cipher suite this module cannot decrypt (named, with its code point).
    #[error("cipher suite {name} (0x{code:04X}) is not supported for decryption")]
    UnsupportedSuite {
        /// IANA code point.
        code: u16,
        /// IANA name, or "unknown".
        name: String,
    },
    /// A protocol version this module cannot decrypt.
    #[error("{0} is not supported for decryption (TLS 1.0, 1.1, 1.2 and 1.3 are)")]
    UnsupportedVersion(String),
    /// The key log lacks a secret the session needs.
    #[error("key log has no {label} for client random {client_random}")]
    MissingSecret {
        /// NSS label.
        label: &'static str,
        /// Hex ClientHello.random.
        client_random: String,
    },
    /// A secret or key with the wrong length for the suite.
    #[error("{what} is {got} bytes, expected {expected}")]
    BadKeyLength {
        /// Which secret.
        what: &'static str,
        /// Length received.
        got: usize,
        /// Length required.
        expected: usize,
    },
    /// AEAD authentication failed or the record is malformed.
    #[error("record at byte {offset} from the {sender} did not decrypt: {reason}")]
    Decrypt {
        /// Who sent the record.
        sender: &'static str,
        /// Offset of the record header in that direction's stream.
        offset: usize,
        /// Why.
        reason: String,
    },
    /// The recording does not contain a TLS session we can walk.
    #[error("recording: {0}")]
    Recording(String),
    /// RSA key transport could not be reversed.
    #[error("RSA key transport: {0}")]
    RsaKx(String),
    /// The private key could not be read.
    #[error("private key {path}: {reason}")]
    PrivateKey {
        /// Where the key came from.
        path: String,
        /// Why it was rejected.
        reason: String,
    },
    /// The session used ephemeral key exchange: the long-term key cannot recover it.
    #[error(
        "{suite} uses {kx} key exchange: the ClientKeyExchange carries the client's ephemeral \
         public key ({public_len} bytes), not a secret encrypted to the server's RSA key; the \
         shared secret came from ephemeral private keys that were never stored, so the server's \
         long-term key cannot recompute it (forward secrecy)"
    )]
    ForwardSecret {
        /// Suite name.
        suite: String,
        /// Key exchange name.
        kx: &'static str,
        /// Length of the ephemeral public value in the ClientKeyExchange (0 for TLS 1.3).
        public_len: usize,
    },
    /// TLS 1.3 has no RSA key transport at all.
    #[error(
        "{version} has no RSA key transport: its secret always comes from ephemeral (EC)DHE key \
         shares, so no server key can decrypt it (forward secrecy); decrypt it with a key log"
    )]
    NoKeyTransport {
        /// The version.
        version: String,
    },
    /// An abbreviated handshake: the master secret came from an earlier session.
    #[error(
        "resumed session (abbreviated handshake, no ClientKeyExchange): its master secret comes \
         from the earlier session it resumes; recover that one, or use a key log"
    )]
    Resumed,
    /// The minimal TLS 1.2 client failed.
    #[error("TLS 1.2 client: {0}")]
    Client(String),
}

impl CryptoError {
    pub(crate) fn decrypt(dir: Direction, offset: usize, reason: impl Into<String>) -> Self {
        Self::Decrypt {
            sender: dir.sender(),
            offset,
            reason: reason.into(),
        }
    }
}

/// The IANA name of a cipher suite, from rustls' registry (which names every registered suite,
/// including the ones it does not implement; it spells TLS 1.3 suites `TLS13_`, IANA `TLS_`).
pub fn suite_name(code: u16) -> String {
    match rustls::CipherSuite::from(code).as_str() {
        Some(n) => match n.strip_prefix("TLS13_") {
            Some(rest) => format!("TLS_{rest}"),
            None => n.to_string(),
        },
        None => "unknown".to_string(),
    }
}
