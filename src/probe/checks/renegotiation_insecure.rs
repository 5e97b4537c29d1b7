//! Insecure renegotiation (CVE-2009-3555, Ray and Dispensa): without RFC 5746 a server cannot
//! tell a renegotiation from a first handshake, so a man in the middle can splice his own
//! session in front of a victim's and have the server treat both as one.
//!
//! Method: a full TLS 1.0-1.2 handshake as a legacy client (no renegotiation_info, no SCSV),
//! then a legacy renegotiation ClientHello under its keys. Vulnerable when the server answers
//! it with a ServerHello: it renegotiates with a client that cannot bind the two handshakes.
//! Whether the server speaks RFC 5746 at all is the `secure_renegotiation` check; a
//! server-initiated renegotiation cannot be asked for from a client.

use super::active::{self, Opener, Renegotiation};
use super::{Check, CheckInfo, Outcome, Runner, Verdict};

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "renegotiation_insecure",
        title: "Insecure renegotiation",
        cve: &["CVE-2009-3555"],
        source: "https://www.rfc-editor.org/rfc/rfc5746",
        method: "a full TLS 1.0-1.2 handshake as a legacy client (no renegotiation_info, no \
                 SCSV), then a legacy renegotiation ClientHello; vulnerable when the server \
                 answers it with a ServerHello",
        active: true,
    },
    run: Runner::Legacy {
        none: "no TLS 1.0-1.2 suite tlsight's engine can run (TLS 1.3 has no renegotiation)",
        work: blocking,
    },
};

fn blocking(o: &Opener, sni: Option<&str>, version: u16, suites: Vec<u16>) -> Outcome {
    let mut cfg = active::engine_config(sni, version, suites);
    cfg.secure_renegotiation = false;
    match active::renegotiation(o, cfg, Some(false)) {
        Err(e) => Outcome::new(
            Verdict::Inconclusive,
            format!("as a legacy client (no RFC 5746): {e}"),
        ),
        Ok((Renegotiation::Completed, _)) => Outcome::new(
            Verdict::Vulnerable,
            "the server completed a renegotiation with a client that does not speak RFC 5746",
        )
        .with_evidence("legacy renegotiation: second handshake completed"),
        Ok((Renegotiation::Started(why), _)) => Outcome::new(
            Verdict::Vulnerable,
            "the server answered a legacy renegotiation (no RFC 5746) with a ServerHello",
        )
        .with_evidence(format!("second ServerHello received, then: {why}")),
        Ok((Renegotiation::Refused(why), _)) => Outcome::new(
            Verdict::NotVulnerable,
            "the server refused a renegotiation from a client without RFC 5746",
        )
        .with_evidence(why),
        Ok((Renegotiation::Silence, _)) => Outcome::new(
            Verdict::Inconclusive,
            "no answer to the legacy renegotiation ClientHello",
        ),
    }
}
