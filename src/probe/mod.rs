//! `tlsight audit`: what a server really accepts, found with hand-crafted ClientHellos
//! ([`crate::wire::builder`]) instead of a TLS library, so every IANA suite, group and version can
//! be offered, and nothing needs to complete a handshake (DESIGN.md §6.4).
//!
//! - [`conn`]: the [`Scheduler`] owns every connection (budget, delay, timeouts) and reads the
//!   server's first flight into a [`Reply`].
//! - [`scan`]: the driver: enumerate, measure, run the checks, judge (a short function over
//!   the phases below).
//! - `enumerate`: versions and suites by bundles with remove-and-retry, server preference,
//!   TLS 1.3 suites and groups through an empty key_share and the HelloRetryRequest, TLS ≤ 1.2
//!   groups and signature schemes through ServerKeyExchange.
//! - `measure`: extension answers read off the same flights, TLS_FALLBACK_SCSV, ALPN,
//!   resumption, SSLv2, the certificate chain, its trust and the proof of key possession.
//! - [`checks`]: the vulnerability checks, one file each, run by the driver after the
//!   measurements.
//! - [`grade`]: weaknesses, an SSL Labs-style grade and Mozilla profile compliance.
//! - [`report`]: the serde data model rendered by the CLI as text or JSON.

pub mod checks;
pub mod conn;
mod enumerate;
pub mod grade;
mod measure;
mod possession;
pub mod report;
pub mod resume;
pub mod scan;
pub mod suite;

use std::net::SocketAddr;
use std::time::Duration;

pub use conn::{Flight, Reply, Scheduler};
pub use report::AuditReport;
pub use scan::audit;

/// Limits for an audit; the one place their defaults live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// TCP connect timeout per connection.
    pub connect_timeout: Duration,
    /// Time allowed for the server's first flight after the hello is sent.
    pub read_timeout: Duration,
    /// Connections open at once to the server (sslyze uses 5).
    pub max_connections: usize,
    /// Minimum time between two connection starts.
    pub delay: Duration,
    /// Where every probe connection leaves its transcript for `--pcap` (none: not recorded).
    pub tap: Option<&'static crate::capture::Tap>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(5),
            max_connections: 5,
            delay: Duration::ZERO,
            tap: None,
        }
    }
}

impl ProbeError {
    /// Stable code for `--json` errors (docs/audit.md).
    pub fn code(&self) -> &'static str {
        match self {
            ProbeError::Connect { .. } => "connect_failed",
            ProbeError::ConnectTimeout { .. } => "connect_timeout",
            ProbeError::Target(_) => "bad_target",
            ProbeError::NothingToAudit { code, .. } => code,
            ProbeError::Internal(_) => "internal",
            ProbeError::Net { finding: true, .. } => "starttls_refused",
            ProbeError::Net { .. } => "net_failed",
        }
    }
}

/// Why an audit could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProbeError {
    /// TCP connect failed.
    #[error("cannot connect to {addr}: {reason}")]
    Connect {
        /// Address tried.
        addr: SocketAddr,
        /// OS error text.
        reason: String,
    },
    /// TCP connect timed out.
    #[error("connecting to {addr} timed out after {secs:.1}s")]
    ConnectTimeout {
        /// Address tried.
        addr: SocketAddr,
        /// The timeout.
        secs: f64,
    },
    /// The proxy or the STARTTLS upgrade failed (`finding`: the server does not offer or
    /// refuses the upgrade).
    #[error("{message}")]
    Net {
        /// What happened, one line.
        message: String,
        /// A fact about the server rather than a failure to run.
        finding: bool,
    },
    /// Name resolution or target syntax.
    #[error("{0}")]
    Target(String),
    /// No hello got a TLS answer: nothing to audit. `code` is stable (docs/audit.md).
    #[error("{addr}: {message}")]
    NothingToAudit {
        /// Address probed.
        addr: SocketAddr,
        /// `not_tls`, `no_answer`, `closed`, `reset`, `alerts_only`, `empty_records`.
        code: &'static str,
        /// What the peer did instead.
        message: String,
    },
    /// A bug or an impossible state; says which.
    #[error("internal error: {0}")]
    Internal(String),
}
