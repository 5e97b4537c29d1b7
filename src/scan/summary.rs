//! The end-of-scan summary: counts by status, version, suite, verdict and diagnosis code, the
//! expiry picture and the slowest targets. Built from the records as they are written, so it
//! agrees with the output file line for line.

use std::collections::BTreeMap;

use serde::Serialize;

use super::record::{ScanRecord, Status};

/// How many of the slowest targets are listed.
pub const SLOWEST: usize = 10;

/// One of the slowest targets.
#[derive(Debug, Clone, Serialize)]
pub struct Slow {
    /// The target's key.
    pub key: String,
    /// Its status.
    pub status: Status,
    /// Its wall time.
    pub elapsed_ms: f64,
}

/// Counts over every record written by this run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Records written by this run.
    pub targets: u64,
    /// By `status`.
    pub status: BTreeMap<Status, u64>,
    /// Completed handshakes by negotiated version.
    pub versions: BTreeMap<String, u64>,
    /// Completed handshakes by cipher suite.
    pub cipher_suites: BTreeMap<String, u64>,
    /// Chains by verdict: `trusted`, `untrusted`.
    pub verdicts: BTreeMap<String, u64>,
    /// Chains anchored per store.
    pub trusted_by_store: BTreeMap<String, u64>,
    /// Verification error codes (each counted once per target).
    pub errors: BTreeMap<String, u64>,
    /// Interception verdicts.
    pub interception: BTreeMap<String, u64>,
    /// Leaves already expired.
    pub expired: u64,
    /// Leaves expiring within 30 days (not yet expired).
    pub expiring_30_days: u64,
    /// Connection attempts made, retries included.
    pub attempts: u64,
    /// Targets skipped because the output already had them (`--resume`).
    pub skipped_resume: u64,
    /// Targets left to other shards.
    pub other_shards: u64,
    /// Chains validated (the rest came from the per-scan verdict cache).
    pub chains_validated: u64,
    /// This process's shard, `K/N`.
    pub shard: Option<String>,
    /// Wall time of the run, seconds.
    pub elapsed_s: f64,
    /// Records per second.
    pub targets_per_second: f64,
    /// The slowest targets, slowest first.
    pub slowest: Vec<Slow>,
}

impl Summary {
    /// Counts one record.
    pub fn add(&mut self, r: &ScanRecord) {
        self.targets += 1;
        *self.status.entry(r.status).or_default() += 1;
        self.attempts += u64::from(r.attempts);
        if let Some(n) = r.negotiated.as_ref().filter(|_| r.status == Status::Ok) {
            {
                if let Some(v) = &n.version {
                    *self.versions.entry(v.clone()).or_default() += 1;
                }
                if let Some(s) = &n.cipher_suite {
                    *self.cipher_suites.entry(s.clone()).or_default() += 1;
                }
            }
        }
        if let Some(v) = &r.verification {
            let verdict = if v.trusted { "trusted" } else { "untrusted" };
            *self.verdicts.entry(verdict.into()).or_default() += 1;
            for (store, s) in &v.stores {
                if s.trusted {
                    *self.trusted_by_store.entry(store.clone()).or_default() += 1;
                }
            }
            let mut codes: Vec<&String> = v.errors.iter().collect();
            codes.sort();
            codes.dedup();
            for c in codes {
                *self.errors.entry(c.clone()).or_default() += 1;
            }
        }
        if let Some(i) = &r.interception {
            *self.interception.entry(i.verdict.clone()).or_default() += 1;
        }
        if let Some(c) = &r.certificate {
            if c.days_to_expiry < 0 {
                self.expired += 1;
            } else if c.days_to_expiry < 30 {
                self.expiring_30_days += 1;
            }
        }
        let slow = Slow {
            key: r.key.clone(),
            status: r.status,
            elapsed_ms: r.elapsed_ms,
        };
        let pos = self
            .slowest
            .iter()
            .position(|s| s.elapsed_ms < slow.elapsed_ms)
            .unwrap_or(self.slowest.len());
        if pos < SLOWEST {
            self.slowest.insert(pos, slow);
            self.slowest.truncate(SLOWEST);
        }
    }
}
