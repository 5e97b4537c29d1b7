//! DROWN (Aviram et al. 2016): a server that speaks SSLv2 is a Bleichenbacher oracle for its
//! RSA key, and through it for every TLS connection made with the same key, on any server.
//! The audit's SSLv2 CLIENT-HELLO shows whether SSLv2 is accepted; its SERVER-HELLO carries the
//! certificate, compared here with the TLS leaf to say whether this port's TLS key is the one
//! exposed. Another service sharing the key (a mail server on the same certificate) cannot be
//! seen from this port.

use super::{Check, CheckInfo, Outcome, Runner, Verdict};
use crate::probe::AuditReport;
use crate::probe::report::ProtocolStatus;

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "drown",
        title: "DROWN (SSLv2)",
        cve: &["CVE-2016-0800"],
        source: "https://drownattack.com/drown-attack-paper.pdf",
        method: "the audit's SSLv2 CLIENT-HELLO: SSLv2 accepted with any cipher kind; the SSLv2 \
                 certificate's key compared with the TLS leaf's (other services sharing the key \
                 are not seen)",
        active: false,
    },
    run: Runner::Passive(judge),
};

fn spki(der: &[u8]) -> Option<Vec<u8>> {
    x509_parser::parse_x509_certificate(der)
        .ok()
        .map(|(_, c)| c.public_key().raw.to_vec())
}

fn judge(r: &AuditReport) -> Outcome {
    match super::status(r, "SSLv2") {
        Some(ProtocolStatus::Accepted) => {}
        Some(ProtocolStatus::NoAnswer) | None => {
            return Outcome::new(
                Verdict::Inconclusive,
                "the SSLv2 hello got no answer: whether SSLv2 is accepted is unknown",
            );
        }
        Some(ProtocolStatus::Refused) => {
            return Outcome::new(
                Verdict::NotVulnerable,
                "SSLv2 refused on this port (a service sharing the key elsewhere is not seen)",
            );
        }
    }
    let kinds = r.features.sslv2_ciphers.join(", ");
    let v2 = r.raw.sslv2_certificate.as_deref().and_then(spki);
    let tls = r.raw.leaf.as_deref().and_then(spki);
    let (reason, key) = match (v2, tls) {
        (Some(a), Some(b)) if a == b => (
            "SSLv2 accepted with the TLS certificate's key: TLS sessions with this key can be \
             decrypted",
            "SSLv2 certificate has the same public key as the TLS leaf",
        ),
        (Some(_), Some(_)) => (
            "SSLv2 accepted, with another key than the TLS certificate's: that key, and TLS \
             anywhere it is used, is exposed",
            "SSLv2 certificate key differs from the TLS leaf's",
        ),
        _ => (
            "SSLv2 accepted: its RSA key, and TLS anywhere it is used, is exposed",
            "SSLv2 or TLS certificate not available to compare keys",
        ),
    };
    Outcome::new(Verdict::Vulnerable, reason)
        .with_evidence(format!("SSLv2 SERVER-HELLO cipher kinds: {kinds}; {key}"))
}
