//! From an [`Attempt`] to the record's fields: the chain validated once per store with
//! [`crate::x509::verify_chain_with_stores`] (the `verify` command's code, with the options the
//! `mitm` command uses), the interception signals from [`crate::mitm::assess_with_report`] on
//! that same report, the leaf's expiry, and JA3S from the ServerHello.
//!
//! The per-store report depends only on the chain's bytes and the time; the name is checked
//! apart ([`crate::x509::HostCheck`]). So the name-free report is memoised per scan: fleets
//! repeat chains (one certificate on every node behind a load balancer or CDN, under many
//! names), and a repeated chain then costs a hash lookup and the name check. An entry lives
//! until the next moment its time-dependent findings could change (a validity bound, a day of
//! the expiry-warning window) and at most an hour, so it gives the verdict a fresh validation
//! would give now.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rustls_pki_types::CertificateDer;

use super::conn::Attempt;
use super::record::{Fingerprints, Interception, Leaf, Negotiated, StoreVerdict, Verification};
use crate::mitm::{AssessOptions, ChainFacts, Observation, Trust};
use crate::report::names;
use crate::wire::handshake::ServerHello;
use crate::wire::{ContentType, HandshakeReassembler, HandshakeType};
use crate::x509::{ChainReport, HostCheck, Store};

/// Entries kept in the verdict cache before it is emptied (bounded memory on huge scans).
const CACHE_LIMIT: usize = 20_000;

/// Per-scan judging state: the loaded stores, the interception settings and the cache.
#[derive(Debug)]
pub struct Judge {
    stores: Vec<Store>,
    mitm: AssessOptions,
    cache: Mutex<HashMap<[u8; 32], Cached>>,
    use_cache: bool,
    ja4s: bool,
    /// Chains validated (cache misses), for the summary.
    pub validations: std::sync::atomic::AtomicU64,
}

/// A name-free report, the chain's parsed facts, and the time span over which they hold.
#[derive(Debug, Clone)]
struct Cached {
    report: Arc<ChainReport>,
    facts: Arc<ChainFacts>,
    from: i64,
    until: i64,
}

/// Longest life of a cache entry, seconds: a bound on any time dependence not listed in
/// [`valid_until`].
const CACHE_TTL: i64 = 3600;

/// The expiry-warning window of the options scan validates with.
fn warning_days() -> i64 {
    i64::from(crate::x509::VerifyOptions::default().expiry_warning_days)
}

/// The first second after `now` at which a validation of `chain` could say something else:
/// a certificate becoming valid or expiring, the leaf entering the expiry-warning window or
/// its day count changing there. Covers the certificates sent and the path's (anchors too).
fn valid_until(report: &ChainReport, chain: &[CertificateDer<'_>], now: i64) -> i64 {
    let mut bounds: Vec<(i64, i64)> = report
        .chain
        .iter()
        .filter_map(|l| l.cert.as_ref())
        .map(|c| (c.not_before_unix, c.not_after_unix))
        .collect();
    for der in chain {
        if let Ok((_, c)) = x509_parser::parse_x509_certificate(der.as_ref()) {
            bounds.push((
                c.validity().not_before.timestamp(),
                c.validity().not_after.timestamp(),
            ));
        }
    }
    let mut until = now.saturating_add(CACHE_TTL);
    let mut consider = |t: i64| {
        if t > now && t < until {
            until = t;
        }
    };
    for (nb, na) in bounds {
        consider(nb);
        consider(na.saturating_add(1));
        for k in 0..=warning_days() {
            let t = na.saturating_sub(k * 86_400);
            consider(t);
            consider(t.saturating_add(1));
        }
    }
    until
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

    /// The chain's name-free report at `now` and its facts for the interception check: from
    /// the cache when an entry holds at `now`, computed otherwise. The name is checked apart
    /// ([`HostCheck`]), so a repeated chain is neither validated nor copied again.
    fn chain_report(&self, obs: &Observation, now: i64) -> (Arc<ChainReport>, Arc<ChainFacts>) {
        let mut opts = crate::mitm::verify_options(obs, &self.mitm);
        opts.host = None;
        opts.at = Some(now);
        let compute = || {
            self.validations
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let report =
                crate::x509::verify_chain_with_stores(&obs.certificates, &opts, &self.stores);
            let facts = ChainFacts::of(&obs.certificates, &self.mitm.catalogue);
            (Arc::new(report), Arc::new(facts))
        };
        if !self.use_cache {
            return compute();
        }
        let key = cache_key(&obs.certificates);
        let hit = self
            .cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
            .filter(|c| c.from <= now && now < c.until)
            .map(|c| (c.report.clone(), c.facts.clone()));
        if let Some(r) = hit {
            return r;
        }
        let (report, facts) = compute();
        let entry = Cached {
            until: valid_until(&report, &obs.certificates, now),
            from: now,
            report: report.clone(),
            facts: facts.clone(),
        };
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(key, entry);
        (report, facts)
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
        let Some(leaf) = a.seen.certificates.first() else {
            return out;
        };
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
        let (report, facts) = self.chain_report(&obs, now_unix);
        let host = HostCheck::of(leaf, name);
        // Trusted only with the key proven, as every single-target verdict says.
        let possession = crate::x509::KeyPossession::from_signature(
            obs.handshake_signature_valid,
            obs.signature_proof,
            obs.failure.as_deref(),
        )
        .finding();
        out.verification = Some(Verification {
            trusted: host.trusted(&report, possession.as_ref()),
            name: name.to_string(),
            host_valid: host.valid,
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
            errors: host
                .errors(&report, possession.as_ref())
                .map(|f| f.code.as_str())
                .collect(),
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
        let trust = Trust {
            stores: &report.stores,
            host_valid: host.valid,
        };
        out.interception = crate::mitm::verdict_with_facts(&obs, trust, &facts, &self.mitm)
            .ok()
            .map(|(verdict, signals)| Interception {
                verdict: verdict.name().to_string(),
                signals: signals.iter().map(|s| s.id.to_string()).collect(),
            });
        out
    }
}

fn cache_key(chain: &[CertificateDer<'_>]) -> [u8; 32] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for c in chain {
        ctx.update(&(c.len() as u64).to_be_bytes());
        ctx.update(c.as_ref());
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handshake::{Negotiated as Neg, SeenChain};
    use crate::net::OpenTimings;
    use rustls_pki_types::pem::PemObject;

    fn pem(path: &str) -> Vec<CertificateDer<'static>> {
        let text = std::fs::read(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        CertificateDer::pem_slice_iter(&text)
            .collect::<Result<_, _>>()
            .unwrap()
    }

    fn attempt(chain: &[CertificateDer<'static>]) -> Attempt {
        Attempt {
            address: "127.0.0.1:443".parse().unwrap(),
            negotiated: Neg::default(),
            // The server proved it holds the key.
            seen: SeenChain {
                certificates: chain.to_vec(),
                signature_valid: Some(true),
                ..SeenChain::default()
            },
            head: Vec::new(),
            open: OpenTimings::default(),
            tls_ms: 0.0,
            exchange: None,
            failure: None,
            engine: crate::handshake::EngineName::Rustls,
            engine_fallback: None,
        }
    }

    fn judge(cache: bool, roots: &[&str]) -> Judge {
        let extra = roots.iter().flat_map(|r| pem(r)).collect();
        Judge::new(extra, cache, false).unwrap()
    }

    fn json<T: serde::Serialize>(v: &T) -> String {
        serde_json::to_string(v).unwrap()
    }

    #[test]
    fn one_validation_per_chain_gives_every_name_a_fresh_validations_verdict() {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let cached = judge(true, &["certs/root.pem", "certs/chains/root.pem"]);
        let fresh = judge(false, &["certs/root.pem", "certs/chains/root.pem"]);
        let chains = [
            "certs/rsa2048-chain.pem",
            "certs/ecdsa-p256-chain.pem",
            "certs/chains/good.pem",
            "certs/chains/expired.pem",
            "certs/chains/expires-soon.pem",
            "certs/chains/bad-eku.pem",
            "certs/chains/malformed.pem",
            "certs/chains/self-signed.pem",
            "certs/chains/incomplete.pem",
            "certs/chains/sha1.pem",
        ];
        let names = [
            "localhost",
            "tlsight.test",
            "wrong.example",
            "127.0.0.1",
            "good.test",
        ];
        for c in chains {
            let chain = pem(c);
            // Each name with the key proven, and once more without a proof.
            let proofs = names
                .iter()
                .map(|n| (*n, Some(true)))
                .chain([("localhost", None)]);
            for (name, signature_valid) in proofs {
                let mut a = attempt(&chain);
                a.seen.signature_valid = signature_valid;
                let obs = Observation {
                    target: "t:443".into(),
                    address: "127.0.0.1:443".into(),
                    via_proxy: None,
                    name: name.to_string(),
                    certificates: chain.clone(),
                    ocsp: Vec::new(),
                    handshake_signature_valid: None,
                    key_possession_failed: false,
                    signature_proof: None,
                    failure: None,
                    version: None,
                    cipher_suite: None,
                    ja3s: None,
                    ja3s_string: None,
                    tls_scts: Vec::new(),
                    sct_errors: Vec::new(),
                };
                // The name-free report plus the name check equals one validated with the name...
                let mut opts = crate::mitm::verify_options(&obs, &fresh.mitm);
                opts.at = Some(now);
                let mut direct =
                    crate::x509::verify_chain_with_stores(&chain, &opts, &fresh.stores);
                let mut named = (*cached.chain_report(&obs, now).0).clone();
                crate::x509::apply_host(&mut named, &chain[0], name);
                assert_eq!(json(&named), json(&direct), "{c} as {name}");
                // ...and what the handshake proved applies as in `verify`...
                direct.apply_key_possession(crate::x509::KeyPossession::from_signature(
                    signature_valid,
                    None,
                    None,
                ));
                // ...the record says what that validation says...
                let x = cached.judge(&a, "t:443", name, now);
                let v = x.verification.as_ref().unwrap();
                assert_eq!(v.trusted, direct.trusted, "{c} {name}");
                assert_eq!(v.host_valid, direct.host_valid, "{c} {name}");
                let codes = |f: &[crate::x509::Finding]| -> Vec<String> {
                    f.iter().map(|f| f.code.as_str()).collect()
                };
                assert_eq!(v.errors, codes(&direct.errors), "{c} {name}");
                assert_eq!(v.warnings, codes(&direct.warnings), "{c} {name}");
                // ...and the interception verdict is the full assessment's.
                let obs = Observation {
                    handshake_signature_valid: signature_valid,
                    ..obs
                };
                let full = crate::mitm::assess_with_report(&obs, &direct, &fresh.mitm).unwrap();
                let i = x.interception.as_ref().unwrap();
                assert_eq!(i.verdict, full.verdict.name(), "{c} {name}");
                let ids: Vec<String> = full.signals.iter().map(|s| s.id.to_string()).collect();
                assert_eq!(i.signals, ids, "{c} {name}");
                // Cached and fresh judges agree on everything.
                let y = fresh.judge(&a, "t:443", name, now);
                assert_eq!(json(&x.verification), json(&y.verification), "{c} {name}");
                assert_eq!(json(&x.certificate), json(&y.certificate), "{c} {name}");
                assert_eq!(json(&x.interception), json(&y.interception), "{c} {name}");
            }
        }
        // Every chain validated once per judge call site above: once for all its names.
        let validated = cached
            .validations
            .load(std::sync::atomic::Ordering::Relaxed);
        assert_eq!(validated, chains.len() as u64);
    }

    #[test]
    fn a_cached_verdict_ends_when_the_certificate_expires_or_nears_expiry() {
        let chain = pem("certs/rsa2048-chain.pem");
        let (_, leaf) = x509_parser::parse_x509_certificate(chain[0].as_ref()).unwrap();
        let na = leaf.validity().not_after.timestamp();
        let j = judge(true, &["certs/root.pem"]);
        let a = attempt(&chain);
        let verdict = |at: i64| {
            let v = j.judge(&a, "t:443", "localhost", at).verification.unwrap();
            (v.trusted, v.errors, v.warnings)
        };
        let day = 86_400;
        // Far from expiry: trusted, no warning; a second look an hour later is a cache hit.
        assert_eq!(verdict(na - 60 * day), (true, vec![], vec![]));
        assert_eq!(verdict(na - 60 * day + 1800), (true, vec![], vec![]));
        assert_eq!(j.validations.load(std::sync::atomic::Ordering::Relaxed), 1);
        // Inside the 30-day window: the warning, though the entry above was made earlier.
        let (trusted, errors, warnings) = verdict(na - 20 * day);
        assert!(trusted && errors.is_empty());
        assert!(
            warnings.contains(&"expires_soon".to_string()),
            "{warnings:?}"
        );
        // One second before and after notAfter.
        assert!(verdict(na - 1).0);
        let (trusted, errors, _) = verdict(na + 1);
        assert!(!trusted);
        assert!(errors.contains(&"expired".to_string()), "{errors:?}");
    }
}
