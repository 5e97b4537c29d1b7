//! Downgrade protection with TLS_FALLBACK_SCSV (RFC 7507): a client that retries with a lower
//! version after a failure marks the retry, and the server must refuse it with
//! inappropriate_fallback when it speaks a higher version. Without it an attacker who breaks
//! the first handshakes forces the old version (the way POODLE was delivered).
//! Measured by the audit (one hello one version below the highest, with the SCSV).

use super::{Check, CheckInfo, Outcome, Runner, Verdict};
use crate::probe::AuditReport;

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "fallback_scsv",
        title: "Fallback SCSV (downgrade)",
        cve: &[],
        source: "https://www.rfc-editor.org/rfc/rfc7507",
        method: "a hello one version below the highest accepted, carrying TLS_FALLBACK_SCSV, must \
                 get alert inappropriate_fallback (86); the TLS 1.3 downgrade sentinel covers a \
                 server whose only older version is TLS 1.2",
        active: false,
    },
    run: Runner::Passive(judge),
};

fn judge(r: &AuditReport) -> Outcome {
    let older = ["SSLv3", "TLSv1.0", "TLSv1.1"];
    let sentinel_covers =
        r.features.downgrade_sentinel == Some(true) && older.iter().all(|v| !super::accepted(r, v));
    match r.features.fallback_scsv {
        Some(true) => Outcome::new(
            Verdict::NotVulnerable,
            "a downgraded hello with TLS_FALLBACK_SCSV was refused",
        )
        .with_evidence("alert inappropriate_fallback (86)"),
        Some(false) if sentinel_covers => Outcome::new(
            Verdict::NotVulnerable,
            "TLS_FALLBACK_SCSV ignored, but the only downgrade (TLS 1.3 to 1.2) is detected by \
             the RFC 8446 downgrade sentinel",
        ),
        Some(false) => Outcome::new(
            Verdict::Vulnerable,
            "a downgraded hello with TLS_FALLBACK_SCSV was accepted: version fallback is not \
             detected",
        )
        .with_evidence("ServerHello instead of alert inappropriate_fallback"),
        None => {
            let n = r.protocols.values().filter(|a| **a).count();
            if n < 2 {
                Outcome::new(
                    Verdict::NotApplicable,
                    "fewer than two versions accepted: there is nothing to fall back to",
                )
            } else {
                Outcome::new(
                    Verdict::Inconclusive,
                    "the downgraded hello got neither an alert nor a ServerHello",
                )
            }
        }
    }
}
