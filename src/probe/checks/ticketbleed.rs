//! Ticketbleed (CVE-2016-9244): F5 BIG-IP answered a resumption with a session ticket by
//! echoing 32 bytes of session id whatever the client's length, so a 1-byte id came back
//! followed by 31 bytes of uninitialised memory.
//!
//! Method: a full TLS 1.0-1.2 handshake asking for a ticket, then a resumption offering that
//! ticket with a 16-byte random session id. A correct server echoes the 16 bytes (or, when it
//! does not resume, sends an id of its own); vulnerable when the ServerHello's id is 32 bytes
//! starting with ours (a 2^-128 chance otherwise): the other 16 are the server's memory.

use ring::rand::SecureRandom;

use super::active::{self, Opener};
use super::{Check, CheckFuture, CheckInfo, Context, Outcome, Runner, Verdict};
use crate::probe::ProbeError;

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "ticketbleed",
        title: "Ticketbleed",
        cve: &["CVE-2016-9244"],
        source: "https://filippo.io/Ticketbleed/",
        method: "a full handshake for a session ticket, then a resumption with that ticket and a \
                 16-byte session id; vulnerable when the ServerHello echoes a 32-byte id that \
                 starts with ours",
        active: true,
    },
    run: Runner::Active(run),
};

fn run<'a>(ctx: &'a Context<'a>) -> CheckFuture<'a> {
    Box::pin(check(ctx))
}

async fn check(ctx: &Context<'_>) -> Result<Outcome, ProbeError> {
    if ctx.report.features.session_ticket == Some(false) {
        return Ok(Outcome::new(
            Verdict::NotApplicable,
            "the server does not answer the session_ticket extension",
        ));
    }
    active::on_legacy(
        ctx,
        |_| true,
        "no TLS 1.0-1.2 suite tlsight's engine can run",
        blocking,
    )
    .await
}

fn blocking(o: &Opener, sni: Option<&str>, version: u16, suites: Vec<u16>) -> Outcome {
    let mut cfg = active::engine_config(sni, version, suites);
    cfg.session_ticket = Some(Vec::new());
    let ticket = match full_handshake(o, cfg.clone()) {
        Ok(Some(t)) => t,
        Ok(None) => {
            return Outcome::new(
                Verdict::NotApplicable,
                "the server issued no session ticket on a full handshake",
            );
        }
        Err(e) => return Outcome::new(Verdict::Inconclusive, e),
    };
    let mut ours = [0u8; 16];
    if ring::rand::SystemRandom::new().fill(&mut ours).is_err() {
        return Outcome::new(Verdict::Inconclusive, "system RNG failed");
    }
    cfg.session_id = ours.to_vec();
    cfg.session_ticket = Some(ticket);
    let echoed = match resumption(o, cfg) {
        Ok(id) => id,
        Err(e) => return Outcome::new(Verdict::Inconclusive, e),
    };
    let hex = active::hex_excerpt(&echoed, 32);
    if echoed.len() == 32 && echoed[..16] == ours {
        Outcome::new(
            Verdict::Vulnerable,
            "the server echoed our 16-byte session id as 32 bytes: the last 16 are its memory",
        )
        .with_evidence(format!(
            "sent {}, ServerHello session id {hex}",
            active::hex_excerpt(&ours, 16)
        ))
    } else if echoed == ours {
        Outcome::new(
            Verdict::NotVulnerable,
            "the server echoed our 16-byte session id exactly",
        )
        .with_evidence(format!("ServerHello session id {hex}"))
    } else {
        Outcome::new(
            Verdict::NotVulnerable,
            format!(
                "the server answered with a {}-byte session id of its own (no resumption echo)",
                echoed.len()
            ),
        )
        .with_evidence(format!("ServerHello session id {hex}"))
    }
}

/// The ticket of a full handshake, if the server issued one.
fn full_handshake(o: &Opener, cfg: crate::engine::Config) -> Result<Option<Vec<u8>>, String> {
    let (mut conn, mut client, r) = o.start(&cfg, |_| false)?;
    r.map_err(|e| format!("the handshake for a ticket did not complete: {e}"))?;
    client.close_notify();
    let _ = conn.send(&client.take_output());
    Ok(client
        .outcome()
        .session_ticket
        .clone()
        .filter(|t| !t.is_empty()))
}

/// The session id of the ServerHello answering a resumption offer.
fn resumption(o: &Opener, cfg: crate::engine::Config) -> Result<Vec<u8>, String> {
    // The engine does not resume: it stops at the ServerHello, or fails at the abbreviated
    // handshake's ChangeCipherSpec right after it, with the ServerHello read either way.
    let (_conn, client, r) = o.start(&cfg, |c| c.outcome().server_hellos > 0)?;
    if client.outcome().server_hellos > 0 {
        return Ok(client.outcome().session_id.clone());
    }
    Err(match r {
        Err(e) => format!("no ServerHello to the resumption: {e}"),
        Ok(()) => "no ServerHello to the resumption".into(),
    })
}
