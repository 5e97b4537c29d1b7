//! The judgement: per-store validation of the chain, then each signal's rule over it, then the
//! verdict (critical → intercepted, warning → suspicious).

use std::collections::BTreeMap;

use rustls_pki_types::CertificateDer;

use super::baseline::{self, BaselineCheck, BaselineEntry};
use super::catalogue::{self, Catalogue, CatalogueMatch};
use super::model::{Assessment, ChainCert, CtReport, PathComparison, ServerSummary};
use super::origin::{self, AnchorOrigin, OriginKind, StoreLayout};
use super::pins::{self, Pin, PinCheck};
use super::sct::{self, SctSource};
use super::{MitmError, Observation, Severity, Signal, Verdict};
use crate::handshake::Inspection;
use crate::x509::{AnchorInfo, CertSummary, ChainReport, StoreKind, StoreReport, VerifyOptions};

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

/// Nothing to judge without a certificate: say why none came.
fn require_certificate(obs: &Observation) -> Result<(), MitmError> {
    if obs.certificates.is_empty() {
        return Err(MitmError::NoCertificate(
            obs.failure
                .clone()
                .unwrap_or_else(|| "the server sent no certificate".into()),
        ));
    }
    Ok(())
}

/// Assesses one observation.
pub fn assess_observation(
    obs: &Observation,
    opts: &AssessOptions,
) -> Result<Assessment, MitmError> {
    require_certificate(obs)?;
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
    report: &ChainReport,
    opts: &AssessOptions,
) -> Result<Assessment, MitmError> {
    let facts = ChainFacts::of(&obs.certificates, &opts.catalogue);
    assess_with_facts(obs, report, &facts, opts)
}

/// What the assessment reads from the certificates alone, whatever the name, the time, the
/// stores or the connection: each certificate's summary, the interception catalogue's matches
/// and the leaf's embedded SCTs. A caller judging one chain many times (a scan, where every
/// node behind a load balancer sends the same chain) computes it once per chain.
#[derive(Debug, Clone)]
pub struct ChainFacts {
    summaries: Vec<Option<CertSummary>>,
    chain: Vec<ChainCert>,
    products: Vec<CatalogueMatch>,
    embedded_scts: Vec<sct::Sct>,
}

impl ChainFacts {
    /// Parses `certificates` (leaf first, as sent) and matches them against `catalogue`.
    pub fn of(certificates: &[CertificateDer<'_>], catalogue: &Catalogue) -> Self {
        let summaries: Vec<Option<CertSummary>> = certificates
            .iter()
            .map(|c| CertSummary::from_der(c.as_ref()).ok())
            .collect();
        let chain = summaries
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
        Self {
            summaries,
            chain,
            products: catalogue::match_chain(catalogue, certificates),
            embedded_scts: certificates
                .first()
                .map(|c| sct::embedded(c.as_ref()))
                .unwrap_or_default(),
        }
    }
}

/// [`assess_with_report`] with the chain's [`ChainFacts`] already computed; `facts` must be
/// those of `obs.certificates` with `opts.catalogue`.
pub fn assess_with_facts(
    obs: &Observation,
    report: &ChainReport,
    facts: &ChainFacts,
    opts: &AssessOptions,
) -> Result<Assessment, MitmError> {
    let trust = Trust {
        stores: &report.stores,
        host_valid: report.host_valid,
    };
    let e = evaluate(obs, trust, facts, opts)?;
    Ok(Assessment {
        target: obs.target.clone(),
        address: obs.address.clone(),
        via_proxy: obs.via_proxy.clone(),
        starttls: None,
        name: obs.name.clone(),
        verdict: e.verdict,
        signals: e.signals,
        chain: facts.chain.clone(),
        trust: report.stores.clone(),
        host_valid: report.host_valid,
        os_anchor_origin: e.os_anchor_origin,
        interception_products: facts.products.clone(),
        pins: e.pins,
        ct: e.ct,
        server: ServerSummary {
            version: obs.version.clone(),
            cipher_suite: obs.cipher_suite.clone(),
            ja3s: obs.ja3s.clone(),
            ja3s_string: obs.ja3s_string.clone(),
            handshake_signature_valid: obs.handshake_signature_valid,
            key_possession: crate::x509::KeyPossession::from_signature(
                obs.handshake_signature_valid,
                obs.signature_proof,
                obs.failure.as_deref(),
            ),
        },
        baseline: e.baseline,
        path_comparison: e.path_comparison,
        handshake_error: obs.failure.clone(),
    })
}

/// What the rules read from a chain's validation: the per-store verdicts (name-free) and the
/// name check. A caller holding a name-free report and the name check apart (a scan) passes
/// them without building a named report.
#[derive(Debug, Clone, Copy)]
pub struct Trust<'a> {
    /// Per-store verdicts.
    pub stores: &'a BTreeMap<StoreKind, StoreReport>,
    /// Whether the leaf covers the name (`None`: not checked or unparseable).
    pub host_valid: Option<bool>,
}

/// The verdict and its signals alone, what [`assess_with_facts`] would say, without the rest of
/// the [`Assessment`] (the chain, the stores and the server summary copied in).
pub fn verdict_with_facts(
    obs: &Observation,
    trust: Trust<'_>,
    facts: &ChainFacts,
    opts: &AssessOptions,
) -> Result<(Verdict, Vec<Signal>), MitmError> {
    let e = evaluate(obs, trust, facts, opts)?;
    Ok((e.verdict, e.signals))
}

/// Every rule's outcome for one observation.
struct Evaluation {
    verdict: Verdict,
    signals: Vec<Signal>,
    os_anchor_origin: Option<AnchorOrigin>,
    pins: Vec<PinCheck>,
    ct: CtReport,
    baseline: Option<BaselineCheck>,
    path_comparison: Option<PathComparison>,
}

fn evaluate(
    obs: &Observation,
    trust: Trust<'_>,
    facts: &ChainFacts,
    opts: &AssessOptions,
) -> Result<Evaluation, MitmError> {
    require_certificate(obs)?;
    debug_assert_eq!(facts.summaries.len(), obs.certificates.len());
    let cx = Cx {
        obs,
        trust,
        opts,
        summaries: &facts.summaries,
        chain: &facts.chain,
    };
    let products = &facts.products;
    let mut signals: Vec<Signal> = Vec::new();
    signals.extend(key_possession(&cx));
    signals.extend(interception_issuer(&cx, products));
    let (trust_signals, os_anchor_origin) = store_trust(&cx);
    signals.extend(trust_signals);
    signals.extend(hostname(&cx));
    let (pins, pin_signal) = pinning(&cx);
    signals.extend(pin_signal);
    let (ct, ct_signal) = transparency(&cx, &facts.embedded_scts);
    signals.extend(ct_signal);
    let (baseline, baseline_signals) = against_baseline(&cx);
    signals.extend(baseline_signals);
    let (path_comparison, path_signal) = against_direct_path(&cx);
    signals.extend(path_signal);
    signals.extend(incomplete(&cx));

    signals.sort_by_key(|s| std::cmp::Reverse(s.severity));
    let verdict = match signals.iter().map(|s| s.severity).max() {
        Some(Severity::Critical) => Verdict::Intercepted,
        Some(Severity::Warning) => Verdict::Suspicious,
        _ => Verdict::Clean,
    };
    Ok(Evaluation {
        verdict,
        signals,
        os_anchor_origin,
        pins,
        ct,
        baseline,
        path_comparison,
    })
}

/// What every rule looks at.
struct Cx<'a> {
    obs: &'a Observation,
    trust: Trust<'a>,
    opts: &'a AssessOptions,
    summaries: &'a [Option<CertSummary>],
    chain: &'a [ChainCert],
}

impl Cx<'_> {
    /// `certificate #N "subject"`.
    fn label(&self, i: usize) -> String {
        self.chain
            .get(i)
            .map(|c| format!("certificate #{i} \"{}\"", c.subject))
            .unwrap_or_else(|| format!("certificate #{i}"))
    }

    fn store(&self, k: StoreKind) -> Option<&StoreReport> {
        self.trust.stores.get(&k)
    }

    fn trusted(&self, k: StoreKind) -> bool {
        self.store(k).is_some_and(|s| s.trusted)
    }

    fn anchor(&self, k: StoreKind) -> Option<&AnchorInfo> {
        self.store(k).and_then(|s| s.anchor.as_ref())
    }
}

fn key_possession(cx: &Cx<'_>) -> Option<Signal> {
    if !cx.obs.key_possession_failed {
        // A handshake that ended after the certificate but before its proof (or one whose
        // proof nobody checked) leaves the server unauthenticated: not proof of replay, but
        // never clean.
        if cx.obs.handshake_signature_valid.is_some() || cx.obs.certificates.is_empty() {
            return None;
        }
        let mut evidence = vec![format!(
            "no CertificateVerify / ServerKeyExchange signature or Finished (RSA key transport) \
             under the key of {} was checked",
            cx.label(0)
        )];
        evidence.extend(cx.obs.failure.clone());
        return Some(signal(
            "key_possession_failed",
            Severity::Warning,
            "the server never proved it holds the key of the certificate it sent",
            evidence,
            "a certificate is public: only a signature with its private key shows the server \
             owns it",
        ));
    }
    Some(signal(
        "key_possession_failed",
        Severity::Critical,
        "the server presented a certificate it cannot sign with",
        vec![
            format!(
                "the handshake signature did not verify with the key of {} (SPKI sha256/{})",
                cx.label(0),
                cx.chain[0].spki_sha256
            ),
            cx.obs.failure.clone().unwrap_or_default(),
        ],
        "a server that sends a genuine certificate without holding its private key is replaying \
         someone else's certificate: an impersonation attempt, not a misconfiguration",
    ))
}

fn interception_issuer(cx: &Cx<'_>, products: &[CatalogueMatch]) -> Option<Signal> {
    if products.is_empty() {
        return None;
    }
    let mut names: Vec<&str> = Vec::new();
    for m in products {
        if !names.contains(&m.product.as_str()) {
            names.push(&m.product);
        }
    }
    Some(signal(
        "known_interception_issuer",
        Severity::Critical,
        format!(
            "the chain is signed by a TLS-inspection CA: {}",
            names.join(", ")
        ),
        products
            .iter()
            .map(|m| {
                format!(
                    "{} {} \"{}\" matches {} ({}; rule {}; {} entry)",
                    cx.label(m.certificate),
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
    ))
}

/// `anchored_only_locally` (with the OS anchor's origin) and `untrusted_chain`.
fn store_trust(cx: &Cx<'_>) -> (Vec<Signal>, Option<AnchorOrigin>) {
    let (moz, os, custom) = (
        cx.trusted(StoreKind::Mozilla),
        cx.trusted(StoreKind::Os),
        cx.trusted(StoreKind::Custom),
    );
    let mut signals = Vec::new();
    let mut os_origin = None;
    if os
        && !moz
        && let Some(anchor) = cx.anchor(StoreKind::Os)
    {
        let origin = origin::classify(&anchor.spki_sha256, &cx.opts.layout);
        // The same anchor given with --ca is one the user expects.
        let expected = custom
            && cx
                .anchor(StoreKind::Custom)
                .is_some_and(|a| a.spki_sha256 == anchor.spki_sha256);
        if !expected {
            let moz_err = cx
                .store(StoreKind::Mozilla)
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
                    "trusted only through the OS store's \"{}\", not by Mozilla's roots",
                    anchor.subject
                ),
                vec![
                    format!(
                        "os store anchor: \"{}\" (SPKI sha256/{})",
                        anchor.subject, anchor.spki_sha256
                    ),
                    format!("mozilla store: {moz_err}"),
                    format!("origin: {}", origin.detail),
                ],
                why,
            ));
        }
        os_origin = Some(origin);
    }
    if !moz && !os && !custom {
        let mut ev: Vec<String> = cx
            .trust
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
        if let Some(top) = cx.chain.last() {
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
    (signals, os_origin)
}

fn hostname(cx: &Cx<'_>) -> Option<Signal> {
    if cx.trust.host_valid != Some(false) {
        return None;
    }
    let names = cx.summaries[0]
        .as_ref()
        .map(|s| s.sans.join(", "))
        .unwrap_or_default();
    Some(signal(
        "hostname_mismatch",
        Severity::Warning,
        format!("the certificate does not cover \"{}\"", cx.obs.name),
        vec![format!("{} names: {names}", cx.label(0))],
        "a proxy that forges certificates for the wrong name, or a server answering for a \
         different site",
    ))
}

/// Pins may name any certificate sent or the anchor a store validated the chain to.
fn pinning(cx: &Cx<'_>) -> (Vec<PinCheck>, Option<Signal>) {
    let mut keys: Vec<pins::PinnableKey> = cx
        .chain
        .iter()
        .filter(|c| !c.spki_sha256.is_empty())
        .map(|c| pins::PinnableKey {
            spki_sha256: c.spki_sha256.clone(),
            label: cx.label(c.position),
        })
        .collect();
    for (k, s) in cx.trust.stores {
        if let Some(a) = &s.anchor {
            keys.push(pins::PinnableKey {
                spki_sha256: a.spki_sha256.clone(),
                label: format!("{} anchor \"{}\"", k.name(), a.subject),
            });
        }
    }
    let checks = pins::check(&cx.opts.pins, &keys);
    if checks.is_empty() || checks.iter().any(|p| p.matched) {
        return (checks, None);
    }
    let mut ev: Vec<String> = checks
        .iter()
        .map(|p| format!("pin {} matches no key", p.pin))
        .collect();
    ev.extend(
        keys.iter()
            .map(|k| format!("key of {}: sha256/{}", k.label, k.spki_sha256)),
    );
    let s = signal(
        "pin_mismatch",
        Severity::Critical,
        "no key of the chain matches the pins",
        ev,
        "a pinned key survives renewals; a chain without any pinned key was made by someone \
         else, which is what an interception CA does",
    );
    (checks, Some(s))
}

/// SCTs from all three carriers; expected when a public (Mozilla) root anchors the chain.
fn transparency(cx: &Cx<'_>, embedded: &[sct::Sct]) -> (CtReport, Option<Signal>) {
    let obs = cx.obs;
    let mut scts = embedded.to_vec();
    scts.extend(obs.tls_scts.iter().cloned());
    scts.extend(sct::from_ocsp(&obs.ocsp));
    let count = |s: SctSource| scts.iter().filter(|x| x.source == s).count();
    let moz = cx.trusted(StoreKind::Mozilla);
    let ct = CtReport {
        embedded: count(SctSource::Embedded),
        tls_extension: count(SctSource::TlsExtension),
        ocsp: count(SctSource::Ocsp),
        ocsp_stapled: !obs.ocsp.is_empty(),
        expected: moz,
        scts,
    };
    if !moz || !ct.scts.is_empty() {
        return (ct, None);
    }
    let anchor = cx
        .anchor(StoreKind::Mozilla)
        .map(|a| a.subject.clone())
        .unwrap_or_default();
    let s = signal(
        "missing_sct",
        Severity::Warning,
        "a publicly trusted chain without Certificate Transparency proof",
        vec![
            format!("anchored in Mozilla's roots at \"{anchor}\""),
            format!(
                "SCTs: 0 embedded in the leaf, 0 in the TLS extension, 0 in the OCSP staple ({})",
                if ct.ocsp_stapled {
                    "stapled"
                } else {
                    "none stapled"
                }
            ),
        ],
        "browsers require SCTs for publicly trusted certificates; one without them was never \
         logged, as a certificate mis-issued for interception would not be",
    );
    (ct, Some(s))
}

/// `baseline_changed`, `inconsistent_server`, `server_hello_changed`.
fn against_baseline(cx: &Cx<'_>) -> (Option<BaselineCheck>, Vec<Signal>) {
    // The entry parses every certificate: only worth it when there is a baseline to compare.
    let Some((key, recorded)) = &cx.opts.baseline else {
        return (None, Vec::new());
    };
    let Some(now) = cx
        .obs
        .baseline_entry(cx.opts.at.unwrap_or_else(super::run::now_unix))
    else {
        return (None, Vec::new());
    };
    let check = baseline::compare(key, recorded.as_ref(), &now);
    let ev: Vec<String> = check
        .differences
        .iter()
        .map(|d| format!("{}: recorded {}, now {}", d.field, d.was, d.now))
        .collect();
    let mut signals = Vec::new();
    if check.chain_changed {
        signals.push(signal(
            "baseline_changed",
            Severity::Warning,
            format!(
                "the certificate for {} changed since it was recorded",
                check.key
            ),
            ev.iter()
                .filter(|e| e.starts_with("leaf_spki") || e.starts_with("issuer"))
                .cloned()
                .collect(),
            "a new key or a new issuer can be a routine renewal, or someone else's certificate; \
             check the new issuer before accepting it",
        ));
        if check.server_hello_changed {
            signals.push(signal(
                "inconsistent_server",
                Severity::Warning,
                "the server hello changed together with the certificate",
                ev,
                "a different TLS stack answering with a different certificate suggests a \
                 different machine terminates the connection",
            ));
        }
    } else if check.server_hello_changed {
        signals.push(signal(
            "server_hello_changed",
            Severity::Info,
            "the server hello changed, the certificate did not",
            ev,
            "usually a server software or configuration update",
        ));
    }
    (Some(check), signals)
}

/// `proxy_certificate_differs` / `proxy_path_differs` against the direct observation.
fn against_direct_path(cx: &Cx<'_>) -> (Option<PathComparison>, Option<Signal>) {
    let Some(direct) = &cx.opts.direct else {
        return (None, None);
    };
    let pc = compare_paths(direct, cx.obs);
    let is_cert = |f: &str| f == "leaf_spki_sha256" || f == "issuer";
    let line =
        |d: &baseline::Difference| format!("{}: direct {}, via proxy {}", d.field, d.was, d.now);
    let cert: Vec<String> = pc
        .differences
        .iter()
        .filter(|d| is_cert(&d.field))
        .map(line)
        .collect();
    let other: Vec<String> = pc
        .differences
        .iter()
        .filter(|d| !is_cert(&d.field))
        .map(line)
        .collect();
    let s = if !cert.is_empty() {
        Some(signal(
            "proxy_certificate_differs",
            Severity::Critical,
            "the proxy path shows a different certificate than the direct path",
            cert.into_iter().chain(other).collect(),
            "the proxy (or something behind it) replaces the server's certificate: it \
             terminates TLS",
        ))
    } else if !other.is_empty() {
        Some(signal(
            "proxy_path_differs",
            Severity::Warning,
            "same certificate, but the handshake differs between the two paths",
            other,
            "a different server hello or chain for the same key can mean a device on the \
             proxy path re-originates TLS",
        ))
    } else {
        None
    };
    (Some(pc), s)
}

fn incomplete(cx: &Cx<'_>) -> Option<Signal> {
    let f = cx.obs.failure.as_ref()?;
    if cx.obs.key_possession_failed {
        return None;
    }
    Some(signal(
        "handshake_incomplete",
        Severity::Info,
        "the handshake did not complete; the assessment uses what was received",
        vec![f.clone()],
        "signals that need the finished handshake (key possession, server hello) may be \
         missing",
    ))
}

fn compare_paths(direct: &Observation, proxied: &Observation) -> PathComparison {
    let sum = |o: &Observation| {
        o.certificates
            .first()
            .and_then(|c| CertSummary::from_der(c.as_ref()).ok())
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
