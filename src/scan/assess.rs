//! From an [`Attempt`] to the record's fields: the chain validated once per store with
//! [`crate::x509::verify_chain_with_stores`] (the `verify` command's code, with the options the
//! `mitm` command uses), the interception signals from [`crate::mitm::assess_with_report`] on
//! that same report, the leaf's expiry, and JA3S from the ServerHello.
//!
//! The per-store report depends only on the chain's bytes, the name and the time, so it is
//! memoised per scan: fleets repeat chains (one certificate on every node behind a load
//! balancer or CDN), and a repeated chain then costs a hash lookup.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rustls_pki_types::CertificateDer;

use super::conn::Attempt;
use super::record::{Fingerprints, Interception, Leaf, Negotiated, StoreVerdict, Verification};
use crate::mitm::{AssessOptions, Observation};
use crate::report::names;
use crate::wire::handshake::ServerHello;
use crate::wire::{ContentType, HandshakeReassembler, HandshakeType};
use crate::x509::{ChainReport, Store};

/// Entries kept in the verdict cache before it is emptied (bounded memory on huge scans).
const CACHE_LIMIT: usize = 20_000;

/// Per-scan judging state: the loaded stores, the interception settings and the cache.
#[derive(Debug)]
pub struct Judge {
    stores: Vec<Store>,
    mitm: AssessOptions,
    cache: Mutex<HashMap<[u8; 32], Arc<ChainReport>>>,
    use_cache: bool,
    ja4s: bool,
    /// Chains validated (cache misses), for the summary.
    pub validations: std::sync::atomic::AtomicU64,
}

/// The judged parts of a record.
#[derive(Debug, Default)]
pub struct Judged {
    /// Negotiated parameters.
    pub negotiated: Option<Negotiated>,
    /// Leaf.
    pub certificate: Option<Leaf>,
    /// Verdict.
    pub verification: Option<Verification>,
    /// Fingerprints.
    pub fingerprints: Option<Fingerprints>,
    /// Interception.
    pub interception: Option<Interception>,
}

impl Judge {
    /// Loads the stores once: Mozilla, the OS store, and `extra` as the custom store.
    pub fn new(
        extra: Vec<CertificateDer<'static>>,
        use_cache: bool,
        ja4s: bool,
    ) -> Result<Self, String> {
        let mut stores = vec![Store::mozilla(), Store::os()];
        if !extra.is_empty() {
            stores.push(Store::custom(extra.clone(), "--ca"));
        }
        let mut mitm = AssessOptions::new().map_err(|e| e.to_string())?;
        mitm.extra_anchors = extra;
        Ok(Self {
            stores,
            mitm,
            cache: Mutex::new(HashMap::new()),
            use_cache,
            ja4s,
            validations: Default::default(),
        })
    }

    fn chain_report(&self, obs: &Observation) -> Arc<ChainReport> {
        let opts = crate::mitm::verify_options(obs, &self.mitm);
        let compute = || {
            self.validations
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Arc::new(crate::x509::verify_chain_with_stores(
                &obs.certificates,
                &opts,
                &self.stores,
            ))
        };
        if !self.use_cache {
            return compute();
        }
        let key = cache_key(&obs.certificates, &obs.name);
        if let Some(r) = self
            .cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
        {
            return r.clone();
        }
        let r = compute();
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(key, r.clone());
        r
    }

    /// Judges one attempt (complete or failed after the certificate arrived).
    pub fn judge(&self, a: &Attempt, target: &str, name: &str, now_unix: i64) -> Judged {
        let n = &a.negotiated;
        let negotiated = n.version.map(|_| Negotiated {
            version: n.version.map(names::version),
            cipher_suite: n.cipher_suite.map(names::suite),
            cipher_suite_code: n.cipher_suite.map(|c| format!("0x{c:04X}")),
            group: n.group.map(names::group),
            alpn: n.alpn.clone(),
        });
        let sh = server_hello(&a.head);
        let fingerprints = sh.as_ref().map(|sh| {
            let f = crate::fingerprint::ServerHelloFields::from_hello(sh);
            let ja4s = self.ja4s.then(|| {
                let lic = crate::fingerprint::FoxIoLicenseAccepted::accept_foxio_license_1_1();
                crate::fingerprint::ja4s(&f, lic).ja4s
            });
            Fingerprints {
                ja3s: Some(crate::fingerprint::ja3s(&f)),
                ja3s_string: Some(crate::fingerprint::ja3s_string(&f)),
                ja4s,
            }
        });
        let mut out = Judged {
            negotiated,
            fingerprints,
            ..Judged::default()
        };
        if a.seen.certificates.is_empty() {
            return out;
        }
        let obs = Observation {
            target: target.to_string(),
            address: a.address.to_string(),
            via_proxy: None,
            name: name.to_string(),
            certificates: a.seen.certificates.clone(),
            ocsp: a.seen.ocsp.clone(),
            handshake_signature_valid: a.seen.signature_valid,
            key_possession_failed: matches!(
                a.failure,
                Some(crate::handshake::HandshakeError::KeyPossession(_))
            ),
            // The message that carried the signature, as `Inspection::key_possession` says.
            signature_proof: a.seen.proof.or(match a.negotiated.version {
                Some(0x0304) => Some(crate::x509::ProofKind::CertificateVerify),
                Some(_) => Some(crate::x509::ProofKind::ServerKeyExchange),
                None => None,
            }),
            failure: a.failure.as_ref().map(|f| f.to_string()),
            version: out.negotiated.as_ref().and_then(|n| n.version.clone()),
            cipher_suite: out.negotiated.as_ref().and_then(|n| n.cipher_suite.clone()),
            ja3s: out.fingerprints.as_ref().and_then(|f| f.ja3s.clone()),
            ja3s_string: out
                .fingerprints
                .as_ref()
                .and_then(|f| f.ja3s_string.clone()),
            // SCTs in the TLS extension: the ServerHello's (TLS 1.2); a TLS 1.3 server sends
            // them encrypted, which the scan does not decrypt (embedded SCTs are still seen).
            tls_scts: sh
                .as_ref()
                .map(|sh| {
                    sh.extensions
                        .iter()
                        .filter(|e| e.typ == 18)
                        .filter_map(|e| {
                            crate::mitm::sct::from_tls_list(
                                &e.raw,
                                crate::mitm::SctSource::TlsExtension,
                            )
                            .ok()
                        })
                        .flatten()
                        .collect()
                })
                .unwrap_or_default(),
            sct_errors: Vec::new(),
        };
        let report = self.chain_report(&obs);
        out.verification = Some(Verification {
            trusted: report.trusted,
            name: name.to_string(),
            host_valid: report.host_valid,
            stores: report
                .stores
                .iter()
                .map(|(k, s)| {
                    (
                        k.name().to_string(),
                        StoreVerdict {
                            trusted: s.trusted,
                            code: s.code.map(|c| c.as_str()),
                            anchor: s.anchor.as_ref().map(|a| a.subject.clone()),
                        },
                    )
                })
                .collect(),
            errors: report.errors.iter().map(|f| f.code.as_str()).collect(),
            warnings: report.warnings.iter().map(|f| f.code.as_str()).collect(),
        });
        out.certificate = report
            .chain
            .first()
            .and_then(|l| l.cert.as_ref())
            .map(|c| Leaf {
                subject: c.subject.clone(),
                issuer: c.issuer.clone(),
                sans: c.sans.clone(),
                not_after: c.not_after.clone(),
                days_to_expiry: (c.not_after_unix - now_unix).div_euclid(86_400),
                key_algorithm: c.public_key.algorithm.clone(),
                key_bits: c.public_key.bits,
                fingerprint_sha256: c.fingerprint_sha256.clone(),
                spki_sha256: c.spki_sha256.clone(),
                chain_length: a.seen.certificates.len(),
            });
        out.interception = crate::mitm::assess_with_report(&obs, &report, &self.mitm)
            .ok()
            .map(|a| Interception {
                verdict: a.verdict.name().to_string(),
                signals: a.signals.iter().map(|s| s.id.to_string()).collect(),
            });
        out
    }
}

fn cache_key(chain: &[CertificateDer<'_>], name: &str) -> [u8; 32] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for c in chain {
        ctx.update(&(c.len() as u64).to_be_bytes());
        ctx.update(c.as_ref());
    }
    ctx.update(name.as_bytes());
    let mut key = [0u8; 32];
    key.copy_from_slice(ctx.finish().as_ref());
    key
}

/// The ServerHello (after any HelloRetryRequest) among the server's first bytes.
pub fn server_hello(head: &[u8]) -> Option<ServerHello> {
    let (records, _) = crate::wire::split_records(head);
    let mut hs = HandshakeReassembler::default();
    for r in records {
        if r.content_type != ContentType::HANDSHAKE {
            continue;
        }
        for m in hs.push(r.fragment).ok()? {
            if m.typ == HandshakeType::SERVER_HELLO {
                let sh = ServerHello::decode(&m.body).ok()?;
                if !sh.hello_retry_request {
                    return Some(sh);
                }
            }
        }
    }
    None
}
