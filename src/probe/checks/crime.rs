//! CRIME (Rizzo, Duong 2012): TLS-level compression leaks secrets through the compressed
//! length. Every hello of the audit offers DEFLATE; a ServerHello choosing it is the flaw.

use super::{Check, CheckInfo, Outcome, Runner, Verdict};
use crate::probe::AuditReport;

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "crime",
        title: "CRIME (TLS compression)",
        cve: &["CVE-2012-4929"],
        source: "https://nvd.nist.gov/vuln/detail/CVE-2012-4929",
        method: "every SSLv3-TLS 1.2 hello of the enumeration offers DEFLATE: a ServerHello \
                 choosing a compression method other than null",
        active: false,
    },
    run: Runner::Passive(judge),
};

fn judge(r: &AuditReport) -> Outcome {
    match r.features.compression {
        Some(true) => Outcome::new(
            Verdict::Vulnerable,
            "the server chose TLS compression (DEFLATE)",
        )
        .with_evidence("ServerHello compression_method 1 (DEFLATE)"),
        Some(false) => Outcome::new(
            Verdict::NotVulnerable,
            "no ServerHello chose compression although every hello offered DEFLATE",
        ),
        None if super::accepted(r, "TLSv1.3") => Outcome::new(
            Verdict::NotVulnerable,
            "TLS 1.3 only, which has no compression",
        ),
        None => Outcome::new(
            Verdict::Inconclusive,
            "no SSLv3-TLS 1.2 ServerHello to read the compression method from",
        ),
    }
}
