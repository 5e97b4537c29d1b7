//! CCS injection (CVE-2014-0224): OpenSSL before 0.9.8za / 1.0.0m / 1.0.1h accepted a
//! ChangeCipherSpec before the key exchange and switched to keys derived from an empty master
//! secret, so a man in the middle could inject one and read or forge the session.
//!
//! Method (the way sslyze and tlsmate decide, in tlsight's words): a handshake up to the
//! server's ServerHelloDone, then a ChangeCipherSpec where none may come, then one more
//! plaintext record. A fixed server refuses the ChangeCipherSpec (unexpected_message); a
//! vulnerable one accepts it and takes the next record for a protected one, which it cannot
//! open (bad_record_mac or decryption_failed).

use super::active::{self, End, Opener};
use super::{Check, CheckInfo, Outcome, Runner, Verdict};
use crate::wire::ContentType;

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "ccs_injection",
        title: "CCS injection",
        cve: &["CVE-2014-0224"],
        source: "https://www.openssl.org/news/secadv/20140605.txt",
        method: "ChangeCipherSpec right after the server's ServerHelloDone, then a plaintext \
                 record; vulnerable when the server accepts the ChangeCipherSpec and then fails \
                 to open the plaintext record as a protected one (bad_record_mac / \
                 decryption_failed) instead of refusing it (unexpected_message)",
        active: true,
    },
    run: Runner::Legacy {
        none: "no TLS 1.0-1.2 suite tlsight's engine can run (TLS 1.3 has no such state)",
        work: blocking,
    },
};

fn blocking(o: &Opener, sni: Option<&str>, version: u16, suites: Vec<u16>) -> Outcome {
    let mut cfg = active::engine_config(sni, version, suites);
    cfg.pause_at_server_hello_done = true;
    let (mut conn, mut client) = match o.start(&cfg, |_| false) {
        Ok((conn, client, Ok(()))) => (conn, client),
        Ok((_, _, Err(e))) => {
            return Outcome::new(
                Verdict::Inconclusive,
                format!("the handshake did not get to ServerHelloDone: {e}"),
            );
        }
        Err(e) => return Outcome::new(Verdict::Inconclusive, e),
    };
    if !client.is_paused() {
        return Outcome::new(
            Verdict::Inconclusive,
            "the handshake did not stop at ServerHelloDone",
        );
    }
    // The early ChangeCipherSpec, then a warning alert (close_notify would end a fixed
    // server's connection for another reason; user_canceled says nothing).
    client.send_record(ContentType::CHANGE_CIPHER_SPEC, &[1]);
    client.send_record(ContentType::ALERT, &[1, 90]);
    if let Err(e) = conn.send(&client.take_output()) {
        return Outcome::new(
            Verdict::Inconclusive,
            format!("sending the early ChangeCipherSpec failed: {e:?}"),
        );
    }
    let r = conn.reaction(conn.timeout());
    let evidence = r.describe();
    match (r.alert(), r.end) {
        (Some((_, 20 | 21)), _) => Outcome::new(
            Verdict::Vulnerable,
            "the server accepted the early ChangeCipherSpec: it took the next plaintext record \
             for a protected one and could not open it",
        )
        .with_evidence(evidence),
        (Some((_, 10)), _) => Outcome::new(
            Verdict::NotVulnerable,
            "the server refused the early ChangeCipherSpec (unexpected_message)",
        )
        .with_evidence(evidence),
        (Some((l, d)), _) => Outcome::new(
            Verdict::NotVulnerable,
            format!(
                "the server refused the early ChangeCipherSpec with {}",
                active::alert_text(l, d)
            ),
        )
        .with_evidence(evidence),
        (None, End::Closed | End::Reset) => Outcome::new(
            Verdict::NotVulnerable,
            "the server ended the connection at the early ChangeCipherSpec without going on",
        )
        .with_evidence(evidence),
        (None, _) => Outcome::new(
            Verdict::Inconclusive,
            "no alert and no close after the early ChangeCipherSpec",
        )
        .with_evidence(evidence),
    }
}
