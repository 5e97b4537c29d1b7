//! Client-initiated renegotiation: a server that lets a client renegotiate at will spends a
//! full handshake's CPU on each request, for one connection's cost to the client (a DoS lever;
//! THC-SSL-DOS). Secure renegotiation (RFC 5746) fixes the splicing attack, not this.
//!
//! Method: a full TLS 1.0-1.2 handshake, then a new ClientHello under the established keys
//! (with renegotiation_info carrying our Finished's verify_data when the server speaks RFC
//! 5746, a legacy one otherwise). Accepted when the server answers with a ServerHello (and
//! usually completes the second handshake); refused with no_renegotiation, another alert or
//! a close.

use super::active::{self, Opener, Renegotiation};
use super::{Check, CheckInfo, Outcome, Runner, Verdict};

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "renegotiation_client_initiated",
        title: "Client-initiated renegotiation",
        cve: &["CVE-2011-1473"],
        source: "https://www.rfc-editor.org/rfc/rfc5746",
        method: "a full TLS 1.0-1.2 handshake, then a renegotiation ClientHello under its keys \
                 (RFC 5746 renegotiation_info when the server speaks it); vulnerable when the \
                 server answers with a ServerHello",
        active: true,
    },
    run: Runner::Legacy {
        none: "no TLS 1.0-1.2 suite tlsight's engine can run (TLS 1.3 has no renegotiation)",
        work: blocking,
    },
};

fn blocking(o: &Opener, sni: Option<&str>, version: u16, suites: Vec<u16>) -> Outcome {
    let cfg = active::engine_config(sni, version, suites);
    // Secure when the first ServerHello answers renegotiation_info (the engine sends the
    // SCSV): a server that speaks RFC 5746 may refuse legacy requests for that reason alone.
    match active::renegotiation(o, cfg, None) {
        Err(e) => Outcome::new(Verdict::Inconclusive, e),
        Ok((r, secure)) => {
            let kind = if secure {
                "secure (RFC 5746)"
            } else {
                "legacy"
            };
            match r {
                Renegotiation::Completed => Outcome::new(
                    Verdict::Vulnerable,
                    format!("the server completed a client-initiated {kind} renegotiation"),
                )
                .with_evidence("second handshake completed, both Finished verified"),
                Renegotiation::Started(why) => Outcome::new(
                    Verdict::Vulnerable,
                    format!(
                        "the server answered a client-initiated {kind} renegotiation with a \
                         ServerHello"
                    ),
                )
                .with_evidence(format!("second ServerHello received, then: {why}")),
                Renegotiation::Refused(why) => Outcome::new(
                    Verdict::NotVulnerable,
                    format!("the server refused a client-initiated {kind} renegotiation"),
                )
                .with_evidence(why),
                Renegotiation::Silence => Outcome::new(
                    Verdict::Inconclusive,
                    "no answer to the renegotiation ClientHello",
                ),
            }
        }
    }
}
