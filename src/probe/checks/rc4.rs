//! RC4 (AlFardan et al. 2013; Garman et al. 2015): keystream biases recover plaintext repeated
//! across connections (cookies, passwords); RFC 7465 prohibits it.

use super::{Check, CheckInfo, Runner, judge_suites};
use crate::probe::AuditReport;

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "rc4",
        title: "RC4",
        cve: &["CVE-2013-2566", "CVE-2015-2808"],
        source: "https://www.rfc-editor.org/rfc/rfc7465",
        method: "suites from the enumeration: any RC4 suite accepted in any version",
        active: false,
    },
    run: Runner::Passive(judge),
};

fn judge(r: &AuditReport) -> super::Outcome {
    judge_suites(
        r,
        &["SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2"],
        |i| i.rc4(),
        "RC4 accepted",
        "no RC4 suite accepted",
    )
}
