//! TLS POODLE (CVE-2014-8730 and kin, Langley 2014): TLS fixed SSLv3's padding oracle by
//! making every padding byte equal to the length byte, but some stacks (F5, A10, some
//! hardware) kept SSLv3's check of the length byte alone, so POODLE works against their TLS.
//!
//! Method: a full handshake on a CBC suite with MAC-then-encrypt (encrypt_then_mac not
//! offered), then one application-data record whose MAC and padding length are right and
//! whose other padding bytes are wrong, followed by a renegotiation ClientHello as a liveness
//! probe. A checking server answers the bad record with bad_record_mac; one that answers the
//! ClientHello (a ServerHello or no_renegotiation) opened the bad record without complaint.
//! When the server's answer is neither, the same is done with correct padding to see what a
//! normal answer looks like.

use super::active::{self, Opener, Renegotiation};
use super::{Check, CheckFuture, CheckInfo, Context, Outcome, Runner, Verdict};
use crate::crypto::Bulk;
use crate::probe::ProbeError;
use crate::wire::ContentType;

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "tls_poodle",
        title: "TLS POODLE",
        cve: &["CVE-2014-8730"],
        source: "https://www.imperialviolet.org/2014/12/08/poodleagain.html",
        method: "a CBC handshake without encrypt_then_mac, then a record with right MAC and \
                 padding length but wrong padding bytes, then a renegotiation ClientHello; \
                 vulnerable when the server answers the ClientHello instead of bad_record_mac",
        active: true,
    },
    run: Runner::Active(run),
};

fn run<'a>(ctx: &'a Context<'a>) -> CheckFuture<'a> {
    Box::pin(check(ctx))
}

async fn check(ctx: &Context<'_>) -> Result<Outcome, ProbeError> {
    active::on_legacy(
        ctx,
        |s| matches!(s.bulk, Bulk::Cbc(..)),
        "the server accepts no CBC suite tlsight's engine can run",
        blocking,
    )
    .await
}

/// The server's answer after a record (bad or good padding) and a renegotiation hello.
fn probe(
    o: &Opener,
    cfg: &crate::engine::Config,
    bad_padding: bool,
) -> Result<Renegotiation, String> {
    let (mut conn, mut client, r) = o.start(cfg, |_| false)?;
    r.map_err(|e| format!("the CBC handshake did not complete: {e}"))?;
    if !client.is_done() {
        return Err("the CBC handshake did not complete".into());
    }
    // A blank line: a no-op for most line protocols, an unfinished request for HTTP.
    let data = b"\r\n";
    if bad_padding {
        if !client.send_with_bad_padding(ContentType::APPLICATION_DATA, data) {
            return Err("the negotiated suite has no MAC-then-encrypt CBC padding".into());
        }
    } else {
        client.send_record(ContentType::APPLICATION_DATA, data);
    }
    let secure = client.outcome().secure_renegotiation;
    client
        .renegotiate(secure)
        .map_err(|e| format!("renegotiation hello: {e}"))?;
    Ok(active::renegotiation_answer(&mut conn, &mut client))
}

fn blocking(o: &Opener, sni: Option<&str>, version: u16, suites: Vec<u16>) -> Outcome {
    let mut cfg = active::engine_config(sni, version, suites);
    cfg.encrypt_then_mac = false;
    let bad = match probe(o, &cfg, true) {
        Ok(r) => r,
        Err(e) => return Outcome::new(Verdict::Inconclusive, e),
    };
    let answered = |r: &Renegotiation| match r {
        Renegotiation::Completed | Renegotiation::Started(_) => true,
        Renegotiation::Refused(why) => why.contains("no_renegotiation"),
        Renegotiation::Silence => false,
    };
    let text = |r: &Renegotiation| match r {
        Renegotiation::Completed => "renegotiation completed".to_string(),
        Renegotiation::Started(w) => format!("ServerHello, then {w}"),
        Renegotiation::Refused(w) => w.clone(),
        Renegotiation::Silence => "silence".into(),
    };
    if answered(&bad) {
        return Outcome::new(
            Verdict::Vulnerable,
            "the server accepted a record with wrong CBC padding bytes and answered the next \
             message",
        )
        .with_evidence(format!("after the bad-padding record: {}", text(&bad)));
    }
    if let Renegotiation::Refused(why) = &bad
        && (why.contains("bad_record_mac") || why.contains("decryption_failed"))
    {
        return Outcome::new(
            Verdict::NotVulnerable,
            "the server rejected the record with wrong CBC padding bytes",
        )
        .with_evidence(why.clone());
    }
    // Neither: what does the same server do with correct padding?
    let good = match probe(o, &cfg, false) {
        Ok(r) => r,
        Err(e) => return Outcome::new(Verdict::Inconclusive, e),
    };
    let evidence = format!(
        "bad padding: {}; correct padding: {}",
        text(&bad),
        text(&good)
    );
    if answered(&good) {
        Outcome::new(
            Verdict::NotVulnerable,
            "the server answers after a well-padded record but not after the badly padded one",
        )
        .with_evidence(evidence)
    } else {
        Outcome::new(
            Verdict::Inconclusive,
            "the server answers the probe the same way with correct and wrong padding, and \
             neither answer shows whether it read the record",
        )
        .with_evidence(evidence)
    }
}
