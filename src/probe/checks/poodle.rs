//! POODLE (Möller, Duong, Kotowicz 2014): SSLv3's CBC padding is not covered by the MAC, so an
//! attacker who can make the client retry decrypts a byte per 256 requests. Any SSLv3 CBC suite
//! is the flaw; no probe can add to what the enumeration found.

use super::{Check, CheckInfo, Runner, judge_suites};
use crate::probe::AuditReport;

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "poodle",
        title: "POODLE (SSLv3)",
        cve: &["CVE-2014-3566"],
        source: "https://www.openssl.org/~bodo/ssl-poodle.pdf",
        method: "SSLv3 suites from the enumeration: any CBC suite accepted in SSLv3",
        active: false,
    },
    run: Runner::Passive(judge),
};

fn judge(r: &AuditReport) -> super::Outcome {
    judge_suites(
        r,
        &["SSLv3"],
        |i| i.cbc(),
        "SSLv3 accepted with CBC suites",
        if super::accepted(r, "SSLv3") {
            "SSLv3 accepted, but with no CBC suite"
        } else {
            "SSLv3 refused"
        },
    )
}
