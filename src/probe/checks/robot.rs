//! ROBOT, the Return Of Bleichenbacher's Oracle Threat (Böck, Somorovsky, Young, USENIX
//! Security 2018): a server whose reaction to an RSA-encrypted pre-master secret depends on
//! whether its PKCS#1 v1.5 padding is valid gives away an oracle that decrypts or signs with
//! its key.
//!
//! Method (the paper's): RSA key transport, and in the ClientKeyExchange the paper's five
//! messages: a well-formed pre-master secret, wrong first bytes (0x4117 instead of 0x0002),
//! a 0x00 separator in a wrong place (a 56-byte secret), no 0x00 separator, a wrong version in
//! the secret. Each goes on its own connection, followed by ChangeCipherSpec and a Finished the
//! server cannot verify (so even the well-formed one fails in the same place); when all five
//! reactions are alike, again without ChangeCipherSpec and Finished. Reactions are compared as
//! the client sees them (alerts, close, reset, silence). A difference is measured twice before
//! it counts; a strong oracle tells the wrong first bytes apart from the other malformed
//! messages, a weak one only distinguishes messages that start with 0x0002.

use ring::rand::SecureRandom;

use super::active::{self, Opener, Reaction};
use super::{Check, CheckFuture, CheckInfo, Context, Outcome, Runner, Verdict};
use crate::crypto::KeyExchange;
use crate::probe::ProbeError;
use crate::wire::ContentType;

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "robot",
        title: "ROBOT",
        cve: &[
            "CVE-2017-13099",
            "CVE-2017-17382",
            "CVE-2017-17427",
            "CVE-2017-17428",
            "CVE-2017-1000385",
            "CVE-2017-13098",
            "CVE-2017-6168",
            "CVE-2012-5081",
        ],
        source: "https://robotattack.org/",
        method: "RSA key transport with the paper's five ClientKeyExchange messages (correct, \
                 wrong first bytes, 0x00 in a wrong place, no 0x00, wrong version), each with \
                 ChangeCipherSpec and an unverifiable Finished, then without; vulnerable when \
                 the reactions differ, the same way twice",
        active: true,
    },
    run: Runner::Active(run),
};

fn run<'a>(ctx: &'a Context<'a>) -> CheckFuture<'a> {
    Box::pin(check(ctx))
}

/// The five messages, in the paper's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Correct,
    WrongFirstBytes,
    ZeroWrongPlace,
    NoZero,
    WrongVersion,
}

const SHAPES: [Shape; 5] = [
    Shape::Correct,
    Shape::WrongFirstBytes,
    Shape::ZeroWrongPlace,
    Shape::NoZero,
    Shape::WrongVersion,
];

impl Shape {
    fn name(self) -> &'static str {
        match self {
            Shape::Correct => "correct",
            Shape::WrongFirstBytes => "wrong first bytes",
            Shape::ZeroWrongPlace => "0x00 in a wrong place",
            Shape::NoZero => "no 0x00",
            Shape::WrongVersion => "wrong version",
        }
    }

    /// The padded message (k bytes) before RSA encryption.
    fn message(self, k: usize, client_version: u16, rng: &dyn SecureRandom) -> Option<Vec<u8>> {
        if k < 11 + 56 {
            return None;
        }
        let nonzero = |n: usize| -> Option<Vec<u8>> {
            let mut v = vec![0u8; n];
            rng.fill(&mut v).ok()?;
            for b in &mut v {
                if *b == 0 {
                    *b = 0x5A;
                }
            }
            Some(v)
        };
        let mut secret = client_version.to_be_bytes().to_vec();
        let mut r46 = [0u8; 46];
        rng.fill(&mut r46).ok()?;
        secret.extend_from_slice(&r46);
        let mut m = Vec::with_capacity(k);
        match self {
            Shape::Correct | Shape::WrongFirstBytes | Shape::WrongVersion => {
                m.extend_from_slice(if self == Shape::WrongFirstBytes {
                    &[0x41, 0x17]
                } else {
                    &[0x00, 0x02]
                });
                m.extend(nonzero(k - 3 - 48)?);
                m.push(0);
                if self == Shape::WrongVersion {
                    secret[0..2].copy_from_slice(&[0x02, 0x02]);
                }
                m.extend_from_slice(&secret);
            }
            Shape::ZeroWrongPlace => {
                // Eight bytes early: a PKCS#1-conformant message whose secret is 56 bytes long.
                m.extend_from_slice(&[0x00, 0x02]);
                m.extend(nonzero(k - 3 - 56)?);
                m.push(0);
                m.extend_from_slice(&secret);
                m.extend(nonzero(8)?);
            }
            Shape::NoZero => {
                m.extend_from_slice(&[0x00, 0x02]);
                m.extend(nonzero(k - 2)?);
            }
        }
        Some(m)
    }
}

async fn check(ctx: &Context<'_>) -> Result<Outcome, ProbeError> {
    active::on_legacy(
        ctx,
        |s| s.kx == KeyExchange::Rsa,
        "the server accepts no RSA key-transport suite",
        blocking,
    )
    .await
}

/// With or without ChangeCipherSpec and Finished after the ClientKeyExchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Full,
    KeyExchangeOnly,
}

fn blocking(o: &Opener, sni: Option<&str>, version: u16, suites: Vec<u16>) -> Outcome {
    let cfg = active::engine_config(sni, version, suites);
    let rng = ring::rand::SystemRandom::new();
    let mut seen = Vec::new();
    for flow in [Flow::Full, Flow::KeyExchangeOnly] {
        let first = match round(o, &cfg, flow, &rng) {
            Ok(r) => r,
            Err(e) => return Outcome::new(Verdict::Inconclusive, e),
        };
        if first.iter().all(|r| *r == first[0]) {
            seen.push(format!("{}: {}", flow_name(flow), first[0].describe()));
            continue;
        }
        let again = match round(o, &cfg, flow, &rng) {
            Ok(r) => r,
            Err(e) => return Outcome::new(Verdict::Inconclusive, e),
        };
        let evidence = table(flow, &first);
        if again != first {
            return Outcome::new(
                Verdict::Inconclusive,
                "the server's reactions differed between the five messages but not the same \
                 way twice (an unstable server, not a proven oracle)",
            )
            .with_evidence(format!("{evidence}; second run: {}", table(flow, &again)));
        }
        // The paper's distinction: a strong oracle also separates the wrong first bytes from
        // the other malformed messages.
        let strength = if first[1] == first[2] && first[2] == first[3] {
            "weak"
        } else {
            "strong"
        };
        return Outcome::new(
            Verdict::Vulnerable,
            format!(
                "{strength} oracle: the server reacts differently to malformed RSA pre-master \
                 secrets, the same way on two runs"
            ),
        )
        .with_evidence(evidence);
    }
    Outcome::new(
        Verdict::NotVulnerable,
        "the server reacted the same way to all five messages, with and without \
         ChangeCipherSpec and Finished",
    )
    .with_evidence(seen.join("; "))
}

fn flow_name(flow: Flow) -> &'static str {
    match flow {
        Flow::Full => "with ChangeCipherSpec and Finished",
        Flow::KeyExchangeOnly => "ClientKeyExchange alone",
    }
}

fn table(flow: Flow, reactions: &[Reaction]) -> String {
    let parts: Vec<String> = SHAPES
        .iter()
        .zip(reactions)
        .map(|(s, r)| format!("{}: {}", s.name(), r.describe()))
        .collect();
    format!("{}: {}", flow_name(flow), parts.join(" | "))
}

/// The five messages, one connection each.
fn round(
    o: &Opener,
    cfg: &crate::engine::Config,
    flow: Flow,
    rng: &ring::rand::SystemRandom,
) -> Result<Vec<Reaction>, String> {
    let mut out = Vec::new();
    for shape in SHAPES {
        out.push(one(o, cfg, flow, shape, rng)?);
    }
    Ok(out)
}

fn one(
    o: &Opener,
    cfg: &crate::engine::Config,
    flow: Flow,
    shape: Shape,
    rng: &ring::rand::SystemRandom,
) -> Result<Reaction, String> {
    let mut cfg = cfg.clone();
    cfg.pause_at_server_hello_done = true;
    let (mut conn, mut client, r) = o.start(&cfg, |_| false)?;
    r.map_err(|e| format!("the handshake did not get to ServerHelloDone: {e}"))?;
    if !client.is_paused() {
        return Err("the handshake did not stop at ServerHelloDone".into());
    }
    let leaf = client
        .outcome()
        .certificates
        .first()
        .cloned()
        .ok_or("the server sent no certificate for RSA key transport")?;
    let (n, e) = rsa_key(&leaf)?;
    let k = n.len();
    let m = shape
        .message(k, cfg.max_version, rng)
        .ok_or("the server's RSA key is too small for the probe messages")?;
    let c = encrypt_raw(&n, &e, &m)?;
    let mut cke = vec![16];
    let body_len = c.len() + 2;
    cke.extend_from_slice(&(body_len as u32).to_be_bytes()[1..]);
    cke.extend_from_slice(&(c.len() as u16).to_be_bytes());
    cke.extend_from_slice(&c);
    client.send_record(ContentType::HANDSHAKE, &cke);
    if flow == Flow::Full {
        client.send_record(ContentType::CHANGE_CIPHER_SPEC, &[1]);
        // A "protected" Finished no key opens: the same for every message, whatever the
        // server decrypted.
        let mut fin = [0u8; 48];
        rng.fill(&mut fin).map_err(|_| "system RNG failed")?;
        client.send_record(ContentType::HANDSHAKE, &fin);
    }
    conn.send(&client.take_output())
        .map_err(|e| format!("sending the ClientKeyExchange failed: {e:?}"))?;
    let wait = match flow {
        Flow::Full => conn.timeout(),
        // Servers usually wait for the rest of the flight here: silence is the normal answer,
        // and waiting it out costs every audit of an RSA server five times this (and holds a
        // single-threaded server from the other probes): an alert to a bad ClientKeyExchange
        // comes at once, so one second (half the read timeout when that is shorter). A late
        // alert shows as a difference that the second run does not repeat: inconclusive.
        Flow::KeyExchangeOnly => (conn.timeout() / 2).min(std::time::Duration::from_secs(1)),
    };
    Ok(conn.reaction(wait))
}

/// Modulus and public exponent of an RSA certificate, big-endian.
fn rsa_key(cert_der: &[u8]) -> Result<(Vec<u8>, Vec<u8>), String> {
    use rsa::pkcs1::DecodeRsaPublicKey;
    use rsa::traits::PublicKeyParts;
    let (_, cert) = x509_parser::parse_x509_certificate(cert_der)
        .map_err(|e| format!("server certificate: {e}"))?;
    let key = rsa::PublicKey::from_pkcs1_der(&cert.public_key().subject_public_key.data)
        .map_err(|e| format!("the certificate's key is not RSA ({e})"))?;
    Ok((key.n_bytes().to_vec(), key.e().to_be_bytes().to_vec()))
}

/// Raw RSA (m^e mod n) of a message padded by hand: the probe needs malformed padding that no
/// PKCS#1 encoder produces.
fn encrypt_raw(n: &[u8], e: &[u8], m: &[u8]) -> Result<Vec<u8>, String> {
    use rsa::traits::PublicKeyParts;
    let key = rsa::PublicKey::new(
        rsa::BoxedUint::from_be_slice_vartime(n),
        rsa::BoxedUint::from_be_slice_vartime(e),
    )
    .map_err(|e| format!("RSA key: {e}"))?;
    let bits = key.n().bits_precision();
    let msg = rsa::BoxedUint::from_be_slice(m, bits).map_err(|e| format!("RSA message: {e:?}"))?;
    let c = rsa::hazmat::rsa_encrypt(&key, &msg).map_err(|e| format!("RSA: {e}"))?;
    let bytes = c.to_be_bytes();
    let k = n.len();
    // Left-pad or trim the big integer's storage to the modulus length.
    let start = bytes.len().saturating_sub(k);
    let mut out = vec![0u8; k.saturating_sub(bytes.len() - start)];
    out.extend_from_slice(&bytes[start..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The five messages have the paper's shapes, at the modulus length.
    #[test]
    fn the_five_messages() {
        let rng = ring::rand::SystemRandom::new();
        let k = 256;
        let after_first_zero = |m: &[u8]| m[2..].iter().position(|&b| b == 0).map(|i| k - 3 - i);
        for shape in SHAPES {
            let m = shape.message(k, 0x0303, &rng).unwrap();
            assert_eq!(m.len(), k, "{shape:?}");
            match shape {
                Shape::Correct => {
                    assert_eq!(m[..2], [0, 2]);
                    assert_eq!(after_first_zero(&m), Some(48));
                    assert_eq!(m[k - 48..k - 46], [3, 3]);
                }
                Shape::WrongFirstBytes => {
                    assert_eq!(m[..2], [0x41, 0x17]);
                    assert_eq!(m[k - 48..k - 46], [3, 3]);
                }
                Shape::ZeroWrongPlace => {
                    assert_eq!(m[..2], [0, 2]);
                    assert_eq!(after_first_zero(&m), Some(56));
                }
                Shape::NoZero => {
                    assert_eq!(m[..2], [0, 2]);
                    assert_eq!(after_first_zero(&m), None);
                }
                Shape::WrongVersion => {
                    assert_eq!(after_first_zero(&m), Some(48));
                    assert_eq!(m[k - 48..k - 46], [2, 2]);
                }
            }
        }
        assert!(Shape::Correct.message(60, 0x0303, &rng).is_none());
    }
}
