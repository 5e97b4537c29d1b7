//! What one connection showed, reduced to what the assessment needs: the chain, the OCSP
//! staple, the handshake signature verdict, the server hello's fingerprint and any SCTs the TLS
//! extension carried.

use rustls_pki_types::CertificateDer;

use super::BaselineEntry;
use super::sct::{self, Sct, SctSource};
use crate::handshake::messages::MessageContent;
use crate::handshake::{HandshakeError, Inspection};
use crate::wire::handshake::HandshakeBody;
use crate::x509::PossessionStatus;

/// What one connection showed, reduced to what the assessment needs.
#[derive(Debug, Clone)]
pub struct Observation {
    /// `host:port`.
    pub target: String,
    /// Address connected to (the proxy's, through a proxy).
    pub address: String,
    /// Proxy used, if any.
    pub via_proxy: Option<String>,
    /// Name the certificate must cover.
    pub name: String,
    /// Certificates as sent, leaf first.
    pub certificates: Vec<CertificateDer<'static>>,
    /// Stapled OCSP response.
    pub ocsp: Vec<u8>,
    /// Whether the server proved it holds the leaf's key (handshake signature, or the Finished
    /// after RSA key transport); `None` when no proof was checked.
    pub handshake_signature_valid: Option<bool>,
    /// The handshake failed because the server does not hold the key.
    pub key_possession_failed: bool,
    /// The message that carried the proof (CertificateVerify / ServerKeyExchange / Finished).
    pub signature_proof: Option<crate::x509::ProofKind>,
    /// Why the handshake failed, if it did.
    pub failure: Option<String>,
    /// Negotiated version name.
    pub version: Option<String>,
    /// Negotiated cipher suite name.
    pub cipher_suite: Option<String>,
    /// JA3S of the ServerHello.
    pub ja3s: Option<String>,
    /// JA3S input string.
    pub ja3s_string: Option<String>,
    /// SCTs from the TLS extension (ServerHello or the leaf's TLS 1.3 Certificate entry).
    pub tls_scts: Vec<Sct>,
    /// TLS-extension SCT lists that did not decode.
    pub sct_errors: Vec<String>,
}

impl Observation {
    /// Extracts what the assessment needs from an inspection (decoding its transcript).
    pub fn from_inspection(ins: &Inspection, via_proxy: Option<String>) -> Self {
        Self::from_messages(ins, &crate::handshake::analyze(ins).messages, via_proxy)
    }

    /// The same, from messages already decoded (by `handshake`'s report), so the transcript
    /// is not decrypted twice.
    pub fn from_messages(
        ins: &Inspection,
        messages: &[crate::handshake::messages::Message],
        via_proxy: Option<String>,
    ) -> Self {
        let mut ja3s = None;
        let mut ja3s_string = None;
        let mut tls_scts = Vec::new();
        let mut sct_errors = Vec::new();
        let mut take_scts = |exts: &[crate::wire::extensions::Extension]| {
            for e in exts.iter().filter(|e| e.typ == 18) {
                match sct::from_tls_list(&e.raw, SctSource::TlsExtension) {
                    Ok(v) => tls_scts.extend(v),
                    Err(err) => sct_errors.push(err),
                }
            }
        };
        for m in messages {
            if m.direction != crate::capture::Direction::ServerToClient {
                continue;
            }
            match &m.fields {
                MessageContent::Handshake(HandshakeBody::ServerHello(sh))
                    if !sh.hello_retry_request =>
                {
                    if ja3s.is_none() {
                        let f = crate::fingerprint::ServerHelloFields::from_hello(sh);
                        ja3s = Some(crate::fingerprint::ja3s(&f));
                        ja3s_string = Some(crate::fingerprint::ja3s_string(&f));
                    }
                    take_scts(&sh.extensions);
                }
                MessageContent::Handshake(HandshakeBody::Certificate(c)) => {
                    if let Some(leaf) = c.entries.first() {
                        take_scts(&leaf.extensions);
                    }
                }
                _ => {}
            }
        }
        let n = &ins.negotiated;
        let possession = ins.key_possession();
        Self {
            target: ins.target.to_string(),
            address: ins.address.to_string(),
            via_proxy,
            name: ins.sni.clone().unwrap_or_else(|| ins.target.host.clone()),
            certificates: ins.seen.certificates.clone(),
            ocsp: ins.seen.ocsp.clone(),
            // The proof either engine checked: a handshake signature, or (tlsight's engine,
            // RSA key transport) the server Finished.
            handshake_signature_valid: match possession.status {
                PossessionStatus::Proven => Some(true),
                PossessionStatus::Failed => Some(false),
                PossessionStatus::NotShown => None,
            },
            key_possession_failed: matches!(ins.failure, Some(HandshakeError::KeyPossession(_)))
                || possession.status == PossessionStatus::Failed,
            signature_proof: possession.proof,
            failure: ins.failure.as_ref().map(|f| f.to_string()),
            version: n.version.map(crate::report::names::version),
            cipher_suite: n.cipher_suite.map(crate::report::names::suite),
            ja3s,
            ja3s_string,
            tls_scts,
            sct_errors,
        }
    }

    /// The baseline record of this observation.
    pub fn baseline_entry(&self, now_unix: i64) -> Option<BaselineEntry> {
        let leaf = crate::x509::CertSummary::from_der(self.certificates.first()?.as_ref()).ok()?;
        Some(BaselineEntry {
            leaf_spki_sha256: leaf.spki_sha256,
            issuer: leaf.issuer,
            chain_spki_sha256: self
                .certificates
                .iter()
                .map(|c| {
                    crate::x509::CertSummary::from_der(c.as_ref())
                        .map(|s| s.spki_sha256)
                        .unwrap_or_else(|_| "(malformed)".into())
                })
                .collect(),
            ja3s: self.ja3s.clone(),
            version: self.version.clone(),
            cipher_suite: self.cipher_suite.clone(),
            first_seen_unix: now_unix,
            last_seen_unix: now_unix,
        })
    }
}
