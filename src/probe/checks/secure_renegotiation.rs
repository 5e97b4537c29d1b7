//! Secure renegotiation (RFC 5746): a server that does not answer renegotiation_info (or the
//! SCSV every hello of the audit carries) cannot bind a renegotiation to the connection it
//! renews, so a man in the middle can prefix a victim's session with his own requests
//! (CVE-2009-3555). Whether the server renegotiates at all is the `renegotiation_insecure` and
//! `renegotiation_client_initiated` checks.

use super::{Check, CheckInfo, Outcome, Runner, Verdict};
use crate::probe::AuditReport;

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "secure_renegotiation",
        title: "Secure renegotiation",
        cve: &["CVE-2009-3555"],
        source: "https://www.rfc-editor.org/rfc/rfc5746",
        method: "every TLS 1.0-1.2 hello of the enumeration carries \
                 TLS_EMPTY_RENEGOTIATION_INFO_SCSV: each ServerHello must answer \
                 renegotiation_info",
        active: false,
    },
    run: Runner::Passive(judge),
};

fn judge(r: &AuditReport) -> Outcome {
    match r.features.secure_renegotiation {
        Some(true) => Outcome::new(
            Verdict::NotVulnerable,
            "every TLS 1.0-1.2 ServerHello answered renegotiation_info",
        ),
        Some(false) => Outcome::new(
            Verdict::Vulnerable,
            "some TLS 1.0-1.2 ServerHello did not answer renegotiation_info: a renegotiation \
             could not be bound to its connection",
        )
        .with_evidence("ServerHello without the renegotiation_info extension (0xff01)"),
        None if super::accepted(r, "TLSv1.3") && !super::accepted(r, "SSLv3") => Outcome::new(
            Verdict::NotApplicable,
            "TLS 1.3 only, which has no renegotiation",
        ),
        None if super::accepted(r, "SSLv3") => Outcome::new(
            Verdict::Vulnerable,
            "SSLv3 only: it has no renegotiation_info",
        ),
        None => Outcome::new(
            Verdict::Inconclusive,
            "no TLS 1.0-1.2 ServerHello to read renegotiation_info from",
        ),
    }
}
