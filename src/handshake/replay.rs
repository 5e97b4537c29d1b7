//! A captured connection judged as if it were live: one engine for live hosts and captures.
//! A [`Transcript`] read from a pcap (with its key log) becomes the same [`Inspection`] a live
//! handshake produces — negotiated parameters read off the decoded hellos, the server's chain
//! validated by the same webpki verifier, the handshake signature checked with the leaf's key —
//! so the report, fingerprints, trust verdict and interception check are computed by the same
//! code as `tlsight handshake HOST`.

use std::net::SocketAddr;
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};

use super::messages::{Message, MessageContent};
use super::{HandshakeError, Inspection, Negotiated, SeenChain, Target, Timings};
use crate::capture::{Direction, KeyLogSecrets, Transcript};
use crate::wire::extensions::ExtensionValue;
use crate::wire::handshake::{HandshakeBody, KeyExchangeParams};

/// Trust settings for judging a captured chain (the live command's `--ca`).
#[derive(Debug, Clone, Default)]
pub struct ReplayOptions {
    /// Extra trust anchors in addition to Mozilla's roots.
    pub extra_roots: Vec<CertificateDer<'static>>,
}

/// Builds the inspection of a captured connection. Never fails: what the capture lacks (no
/// ServerHello, no keys for the encrypted part) shows up as a failure or missing fields, as for
/// a live handshake that broke off.
pub fn inspect_transcript(
    t: &Transcript,
    secrets: &KeyLogSecrets,
    opts: &ReplayOptions,
) -> Inspection {
    let analysis = super::analyze_transcript(t, secrets);
    let msgs = &analysis.messages;
    let hello = msgs.iter().find_map(|m| match &m.fields {
        MessageContent::Handshake(HandshakeBody::ClientHello(ch)) => Some(ch),
        _ => None,
    });
    let sni = hello.and_then(|ch| {
        ch.extensions.iter().find_map(|e| match &e.value {
            ExtensionValue::ServerName { names } => names.first().cloned(),
            _ => None,
        })
    });
    let server = t
        .server
        .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)));
    let target = Target {
        host: sni.clone().unwrap_or_else(|| server.ip().to_string()),
        port: server.port(),
    };
    let negotiated = negotiated(msgs);
    let seen = judge_chain(t, &analysis, sni.as_deref(), &target, opts);
    let failure = failure(msgs, &negotiated, t);
    let first_client = t
        .chunks
        .iter()
        .find(|c| c.dir == Direction::ClientToServer)
        .map_or(0, |c| c.t_us);
    let last_handshake = msgs
        .iter()
        .filter(|m| matches!(m.fields, MessageContent::Handshake(_)) || m.typ == "ChangeCipherSpec")
        .map(|m| m.time_ms)
        .fold(0.0, f64::max);
    Inspection {
        target,
        address: server,
        sni,
        transcript: t.clone(),
        secrets: secrets.clone(),
        negotiated,
        seen,
        timings: Timings {
            dns: 0.0,
            // The capture's clock starts at the SYN (or the first packet seen) and the
            // ClientHello follows the three-way handshake.
            tcp_connect: round_ms(first_client as f64 / 1000.0),
            tls_handshake: round_ms((last_handshake - first_client as f64 / 1000.0).max(0.0)),
            // A capture holds the TLS stream only: no proxy set-up or plaintext upgrade is seen.
            proxy: 0.0,
            starttls: 0.0,
        },
        failure,
        engine: super::EngineName::Capture,
        fallback: None,
        // The capture's own proof (CertificateVerify, ServerKeyExchange signature, or the server
        // Finished for RSA key transport) is in `seen`, judged by `judge_chain`.
        possession: None,
        dh_prime_bits: None,
        starttls: None,
        proxy: None,
    }
}

fn round_ms(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

fn server_hello(msgs: &[Message]) -> Option<&crate::wire::handshake::ServerHello> {
    msgs.iter().find_map(|m| match &m.fields {
        MessageContent::Handshake(HandshakeBody::ServerHello(sh)) if !sh.hello_retry_request => {
            Some(sh)
        }
        _ => None,
    })
}

/// What the two hellos (and, for TLS 1.2, the ServerKeyExchange) settled.
fn negotiated(msgs: &[Message]) -> Negotiated {
    let Some(sh) = server_hello(msgs) else {
        return Negotiated::default();
    };
    let version = sh.selected_version().0;
    let hrr = msgs.iter().any(|m| {
        matches!(&m.fields, MessageContent::Handshake(HandshakeBody::ServerHello(s)) if s.hello_retry_request)
    });
    let group = sh
        .extensions
        .iter()
        .find_map(|e| match &e.value {
            ExtensionValue::KeyShare { share } => Some(share.group),
            _ => None,
        })
        .or_else(|| {
            msgs.iter().find_map(|m| match &m.fields {
                MessageContent::Handshake(HandshakeBody::ServerKeyExchange(ske)) => {
                    match ske.params {
                        KeyExchangeParams::Ecdhe { group, .. } => Some(group),
                        KeyExchangeParams::Dhe { .. } => None,
                    }
                }
                _ => None,
            })
        });
    let alpn = msgs
        .iter()
        .filter(|m| m.direction == Direction::ServerToClient)
        .flat_map(|m| match &m.fields {
            MessageContent::Handshake(HandshakeBody::ServerHello(s)) if !s.hello_retry_request => {
                s.extensions.iter().collect::<Vec<_>>()
            }
            MessageContent::Handshake(HandshakeBody::EncryptedExtensions { extensions }) => {
                extensions.iter().collect()
            }
            _ => Vec::new(),
        })
        .find_map(|e| match &e.value {
            ExtensionValue::Alpn { protocols } => protocols.first().cloned(),
            _ => None,
        });
    let server_cert = msgs.iter().any(|m| {
        m.direction == Direction::ServerToClient
            && matches!(
                m.fields,
                MessageContent::Handshake(HandshakeBody::Certificate(_))
            )
    });
    // Resumption: a TLS 1.3 pre_shared_key answer, or a TLS 1.2 session without a Certificate.
    let psk = sh.extensions.iter().any(|e| e.typ == 41);
    let kind = if psk || (version != 0x0304 && !server_cert && !sh.session_id.is_empty()) {
        "resumed"
    } else if hrr {
        "full_with_hello_retry_request"
    } else {
        "full"
    };
    Negotiated {
        version: Some(version),
        cipher_suite: Some(sh.cipher_suite),
        group,
        alpn,
        handshake_kind: Some(kind),
    }
}

/// Why the captured handshake did not complete, if it did not (what a live client would have
/// reported): a fatal alert, or no Finished from the server.
fn failure(msgs: &[Message], n: &Negotiated, t: &Transcript) -> Option<HandshakeError> {
    let before_done = |m: &&Message| {
        !msgs[..]
            .iter()
            .take_while(|x| !std::ptr::eq(*x, *m))
            .any(|x| x.typ == "Finished" && x.direction == Direction::ClientToServer)
    };
    if let Some(a) = msgs
        .iter()
        .filter(before_done)
        .find_map(|m| match &m.fields {
            MessageContent::Alert {
                level, description, ..
            } if level == "fatal" => Some((m.direction, description.clone())),
            _ => None,
        })
    {
        return Some(match a.0 {
            Direction::ServerToClient => HandshakeError::Alert(a.1),
            Direction::ClientToServer => HandshakeError::Tls(format!("client sent alert {}", a.1)),
        });
    }
    if n.version.is_none() {
        let answered = t.chunks.iter().any(|c| c.dir == Direction::ServerToClient);
        return Some(HandshakeError::Closed {
            after: answered.then(|| "an answer without a ServerHello".to_string()),
        });
    }
    None
}

/// The chain as the server sent it, judged by the same webpki verifier a live handshake uses,
/// at the time of the capture; and the handshake signature checked with the leaf's key.
fn judge_chain(
    t: &Transcript,
    analysis: &super::Analysis,
    sni: Option<&str>,
    target: &Target,
    opts: &ReplayOptions,
) -> SeenChain {
    let msgs = &analysis.messages;
    let mut seen = SeenChain::default();
    let Some(cert_msg) = msgs.iter().find_map(|m| match &m.fields {
        MessageContent::Handshake(HandshakeBody::Certificate(c))
            if m.direction == Direction::ServerToClient =>
        {
            Some(c)
        }
        _ => None,
    }) else {
        return seen;
    };
    seen.certificates = cert_msg
        .entries
        .iter()
        .map(|e| CertificateDer::from(e.der.clone()))
        .collect();
    let Some((leaf, rest)) = seen.certificates.split_first() else {
        return seen;
    };
    let provider = super::provider();
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for c in &opts.extra_roots {
        let _ = roots.add(c.clone());
    }
    let name = sni
        .map(str::to_string)
        .unwrap_or_else(|| target.host.clone());
    let verdict = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .map_err(|e| rustls::Error::General(e.to_string()))
        .and_then(|v| {
            let server_name = ServerName::try_from(name.clone()).map_err(|_| {
                rustls::Error::General(format!("'{name}' is not a valid server name"))
            })?;
            let now = t
                .start_unix_us
                .map(|us| UnixTime::since_unix_epoch(std::time::Duration::from_micros(us)))
                .unwrap_or_else(UnixTime::now);
            v.verify_server_cert(leaf, rest, &server_name, &[], now)
        });
    seen.error = verdict.err();
    let (valid, proof) = handshake_signature(msgs, leaf);
    seen.signature_valid = valid;
    seen.proof = proof;
    // RSA key transport signs nothing: the server's Finished, which needs the premaster secret
    // sent under the leaf key, is the proof (when the capture could be decrypted).
    if proof.is_none()
        && let Some(&(_, ok)) = analysis
            .finished_checks
            .iter()
            .find(|(d, _)| *d == Direction::ServerToClient)
    {
        seen.signature_valid = Some(ok);
        seen.proof = Some(crate::x509::ProofKind::Finished);
    }
    seen
}

/// Checks the server's proof of key possession: the TLS 1.3 CertificateVerify over the
/// transcript hash, or the TLS 1.2 ServerKeyExchange signature over the randoms and params.
/// `None` when the capture holds neither (RSA key transport, or undecrypted TLS 1.3); the
/// second value names the message that carried (or should carry) the proof.
fn handshake_signature(
    msgs: &[Message],
    leaf: &[u8],
) -> (Option<bool>, Option<crate::x509::ProofKind>) {
    use crate::x509::ProofKind;
    let Some(sh) = server_hello(msgs) else {
        return (None, None);
    };
    if sh.selected_version().0 == 0x0304 {
        return (
            tls13_signature(msgs, sh, leaf),
            Some(ProofKind::CertificateVerify),
        );
    }
    match tls12_signature(msgs, sh, leaf) {
        Some(v) => (Some(v), Some(ProofKind::ServerKeyExchange)),
        None => (None, None),
    }
}

fn tls13_signature(
    msgs: &[Message],
    sh: &crate::wire::handshake::ServerHello,
    leaf: &[u8],
) -> Option<bool> {
    {
        let hrr = msgs.iter().any(|m| {
            matches!(&m.fields, MessageContent::Handshake(HandshakeBody::ServerHello(s)) if s.hello_retry_request)
        });
        if hrr {
            // The transcript then starts with a synthetic message_hash; not rebuilt here.
            return None;
        }
        let cv = msgs.iter().position(|m| {
            m.direction == Direction::ServerToClient
                && matches!(
                    m.fields,
                    MessageContent::Handshake(HandshakeBody::CertificateVerify { .. })
                )
        })?;
        let alg = match sh.cipher_suite {
            0x1302 => &ring::digest::SHA384,
            _ => &ring::digest::SHA256,
        };
        let mut ctx = ring::digest::Context::new(alg);
        for m in msgs[..cv]
            .iter()
            .filter(|m| matches!(m.fields, MessageContent::Handshake(_)))
        {
            ctx.update(&m.raw);
        }
        let hash = ctx.finish();
        let raw = &msgs[cv].raw;
        let scheme = u16::from_be_bytes([*raw.get(4)?, *raw.get(5)?]);
        let sig = raw.get(8..)?;
        let mut signed = vec![0x20u8; 64];
        signed.extend_from_slice(b"TLS 1.3, server CertificateVerify\0");
        signed.extend_from_slice(hash.as_ref());
        Some(crate::crypto::kx::verify_signature(leaf, scheme, &signed, sig).is_ok())
    }
}

fn tls12_signature(
    msgs: &[Message],
    sh: &crate::wire::handshake::ServerHello,
    leaf: &[u8],
) -> Option<bool> {
    let ch = msgs.iter().find_map(|m| match &m.fields {
        MessageContent::Handshake(HandshakeBody::ClientHello(ch)) => Some(ch),
        _ => None,
    })?;
    let (ske, raw) = msgs.iter().find_map(|m| match &m.fields {
        MessageContent::Handshake(HandshakeBody::ServerKeyExchange(ske)) => Some((ske, &m.raw)),
        _ => None,
    })?;
    let scheme = ske.signature_scheme?;
    let sig = raw.get(raw.len().checked_sub(ske.signature_len)?..)?;
    let signed = [
        ch.random.as_slice(),
        sh.random.as_slice(),
        &ske.signed_params,
    ]
    .concat();
    Some(crate::crypto::kx::verify_signature(leaf, scheme, &signed, sig).is_ok())
}
