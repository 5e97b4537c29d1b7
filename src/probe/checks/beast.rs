//! BEAST (Duong, Rizzo 2011): the predictable CBC IV of SSLv3 and TLS 1.0 lets a chosen-plaintext
//! attacker decrypt cookies. An exposure: clients have split records (1/n-1) since 2012, so
//! what is reported is that the server allows it, not that a client would fall for it.

use super::{Check, CheckInfo, Runner, judge_suites};
use crate::probe::AuditReport;

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "beast",
        title: "BEAST exposure",
        cve: &["CVE-2011-3389"],
        source: "https://nvd.nist.gov/vuln/detail/CVE-2011-3389",
        method: "SSLv3 and TLS 1.0 suites from the enumeration: any CBC suite accepted there \
                 (exposure; mitigated in clients by record splitting)",
        active: false,
    },
    run: Runner::Passive(judge),
};

fn judge(r: &AuditReport) -> super::Outcome {
    judge_suites(
        r,
        &["SSLv3", "TLSv1.0"],
        |i| i.cbc(),
        "exposure: CBC suites with an implicit IV",
        if super::accepted(r, "SSLv3") || super::accepted(r, "TLSv1.0") {
            "no CBC suite in SSLv3/TLS 1.0"
        } else {
            "SSLv3 and TLS 1.0 refused"
        },
    )
}
