//! `tlsight scan`: many targets from one machine, and shards of one list across a cluster.
//!
//! - [`targets`]: the list format (host, host:port, `[v6]:port`, SNI, CIDR ranges, comments),
//!   streamed; the deterministic shard partition ([`Shard`]).
//! - [`conn`]: one connection attempt through the net layer (TCP, proxy, STARTTLS), a rustls
//!   handshake on tokio with a per-scan template configuration and the recording verifier.
//! - [`assess`]: chain verdict per store, interception signals, leaf expiry, JA3S.
//! - [`runner`]: global, per-IP and rate limits, deadlines, retries after timeouts, one
//!   JSON line per target written and flushed as it finishes.
//! - [`record`] / [`summary`]: the output line and the end-of-run counts.
//! - [`resume`]: which targets an existing output file already holds.

pub mod assess;
pub mod conn;
pub mod record;
pub mod resume;
pub mod runner;
pub mod summary;
pub mod targets;

use std::time::Duration;

pub use conn::{Reach, StarttlsChoice};
pub use record::{ScanRecord, Status};
pub use runner::{Progress, ScanOptions, run};
pub use summary::Summary;
pub use targets::{Item, ScanTarget, Shard, TargetStream, key_hash};

/// Limits of a scan; the one place their defaults live.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Targets in flight at once.
    pub concurrency: usize,
    /// Targets in flight at once on one IP address.
    pub per_ip: usize,
    /// New connections per second over the whole scan (`None`: unlimited).
    pub rate: Option<f64>,
    /// Name resolution.
    pub dns_timeout: Duration,
    /// TCP connect, per attempt.
    pub connect_timeout: Duration,
    /// TLS handshake (and the STARTTLS upgrade), per attempt, however the server drips bytes.
    pub handshake_timeout: Duration,
    /// Everything for one target once it has its connection slot: attempts, backoff, audit.
    pub target_timeout: Duration,
    /// Extra attempts after a timeout (never after other failures).
    pub retries: u32,
    /// Wait before the first retry; doubled before each next one.
    pub backoff: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            concurrency: 500,
            per_ip: 8,
            rate: None,
            dns_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(5),
            handshake_timeout: Duration::from_secs(10),
            target_timeout: Duration::from_secs(30),
            retries: 1,
            backoff: Duration::from_millis(500),
        }
    }
}

impl Limits {
    /// Time between connection starts under `rate`.
    pub fn rate_interval(&self) -> Option<Duration> {
        self.rate
            .filter(|r| *r > 0.0 && r.is_finite())
            .map(|r| Duration::from_secs_f64(1.0 / r))
    }
}

/// Why a scan could not run (per-target failures are records, not errors).
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// Settings or local resources.
    #[error("{0}")]
    Setup(String),
    /// The target list could not be read.
    #[error("{0}")]
    Input(String),
    /// The output could not be written.
    #[error("cannot write the output: {0}")]
    Output(String),
    /// The reader of our output went away (`| head`).
    #[error("output closed")]
    BrokenPipe,
}
