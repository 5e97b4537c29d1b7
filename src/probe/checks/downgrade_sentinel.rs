//! The TLS 1.3 downgrade sentinel (RFC 8446 §4.1.3): a server that speaks TLS 1.3 answering a
//! TLS 1.2 hello ends its random with `DOWNGRD\x01`, so a TLS 1.3 client detects an attacker
//! who removed its TLS 1.3 offer. Read off the TLS 1.2 enumeration's first ServerHello.

use super::{Check, CheckInfo, Outcome, Runner, Verdict};
use crate::probe::AuditReport;

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "downgrade_sentinel",
        title: "TLS 1.3 downgrade sentinel",
        cve: &[],
        source: "https://www.rfc-editor.org/rfc/rfc8446#section-4.1.3",
        method: "the random of the first TLS 1.2 ServerHello of a server that also speaks TLS \
                 1.3 must end with DOWNGRD\\x01",
        active: false,
    },
    run: Runner::Passive(judge),
};

fn judge(r: &AuditReport) -> Outcome {
    match r.features.downgrade_sentinel {
        Some(true) => Outcome::new(
            Verdict::NotVulnerable,
            "TLS 1.2 answers carry the downgrade sentinel",
        )
        .with_evidence("ServerHello.random ends with 444f574e47524401"),
        Some(false) => Outcome::new(
            Verdict::Vulnerable,
            "the server speaks TLS 1.3 but its TLS 1.2 answers lack the downgrade sentinel: a \
             TLS 1.3 client cannot detect a downgrade to TLS 1.2",
        ),
        None => Outcome::new(
            Verdict::NotApplicable,
            "needs both TLS 1.3 and TLS 1.2 accepted",
        ),
    }
}
