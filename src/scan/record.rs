//! One output line per target (JSON Lines, schema in docs/scan.md). Field names follow the
//! single-target commands: `negotiated.*` as in `handshake --json`, `verification.stores.*` and
//! diagnosis codes as in `verify --json`, `interception.verdict` / signal ids as in `mitm --json`.

use serde::{Deserialize, Serialize};

use crate::handshake::{HandshakeError, Timings};
use crate::net::{NetError, StarttlsError};

/// What happened to a target: a fixed list (docs/scan.md). `ok` means the TLS handshake
/// completed; whether the chain is trusted is in `verification`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Handshake completed.
    Ok,
    /// The input line is not a target.
    InvalidTarget,
    /// The name does not resolve.
    DnsError,
    /// No answer from the resolver in time.
    DnsTimeout,
    /// TCP connection refused (RST to the SYN).
    ConnectionRefused,
    /// No route to the host or network.
    Unreachable,
    /// Any other TCP connect failure.
    ConnectError,
    /// TCP connect did not finish in time.
    ConnectTimeout,
    /// The handshake did not finish in time (silent or slow server).
    HandshakeTimeout,
    /// The per-target deadline passed (all attempts included).
    TargetTimeout,
    /// The server closed the connection during the handshake.
    ConnectionClosed,
    /// The server reset the connection during the handshake.
    ConnectionReset,
    /// The server's bytes are not TLS.
    NotTls,
    /// The server sent a fatal alert.
    Alert,
    /// Another TLS failure (no common parameters, malformed messages...).
    HandshakeFailure,
    /// The server's handshake signature does not verify with its certificate: no private key.
    KeyPossessionFailure,
    /// The server does not offer the STARTTLS upgrade (a finding about the server).
    StarttlsNotOffered,
    /// The server refused the STARTTLS command (a finding about the server).
    StarttlsRefused,
    /// The plaintext exchange before TLS broke (unexpected answer, connection closed).
    StarttlsFailure,
    /// The proxy refused, failed or did not answer (`--proxy`).
    ProxyError,
    /// A local problem (socket limits, bad settings) stopped the attempt.
    Error,
}

impl Status {
    /// Every status, in documentation order.
    pub const ALL: [Status; 21] = [
        Status::Ok,
        Status::InvalidTarget,
        Status::DnsError,
        Status::DnsTimeout,
        Status::ConnectionRefused,
        Status::Unreachable,
        Status::ConnectError,
        Status::ConnectTimeout,
        Status::HandshakeTimeout,
        Status::TargetTimeout,
        Status::ConnectionClosed,
        Status::ConnectionReset,
        Status::NotTls,
        Status::Alert,
        Status::HandshakeFailure,
        Status::KeyPossessionFailure,
        Status::StarttlsNotOffered,
        Status::StarttlsRefused,
        Status::StarttlsFailure,
        Status::ProxyError,
        Status::Error,
    ];

    /// The snake_case name used in the output.
    pub fn name(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::InvalidTarget => "invalid_target",
            Status::DnsError => "dns_error",
            Status::DnsTimeout => "dns_timeout",
            Status::ConnectionRefused => "connection_refused",
            Status::Unreachable => "unreachable",
            Status::ConnectError => "connect_error",
            Status::ConnectTimeout => "connect_timeout",
            Status::HandshakeTimeout => "handshake_timeout",
            Status::TargetTimeout => "target_timeout",
            Status::ConnectionClosed => "connection_closed",
            Status::ConnectionReset => "connection_reset",
            Status::NotTls => "not_tls",
            Status::Alert => "alert",
            Status::HandshakeFailure => "handshake_failure",
            Status::KeyPossessionFailure => "key_possession_failure",
            Status::StarttlsNotOffered => "starttls_not_offered",
            Status::StarttlsRefused => "starttls_refused",
            Status::StarttlsFailure => "starttls_failure",
            Status::ProxyError => "proxy_error",
            Status::Error => "error",
        }
    }

    /// Timeouts are the only failures worth retrying: a refusal or an alert will not change.
    pub fn is_timeout(self) -> bool {
        matches!(
            self,
            Status::ConnectTimeout | Status::HandshakeTimeout | Status::DnsTimeout
        )
    }

    fn of_connect(reason: &str) -> Self {
        match reason {
            "connection refused" => Status::ConnectionRefused,
            "host unreachable" | "network unreachable" => Status::Unreachable,
            _ => Status::ConnectError,
        }
    }

    /// The status of a handshake-layer error.
    pub fn of(e: &HandshakeError) -> Self {
        match e {
            HandshakeError::Net(n) => match n {
                NetError::BadTarget { .. } => Status::InvalidTarget,
                NetError::Dns { .. } => Status::DnsError,
                NetError::DnsTimeout { .. } => Status::DnsTimeout,
                NetError::Connect { reason, .. } => Self::of_connect(reason),
                NetError::ConnectTimeout { .. } => Status::ConnectTimeout,
                NetError::Proxy(_) => Status::ProxyError,
                NetError::Starttls(s) => match s {
                    StarttlsError::NotOffered { .. } => Status::StarttlsNotOffered,
                    StarttlsError::Refused { .. } => Status::StarttlsRefused,
                    // A silent server during the exchange is a timeout like any other.
                    StarttlsError::Timeout { .. } => Status::HandshakeTimeout,
                    StarttlsError::Protocol { .. } | StarttlsError::Io { .. } => {
                        Status::StarttlsFailure
                    }
                },
            },
            HandshakeError::Connect { reason, .. } => Self::of_connect(reason),
            HandshakeError::Timeout { .. } => Status::HandshakeTimeout,
            HandshakeError::Closed { .. } => Status::ConnectionClosed,
            HandshakeError::NotTls(_) => Status::NotTls,
            HandshakeError::Alert(_) => Status::Alert,
            HandshakeError::KeyPossession(_) => Status::KeyPossessionFailure,
            HandshakeError::Tls(_) => Status::HandshakeFailure,
            HandshakeError::Io(reason) if reason.contains("reset") => Status::ConnectionReset,
            HandshakeError::Io(_) => Status::ConnectionClosed,
            HandshakeError::Config(_) => Status::Error,
        }
    }
}

/// One target's result: one JSON line.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScanRecord {
    /// The target's identity (`HOST:PORT`, then ` SNI` when the line gave one): what
    /// `--resume` and shards match on. For an invalid line, the line's text.
    pub key: String,
    /// `HOST:PORT` (`[V6]:PORT`).
    pub target: String,
    /// Host name or IP address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// SNI sent (null: none).
    pub sni: Option<String>,
    /// Line of the input the target came from.
    pub line: u64,
    /// Outcome, from the fixed list.
    pub status: Status,
    /// Why it failed, in words (null when `ok`).
    pub error: Option<String>,
    /// Address connected to.
    pub address: Option<String>,
    /// Connection attempts made (retries happen after timeouts only).
    pub attempts: u32,
    /// Wall time for the target, all attempts, in milliseconds.
    pub elapsed_ms: f64,
    /// Phase timings of the last attempt.
    pub timings_ms: Option<Timings>,
    /// The STARTTLS upgrade of the last attempt (absent without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starttls: Option<StarttlsSummary>,
    /// Which implementation spoke: `rustls`, or `tlsight` (our own TLS 1.0-1.2 engine), as in
    /// `handshake --json` (null when no connection was made).
    pub engine: Option<crate::handshake::EngineName>,
    /// Why tlsight's engine spoke instead of rustls (null otherwise).
    pub engine_fallback: Option<String>,
    /// Negotiated parameters (names as in `handshake --json`).
    pub negotiated: Option<Negotiated>,
    /// Whether the server proved possession of the leaf key (handshake signature verified).
    pub handshake_signature_valid: Option<bool>,
    /// The leaf certificate.
    pub certificate: Option<Leaf>,
    /// The chain verdict, per store.
    pub verification: Option<Verification>,
    /// Server fingerprints.
    pub fingerprints: Option<Fingerprints>,
    /// The interception check (`tlsight mitm`'s verdict and signal ids).
    pub interception: Option<Interception>,
    /// The full audit (`--audit`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit: Option<serde_json::Value>,
    /// The shard that scanned it (`K/N`), when sharded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// When the target finished, RFC 3339.
    pub finished_at: String,
}

/// The plaintext upgrade before TLS: `handshake --json`'s `starttls` object without its steps.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StarttlsSummary {
    /// `smtp`, `imap`, ...
    pub protocol: String,
    /// Chosen from the well-known port rather than by `--starttls`.
    pub from_port: bool,
    /// Whether the server agreed to start TLS.
    pub upgraded: bool,
    /// Microseconds the exchange took.
    pub elapsed_us: u64,
    /// The server's last words when it did not agree (its refusal or capability list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_said: Option<String>,
}

impl StarttlsSummary {
    /// From the net layer's exchange.
    pub fn of(x: &crate::net::Exchange) -> Self {
        let server_said = (!x.upgraded)
            .then(|| {
                x.steps
                    .iter()
                    .rev()
                    .find(|s| s.from == crate::net::starttls::Side::Server)
                    .map(|s| s.text.chars().take(300).collect())
            })
            .flatten();
        Self {
            protocol: x.protocol.name().to_string(),
            from_port: x.from_port,
            upgraded: x.upgraded,
            elapsed_us: x.elapsed_us,
            server_said,
        }
    }
}

/// Negotiated parameters.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Negotiated {
    /// "TLSv1.3", ...
    pub version: Option<String>,
    /// IANA name.
    pub cipher_suite: Option<String>,
    /// "0x1301".
    pub cipher_suite_code: Option<String>,
    /// Key-exchange group name.
    pub group: Option<String>,
    /// ALPN protocol.
    pub alpn: Option<String>,
}

/// The leaf certificate, what an inventory needs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Leaf {
    /// Subject DN.
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// Subject alternative names.
    pub sans: Vec<String>,
    /// End of validity, RFC 3339.
    pub not_after: String,
    /// Whole days until `not_after` (negative once expired).
    pub days_to_expiry: i64,
    /// "RSA", "EC", "Ed25519", ...
    pub key_algorithm: String,
    /// Key size in bits.
    pub key_bits: Option<u32>,
    /// SHA-256 of the certificate, hex.
    pub fingerprint_sha256: String,
    /// SHA-256 of the SubjectPublicKeyInfo, base64 (pin form).
    pub spki_sha256: String,
    /// Certificates the server sent, leaf included.
    pub chain_length: usize,
}

/// The chain verdict: `verify --json` semantics with plain webpki rules (no strict profile).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Verification {
    /// At least one store anchors the chain, the name matches, and no error applies.
    pub trusted: bool,
    /// Name checked.
    pub name: String,
    /// Whether the leaf covers `name`.
    pub host_valid: Option<bool>,
    /// Per store: trusted or the diagnosis code.
    pub stores: std::collections::BTreeMap<String, StoreVerdict>,
    /// Diagnosis codes of the errors.
    pub errors: Vec<String>,
    /// Diagnosis codes of the warnings.
    pub warnings: Vec<String>,
}

/// One store's verdict.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoreVerdict {
    /// A valid path to one of the store's anchors exists.
    pub trusted: bool,
    /// Why not, as a diagnosis code.
    pub code: Option<String>,
    /// Subject of the anchor.
    pub anchor: Option<String>,
}

/// Server fingerprints.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Fingerprints {
    /// JA3S MD5.
    pub ja3s: Option<String>,
    /// JA3S input string.
    pub ja3s_string: Option<String>,
    /// JA4S (only with `--ja4s`, FoxIO License 1.1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ja4s: Option<String>,
}

/// The interception verdict.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Interception {
    /// `clean`, `suspicious` or `intercepted`.
    pub verdict: String,
    /// Ids of the signals that fired (e.g. `anchored_only_locally`).
    pub signals: Vec<String>,
}
