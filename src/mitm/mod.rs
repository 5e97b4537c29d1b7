//! Is someone intercepting this TLS connection? Turns what one or two handshakes showed into a
//! verdict (`clean`, `suspicious`, `intercepted`) and the named signals behind it, each with
//! its evidence:
//!
//! - `known_interception_issuer`: an issuer in the [`catalogue`] of inspection products;
//! - `anchored_only_locally`: valid against the OS store but not Mozilla's roots, with the
//!   anchor's [`origin`] (distribution bundle, local directory, SSL_CERT_FILE/SSL_CERT_DIR);
//! - `untrusted_chain`, `hostname_mismatch`;
//! - `pin_mismatch` ([`pins`]), `baseline_changed`, `inconsistent_server`,
//!   `server_hello_changed` ([`baseline`]);
//! - `key_possession_failed`: a certificate without its private key (replay);
//! - `missing_sct`: a publicly trusted chain without Certificate Transparency proof ([`sct`]);
//! - `proxy_certificate_differs`, `proxy_path_differs`: the direct path and the [`proxy`] path
//!   disagree;
//! - `handshake_incomplete`: the handshake failed after the certificate for another reason.
//!
//! [`assess`] works on an [`Inspection`] the caller already has (for `handshake` / `audit`);
//! [`run`] makes the connections, reads and writes the baseline, and assesses.

pub mod baseline;
pub mod catalogue;
pub mod origin;
pub mod pins;
pub mod proxy;
pub mod render;
pub mod sct;

use std::collections::BTreeMap;
use std::path::PathBuf;

use rustls_pki_types::CertificateDer;
use serde::Serialize;

use crate::handshake::messages::MessageContent;
use crate::handshake::{HandshakeError, InspectOptions, Inspection};
use crate::wire::handshake::HandshakeBody;
use crate::x509::{StoreKind, StoreReport, VerifyOptions};

pub use baseline::{BaselineCheck, BaselineEntry, BaselineFile, BaselineStatus};
pub use catalogue::{Catalogue, CatalogueMatch};
pub use origin::{AnchorOrigin, OriginKind, StoreLayout};
pub use pins::{Pin, PinCheck};
pub use proxy::ProxyAddr;
pub use sct::{Sct, SctSource};

/// Why an assessment could not be made.
#[derive(Debug, thiserror::Error)]
pub enum MitmError {
    /// Connecting or handshaking failed before a certificate was seen.
    #[error(transparent)]
    Handshake(#[from] HandshakeError),
    /// The server sent no certificate, so there is nothing to judge.
    #[error("no certificate to assess: {0}")]
    NoCertificate(String),
    /// A `--pin` that is not `sha256/BASE64`.
    #[error("bad pin '{pin}': {reason}")]
    BadPin {
        /// As given.
        pin: String,
        /// What is wrong.
        reason: String,
    },
    /// A `--proxy` that is not `http://HOST:PORT`.
    #[error("bad proxy '{proxy}': {reason}")]
    BadProxy {
        /// As given.
        proxy: String,
        /// What is wrong.
        reason: String,
    },
    /// The proxy answered CONNECT with a non-2xx status.
    #[error("proxy {proxy} refused the tunnel: \"{line}\" (status {status})")]
    ProxyRefused {
        /// Proxy URL.
        proxy: String,
        /// HTTP status.
        status: u16,
        /// The status line.
        line: String,
    },
    /// The proxy did not answer in time.
    #[error("proxy {proxy} did not answer CONNECT within {secs:.1}s")]
    ProxyTimeout {
        /// Proxy URL.
        proxy: String,
        /// The limit.
        secs: f64,
    },
    /// The proxy misbehaved.
    #[error("proxy {proxy}: {detail}")]
    Proxy {
        /// Proxy URL.
        proxy: String,
        /// What happened.
        detail: String,
    },
    /// The baseline file cannot be used.
    #[error("baseline {path}: {detail}")]
    Baseline {
        /// File.
        path: String,
        /// What is wrong.
        detail: String,
    },
    /// The catalogue cannot be used.
    #[error("{origin}: bad interception catalogue: {detail}")]
    Catalogue {
        /// Where it came from.
        origin: String,
        /// What is wrong.
        detail: String,
    },
}

/// How much a signal weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing; does not change the verdict.
    Info,
    /// Makes the verdict `suspicious`.
    Warning,
    /// Evidence of interception: makes the verdict `intercepted`.
    Critical,
}

/// The overall answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// No warning or critical signal.
    Clean,
    /// At least one warning.
    Suspicious,
    /// At least one critical signal.
    Intercepted,
}

impl Verdict {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Clean => "clean",
            Self::Suspicious => "suspicious",
            Self::Intercepted => "intercepted",
        }
    }
}

/// One named observation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signal {
    /// Stable id (see the module docs).
    pub id: &'static str,
    /// Weight.
    pub severity: Severity,
    /// One line: what was seen.
    pub summary: String,
    /// The facts behind it.
    pub evidence: Vec<String>,
    /// Why it matters.
    pub why: String,
}

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
    /// Whether the handshake signature verified with the leaf's key.
    pub handshake_signature_valid: Option<bool>,
    /// The handshake failed because the server does not hold the key.
    pub key_possession_failed: bool,
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
        let analysis = crate::handshake::analyze(ins);
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
        for m in &analysis.messages {
            if m.direction != crate::capture::Direction::ServerToClient {
                continue;
            }
            match &m.fields {
                MessageContent::Handshake(HandshakeBody::ServerHello(sh))
                    if !sh.hello_retry_request =>
                {
                    if ja3s.is_none() {
                        let f = crate::report::handshake::server_fields(sh);
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
        Self {
            target: ins.target.to_string(),
            address: ins.address.to_string(),
            via_proxy,
            name: ins.sni.clone().unwrap_or_else(|| ins.target.host.clone()),
            certificates: ins.seen.certificates.clone(),
            ocsp: ins.seen.ocsp.clone(),
            handshake_signature_valid: ins.seen.signature_valid,
            key_possession_failed: matches!(ins.failure, Some(HandshakeError::KeyPossession(_))),
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

/// Inputs of an assessment besides the observation.
#[derive(Debug, Clone)]
pub struct AssessOptions {
    /// SPKI pins (`--pin`); at least one must match when any is given.
    pub pins: Vec<Pin>,
    /// Custom anchors (`--ca`): a private CA the user expects.
    pub extra_anchors: Vec<CertificateDer<'static>>,
    /// Validation time (Unix seconds); `None` = now.
    pub at: Option<i64>,
    /// Where OS anchors come from.
    pub layout: StoreLayout,
    /// Interception CAs.
    pub catalogue: Catalogue,
    /// The baseline entry for this host (key, entry) when a baseline is in use.
    pub baseline: Option<(String, Option<BaselineEntry>)>,
    /// The same target reached directly, when comparing paths.
    pub direct: Option<Observation>,
}

impl AssessOptions {
    /// No pins, no baseline, the built-in catalogue, the Debian layout and the environment.
    pub fn new() -> Result<Self, MitmError> {
        Ok(Self {
            pins: Vec::new(),
            extra_anchors: Vec::new(),
            at: None,
            layout: StoreLayout::default(),
            catalogue: Catalogue::builtin()?,
            baseline: None,
            direct: None,
        })
    }
}

/// One certificate of the chain, summarised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainCert {
    /// Position as sent (0 = leaf).
    pub position: usize,
    /// Subject DN.
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// SPKI pin (base64 SHA-256).
    pub spki_sha256: String,
    /// SHA-256 of the certificate, hex.
    pub fingerprint_sha256: String,
    /// End of validity, RFC 3339.
    pub not_after: String,
    /// A CA certificate.
    pub is_ca: bool,
    /// Embedded SCTs.
    pub sct_count: usize,
}

/// Certificate Transparency evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CtReport {
    /// SCTs embedded in the leaf.
    pub embedded: usize,
    /// SCTs in the TLS extension.
    pub tls_extension: usize,
    /// SCTs in the stapled OCSP response.
    pub ocsp: usize,
    /// A stapled OCSP response was received.
    pub ocsp_stapled: bool,
    /// Every SCT, decoded.
    pub scts: Vec<Sct>,
    /// Whether CT is expected: the chain is anchored in Mozilla's (public) roots.
    pub expected: bool,
}

/// The server's hello.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerSummary {
    /// Negotiated version.
    pub version: Option<String>,
    /// Negotiated cipher suite.
    pub cipher_suite: Option<String>,
    /// JA3S.
    pub ja3s: Option<String>,
    /// JA3S input string.
    pub ja3s_string: Option<String>,
    /// The handshake signature verified with the leaf's key (null: never checked).
    pub handshake_signature_valid: Option<bool>,
}

/// Differences between the direct path and the proxy path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathComparison {
    /// The direct path's address.
    pub direct_address: String,
    /// Leaf SPKI directly / through the proxy.
    pub direct_leaf_spki_sha256: Option<String>,
    /// Leaf issuer directly.
    pub direct_issuer: Option<String>,
    /// Chain length directly.
    pub direct_chain_length: usize,
    /// JA3S directly.
    pub direct_ja3s: Option<String>,
    /// Fields that differ.
    pub differences: Vec<baseline::Difference>,
}

/// The whole answer (`tlsight mitm --json`, schema in docs/mitm.md).
#[derive(Debug, Clone, Serialize)]
pub struct Assessment {
    /// `host:port`.
    pub target: String,
    /// Address connected to.
    pub address: String,
    /// Proxy the connection went through.
    pub via_proxy: Option<String>,
    /// Name the certificate was checked for.
    pub name: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Every signal raised, most severe first.
    pub signals: Vec<Signal>,
    /// The chain as sent.
    pub chain: Vec<ChainCert>,
    /// Path validation per store (`mozilla`, `os`, `custom`).
    pub trust: BTreeMap<StoreKind, StoreReport>,
    /// The leaf covers `name`.
    pub host_valid: Option<bool>,
    /// Where the OS store's anchor came from (when the OS store anchored the chain).
    pub os_anchor_origin: Option<AnchorOrigin>,
    /// Catalogue entries that matched.
    pub interception_products: Vec<CatalogueMatch>,
    /// Pins checked.
    pub pins: Vec<PinCheck>,
    /// Certificate Transparency.
    pub ct: CtReport,
    /// The server hello.
    pub server: ServerSummary,
    /// Baseline comparison, when a baseline is in use.
    pub baseline: Option<BaselineCheck>,
    /// Direct-vs-proxy comparison, with `--compare-direct`.
    pub path_comparison: Option<PathComparison>,
    /// Why the handshake failed, if it did.
    pub handshake_error: Option<String>,
}

/// Assesses an inspection the caller already made (the `handshake` / `audit` section).
pub fn assess(ins: &Inspection, opts: &AssessOptions) -> Result<Assessment, MitmError> {
    assess_observation(&Observation::from_inspection(ins, None), opts)
}

fn signal(
    id: &'static str,
    severity: Severity,
    summary: impl Into<String>,
    evidence: Vec<String>,
    why: &str,
) -> Signal {
    Signal {
        id,
        severity,
        summary: summary.into(),
        evidence,
        why: why.to_string(),
    }
}

/// Assesses one observation.
pub fn assess_observation(
    obs: &Observation,
    opts: &AssessOptions,
) -> Result<Assessment, MitmError> {
    if obs.certificates.is_empty() {
        return Err(MitmError::NoCertificate(
            obs.failure
                .clone()
                .unwrap_or_else(|| "the server sent no certificate".into()),
        ));
    }
    let report = crate::x509::verify_chain(&obs.certificates, &verify_options(obs, opts));
    assess_with_report(obs, &report, opts)
}

/// How the chain is validated for an assessment.
pub fn verify_options(obs: &Observation, opts: &AssessOptions) -> VerifyOptions {
    VerifyOptions {
        host: Some(obs.name.clone()),
        at: opts.at,
        extra_anchors: opts.extra_anchors.clone(),
        // Plain webpki semantics: the question is which store anchors the chain, as a
        // browser-like client would decide it, not RFC 5280 profile nits.
        strict: false,
        ..VerifyOptions::default()
    }
}

/// Assesses one observation whose chain was already validated per store (`report` from
/// [`crate::x509::verify_chain`] with [`verify_options`]). Pure apart from reading the
/// certificate trees of [`StoreLayout`] when the OS store anchors the chain.
pub fn assess_with_report(
    obs: &Observation,
    report: &crate::x509::ChainReport,
    opts: &AssessOptions,
) -> Result<Assessment, MitmError> {
    if obs.certificates.is_empty() {
        return Err(MitmError::NoCertificate(
            obs.failure
                .clone()
                .unwrap_or_else(|| "the server sent no certificate".into()),
        ));
    }
    let summaries: Vec<Option<crate::x509::CertSummary>> = obs
        .certificates
        .iter()
        .map(|c| crate::x509::CertSummary::from_der(c.as_ref()).ok())
        .collect();
    let chain: Vec<ChainCert> = summaries
        .iter()
        .enumerate()
        .map(|(i, s)| match s {
            Some(s) => ChainCert {
                position: i,
                subject: s.subject.clone(),
                issuer: s.issuer.clone(),
                spki_sha256: s.spki_sha256.clone(),
                fingerprint_sha256: s.fingerprint_sha256.clone(),
                not_after: s.not_after.clone(),
                is_ca: s.is_ca,
                sct_count: s.sct_count,
            },
            None => ChainCert {
                position: i,
                subject: "(malformed certificate)".into(),
                issuer: String::new(),
                spki_sha256: String::new(),
                fingerprint_sha256: String::new(),
                not_after: String::new(),
                is_ca: false,
                sct_count: 0,
            },
        })
        .collect();
    let leaf_label = |i: usize| -> String {
        chain
            .get(i)
            .map(|c| format!("certificate #{i} \"{}\"", c.subject))
            .unwrap_or_else(|| format!("certificate #{i}"))
    };
    let mut signals = Vec::new();

    // --- key possession
    if obs.key_possession_failed {
        let leaf = &chain[0];
        signals.push(signal(
            "key_possession_failed",
            Severity::Critical,
            "the server presented a certificate it cannot sign with",
            vec![
                format!(
                    "the handshake signature did not verify with the key of {} (SPKI sha256/{})",
                    leaf_label(0),
                    leaf.spki_sha256
                ),
                obs.failure.clone().unwrap_or_default(),
            ],
            "a server that sends a genuine certificate without holding its private key is replaying \
             someone else's certificate: an impersonation attempt, not a misconfiguration",
        ));
    }

    // --- known interception products
    let products = catalogue::match_chain(&opts.catalogue, &obs.certificates);
    if !products.is_empty() {
        let names: Vec<String> = products.iter().map(|m| m.product.clone()).collect();
        let mut uniq = names.clone();
        uniq.dedup();
        signals.push(signal(
            "known_interception_issuer",
            Severity::Critical,
            format!(
                "the chain is signed by a TLS-inspection CA: {}",
                uniq.join(", ")
            ),
            products
                .iter()
                .map(|m| {
                    format!(
                        "{} {} \"{}\" matches {} ({}; rule {}; {} entry)",
                        leaf_label(m.certificate),
                        m.field,
                        m.name,
                        m.product,
                        m.vendor,
                        m.rule,
                        m.confidence
                    )
                })
                .collect(),
            "these products terminate TLS and re-sign every site's certificate with their own CA: \
             the connection ends at the product, which can read and change the traffic",
        ));
    }

    // --- per-store trust
    let trusted = |k: StoreKind| report.stores.get(&k).is_some_and(|s| s.trusted);
    let anchor_spki = |k: StoreKind| {
        report
            .stores
            .get(&k)
            .and_then(|s| s.anchor.as_ref())
            .map(|a| a.spki_sha256.clone())
    };
    let (moz, os, custom) = (
        trusted(StoreKind::Mozilla),
        trusted(StoreKind::Os),
        trusted(StoreKind::Custom),
    );
    let mut os_anchor_origin = None;
    if os && !moz {
        let spki = anchor_spki(StoreKind::Os).unwrap_or_default();
        let origin = origin::classify(&spki, &opts.layout);
        let expected = custom && anchor_spki(StoreKind::Custom).as_deref() == Some(spki.as_str());
        if !expected {
            let anchor_subject = report
                .stores
                .get(&StoreKind::Os)
                .and_then(|s| s.anchor.as_ref())
                .map(|a| a.subject.clone())
                .unwrap_or_default();
            let moz_err = report
                .stores
                .get(&StoreKind::Mozilla)
                .and_then(|s| s.error.clone())
                .unwrap_or_else(|| "not anchored".into());
            let (sev, why) = match origin.kind {
                OriginKind::Distribution => (
                    Severity::Info,
                    "the root ships with the distribution but not (or no longer) with Mozilla's \
                     program: usually a difference between the two snapshots, not interception",
                ),
                _ => (
                    Severity::Warning,
                    "the chain rests on a root someone installed on this machine, not on a public \
                     CA: that is how corporate proxies, antivirus and malware intercept TLS",
                ),
            };
            signals.push(signal(
                "anchored_only_locally",
                sev,
                format!(
                    "trusted only through the OS store's \"{anchor_subject}\", not by Mozilla's roots"
                ),
                vec![
                    format!("os store anchor: \"{anchor_subject}\" (SPKI sha256/{spki})"),
                    format!("mozilla store: {moz_err}"),
                    format!("origin: {}", origin.detail),
                ],
                why,
            ));
        }
        os_anchor_origin = Some(origin);
    }
    if !moz && !os && !custom {
        let mut ev: Vec<String> = report
            .stores
            .iter()
            .map(|(k, s)| {
                format!(
                    "{} store ({} anchors): {}",
                    k.name(),
                    s.anchors,
                    s.error.clone().unwrap_or_else(|| "not anchored".into())
                )
            })
            .collect();
        if let Some(top) = chain.last() {
            ev.push(format!(
                "top of the chain: \"{}\" issued by \"{}\"",
                top.subject, top.issuer
            ));
        }
        signals.push(signal(
            "untrusted_chain",
            Severity::Warning,
            "no trust store anchors the chain",
            ev,
            "an interception proxy whose CA is not installed shows up exactly like this; so does a \
             private or misconfigured server (pass its CA with --ca if you expect it)",
        ));
    }
    if report.host_valid == Some(false) {
        signals.push(signal(
            "hostname_mismatch",
            Severity::Warning,
            format!("the certificate does not cover \"{}\"", obs.name),
            vec![format!(
                "{} names: {}",
                leaf_label(0),
                summaries[0]
                    .as_ref()
                    .map(|s| s.sans.join(", "))
                    .unwrap_or_default()
            )],
            "a proxy that forges certificates for the wrong name, or a server answering for a \
             different site",
        ));
    }

    // --- pins
    let mut keys: Vec<pins::PinnableKey> = chain
        .iter()
        .filter(|c| !c.spki_sha256.is_empty())
        .map(|c| pins::PinnableKey {
            spki_sha256: c.spki_sha256.clone(),
            label: leaf_label(c.position),
        })
        .collect();
    for (k, s) in &report.stores {
        if let Some(a) = &s.anchor {
            keys.push(pins::PinnableKey {
                spki_sha256: a.spki_sha256.clone(),
                label: format!("{} anchor \"{}\"", k.name(), a.subject),
            });
        }
    }
    let pin_checks = pins::check(&opts.pins, &keys);
    if !pin_checks.is_empty() && !pin_checks.iter().any(|p| p.matched) {
        let mut ev: Vec<String> = pin_checks
            .iter()
            .map(|p| format!("pin {} matches no key", p.pin))
            .collect();
        ev.extend(
            keys.iter()
                .map(|k| format!("key of {}: sha256/{}", k.label, k.spki_sha256)),
        );
        signals.push(signal(
            "pin_mismatch",
            Severity::Critical,
            "no key of the chain matches the pins",
            ev,
            "a pinned key survives renewals; a chain without any pinned key was made by someone \
             else, which is what an interception CA does",
        ));
    }

    // --- Certificate Transparency
    let mut scts = obs
        .certificates
        .first()
        .map(|c| sct::embedded(c.as_ref()))
        .unwrap_or_default();
    scts.extend(obs.tls_scts.iter().cloned());
    scts.extend(sct::from_ocsp(&obs.ocsp));
    let count = |s: SctSource| scts.iter().filter(|x| x.source == s).count();
    let ct = CtReport {
        embedded: count(SctSource::Embedded),
        tls_extension: count(SctSource::TlsExtension),
        ocsp: count(SctSource::Ocsp),
        ocsp_stapled: !obs.ocsp.is_empty(),
        expected: moz,
        scts,
    };
    if moz && ct.scts.is_empty() {
        let anchor = report
            .stores
            .get(&StoreKind::Mozilla)
            .and_then(|s| s.anchor.as_ref())
            .map(|a| a.subject.clone())
            .unwrap_or_default();
        signals.push(signal(
            "missing_sct",
            Severity::Warning,
            "a publicly trusted chain without Certificate Transparency proof",
            vec![
                format!("anchored in Mozilla's roots at \"{anchor}\""),
                format!(
                    "SCTs: 0 embedded in the leaf, 0 in the TLS extension, 0 in the OCSP staple ({})",
                    if ct.ocsp_stapled { "stapled" } else { "none stapled" }
                ),
            ],
            "browsers require SCTs for publicly trusted certificates; one without them was never \
             logged, as a certificate mis-issued for interception would not be",
        ));
    }

    // --- baseline
    let now_entry = obs.baseline_entry(opts.at.unwrap_or_else(now_unix));
    let baseline = match (&opts.baseline, &now_entry) {
        (Some((key, recorded)), Some(now)) => Some(baseline::compare(key, recorded.as_ref(), now)),
        _ => None,
    };
    if let Some(b) = &baseline {
        let ev: Vec<String> = b
            .differences
            .iter()
            .map(|d| format!("{}: recorded {}, now {}", d.field, d.was, d.now))
            .collect();
        if b.chain_changed {
            signals.push(signal(
                "baseline_changed",
                Severity::Warning,
                format!("the certificate for {} changed since it was recorded", b.key),
                ev.iter()
                    .filter(|e| e.starts_with("leaf_spki") || e.starts_with("issuer"))
                    .cloned()
                    .collect(),
                "a new key or a new issuer can be a routine renewal, or someone else's certificate; \
                 check the new issuer before accepting it",
            ));
            if b.server_hello_changed {
                signals.push(signal(
                    "inconsistent_server",
                    Severity::Warning,
                    "the server hello changed together with the certificate",
                    ev.clone(),
                    "a different TLS stack answering with a different certificate suggests a \
                     different machine terminates the connection",
                ));
            }
        } else if b.server_hello_changed {
            signals.push(signal(
                "server_hello_changed",
                Severity::Info,
                "the server hello changed, the certificate did not",
                ev,
                "usually a server software or configuration update",
            ));
        }
    }

    // --- direct vs proxy
    let path_comparison = opts.direct.as_ref().map(|d| compare_paths(d, obs));
    if let Some(pc) = &path_comparison {
        let cert_diff: Vec<String> = pc
            .differences
            .iter()
            .filter(|d| d.field == "leaf_spki_sha256" || d.field == "issuer")
            .map(|d| format!("{}: direct {}, via proxy {}", d.field, d.was, d.now))
            .collect();
        let other: Vec<String> = pc
            .differences
            .iter()
            .filter(|d| d.field != "leaf_spki_sha256" && d.field != "issuer")
            .map(|d| format!("{}: direct {}, via proxy {}", d.field, d.was, d.now))
            .collect();
        if !cert_diff.is_empty() {
            signals.push(signal(
                "proxy_certificate_differs",
                Severity::Critical,
                "the proxy path shows a different certificate than the direct path",
                cert_diff.into_iter().chain(other.clone()).collect(),
                "the proxy (or something behind it) replaces the server's certificate: it \
                 terminates TLS",
            ));
        } else if !other.is_empty() {
            signals.push(signal(
                "proxy_path_differs",
                Severity::Warning,
                "same certificate, but the handshake differs between the two paths",
                other,
                "a different server hello or chain for the same key can mean a device on the \
                 proxy path re-originates TLS",
            ));
        }
    }

    if let Some(f) = &obs.failure
        && !obs.key_possession_failed
    {
        signals.push(signal(
            "handshake_incomplete",
            Severity::Info,
            "the handshake did not complete; the assessment uses what was received",
            vec![f.clone()],
            "signals that need the finished handshake (key possession, server hello) may be \
             missing",
        ));
    }

    signals.sort_by_key(|s| std::cmp::Reverse(s.severity));
    let verdict = match signals.iter().map(|s| s.severity).max() {
        Some(Severity::Critical) => Verdict::Intercepted,
        Some(Severity::Warning) => Verdict::Suspicious,
        _ => Verdict::Clean,
    };
    Ok(Assessment {
        target: obs.target.clone(),
        address: obs.address.clone(),
        via_proxy: obs.via_proxy.clone(),
        name: obs.name.clone(),
        verdict,
        signals,
        chain,
        trust: report.stores.clone(),
        host_valid: report.host_valid,
        os_anchor_origin,
        interception_products: products,
        pins: pin_checks,
        ct,
        server: ServerSummary {
            version: obs.version.clone(),
            cipher_suite: obs.cipher_suite.clone(),
            ja3s: obs.ja3s.clone(),
            ja3s_string: obs.ja3s_string.clone(),
            handshake_signature_valid: obs.handshake_signature_valid,
        },
        baseline,
        path_comparison,
        handshake_error: obs.failure.clone(),
    })
}

fn compare_paths(direct: &Observation, proxied: &Observation) -> PathComparison {
    let sum = |o: &Observation| {
        o.certificates
            .first()
            .and_then(|c| crate::x509::CertSummary::from_der(c.as_ref()).ok())
    };
    let (d, p) = (sum(direct), sum(proxied));
    let opt = |s: &Option<String>| s.clone().unwrap_or_else(|| "-".into());
    let mut differences = Vec::new();
    let mut push = |field: &str, was: String, now: String| {
        if was != now {
            differences.push(baseline::Difference {
                field: field.into(),
                was,
                now,
            });
        }
    };
    push(
        "leaf_spki_sha256",
        opt(&d.as_ref().map(|s| s.spki_sha256.clone())),
        opt(&p.as_ref().map(|s| s.spki_sha256.clone())),
    );
    push(
        "issuer",
        opt(&d.as_ref().map(|s| s.issuer.clone())),
        opt(&p.as_ref().map(|s| s.issuer.clone())),
    );
    push(
        "chain_length",
        direct.certificates.len().to_string(),
        proxied.certificates.len().to_string(),
    );
    push("ja3s", opt(&direct.ja3s), opt(&proxied.ja3s));
    push("version", opt(&direct.version), opt(&proxied.version));
    push(
        "cipher_suite",
        opt(&direct.cipher_suite),
        opt(&proxied.cipher_suite),
    );
    PathComparison {
        direct_address: direct.address.clone(),
        direct_leaf_spki_sha256: d.as_ref().map(|s| s.spki_sha256.clone()),
        direct_issuer: d.as_ref().map(|s| s.issuer.clone()),
        direct_chain_length: direct.certificates.len(),
        direct_ja3s: direct.ja3s.clone(),
        differences,
    }
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Everything `tlsight mitm` does, resolved from the command line.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The connection (target, SNI, timeouts).
    pub inspect: InspectOptions,
    /// Go through this HTTP CONNECT proxy.
    pub proxy: Option<ProxyAddr>,
    /// Also connect directly and compare (needs `proxy`).
    pub compare_direct: bool,
    /// Baseline file; `None` with `remember` uses [`baseline::default_path`].
    pub baseline_file: Option<PathBuf>,
    /// Record the host in the baseline (trust on first use).
    pub remember: bool,
    /// Pins, anchors, catalogue, layout.
    pub assess: AssessOptions,
}

/// Connects (directly or through the proxy, and directly too with `compare_direct`), compares
/// with the baseline, assesses, and with `remember` records the host.
pub fn run(opts: &RunOptions) -> Result<Assessment, MitmError> {
    let ins = match &opts.proxy {
        Some(p) => proxy::inspect_via(&opts.inspect, p)?,
        None => crate::handshake::inspect(&opts.inspect)?,
    };
    let obs = Observation::from_inspection(&ins, opts.proxy.as_ref().map(|p| p.to_string()));
    let mut aopts = opts.assess.clone();
    if opts.compare_direct {
        if opts.proxy.is_none() {
            return Err(MitmError::BadProxy {
                proxy: String::new(),
                reason: "--compare-direct needs --proxy".into(),
            });
        }
        let direct = crate::handshake::inspect(&opts.inspect)?;
        aopts.direct = Some(Observation::from_inspection(&direct, None));
    }
    let baseline_path = match (&opts.baseline_file, opts.remember) {
        (Some(p), _) => Some(p.clone()),
        (None, true) => Some(baseline::default_path().ok_or_else(|| MitmError::Baseline {
            path: "(default)".into(),
            detail: "neither XDG_STATE_HOME nor HOME is set; give --baseline FILE".into(),
        })?),
        (None, false) => None,
    };
    let key = obs.target.clone();
    let mut file = None;
    if let Some(path) = &baseline_path {
        let f = BaselineFile::load(path, opts.remember)?;
        aopts.baseline = Some((key.clone(), f.hosts.get(&key).cloned()));
        file = Some(f);
    }
    let mut a = assess_observation(&obs, &aopts)?;
    if let (Some(path), Some(mut f), Some(b)) = (&baseline_path, file, a.baseline.as_mut()) {
        b.file = Some(path.display().to_string());
        if opts.remember {
            let now = opts.assess.at.unwrap_or_else(now_unix);
            match b.status {
                BaselineStatus::NoEntry => {
                    if let Some(e) = obs.baseline_entry(now) {
                        f.hosts.insert(key.clone(), e);
                        b.action = Some("recorded".into());
                    }
                }
                BaselineStatus::Match => {
                    if let Some(e) = f.hosts.get_mut(&key) {
                        e.last_seen_unix = now;
                        b.action = Some("updated".into());
                    }
                }
                // A changed host keeps its old entry: accepting a change is the user's call.
                BaselineStatus::Changed => b.action = Some("kept".into()),
            }
            f.version = 1;
            f.save(path)?;
        }
    }
    Ok(a)
}

#[cfg(test)]
mod tests;
