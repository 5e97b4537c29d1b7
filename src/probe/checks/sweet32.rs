//! Sweet32 (Bhargavan, Leurent 2016): birthday collisions in 64-bit block ciphers (3DES, IDEA,
//! Blowfish, GOST 28147) recover plaintext after some hundred GB in one connection.

use super::{Check, CheckInfo, Runner, judge_suites};
use crate::probe::AuditReport;

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "sweet32",
        title: "SWEET32",
        cve: &["CVE-2016-2183", "CVE-2016-6329"],
        source: "https://sweet32.info/",
        method: "suites from the enumeration: any 64-bit block cipher (3DES, IDEA, GOST 28147) \
                 accepted in any version",
        active: false,
    },
    run: Runner::Passive(judge),
};

fn judge(r: &AuditReport) -> super::Outcome {
    judge_suites(
        r,
        &["SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2"],
        |i| i.sweet32(),
        "64-bit block ciphers accepted",
        "no 64-bit block cipher accepted",
    )
}
