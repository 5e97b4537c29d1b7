//! Lucky Thirteen (AlFardan, Paterson 2013): a timing side channel in the MAC-then-encrypt CBC
//! record check. Whether an implementation's check is constant-time cannot be seen from outside
//! without thousands of timed probes, so this reports the exposure: CBC suites accepted.
//! encrypt_then_mac (RFC 7366) removes the flaw for clients that ask for it.

use super::{Check, CheckInfo, Runner, judge_suites};
use crate::probe::AuditReport;

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "lucky13",
        title: "Lucky13 exposure",
        cve: &["CVE-2013-0169"],
        source: "https://www.isg.rhul.ac.uk/tls/TLStiming.pdf",
        method: "suites from the enumeration: any CBC suite accepted in SSLv3-TLS 1.2 (exposure: \
                 the timing of the MAC check is not measured)",
        active: false,
    },
    run: Runner::Passive(judge),
};

fn judge(r: &AuditReport) -> super::Outcome {
    let mut o = judge_suites(
        r,
        &["SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2"],
        |i| i.cbc(),
        "exposure: CBC suites accepted",
        "no CBC suite accepted",
    );
    if o.result == super::Verdict::Vulnerable && r.features.encrypt_then_mac == Some(true) {
        o.reason
            .push_str(" (encrypt_then_mac answered: clients that ask for it are not exposed)");
    }
    o
}
